import { spawnSync } from 'node:child_process';
import { pins } from './pins';

export class MissingToolchainError extends Error {
  constructor(tool: string, why: string) {
    super(`${tool}: ${why}`);
    this.name = 'MissingToolchainError';
  }
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return { ok: false, output: String(result.error.message) };
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

export function requireGo(): string {
  const { ok, output } = run('go', ['env', 'GOVERSION']);
  if (!ok) {
    throw new MissingToolchainError('go', 'not found on PATH. Install Go 1.25 or newer: the Temporal CLI and MinIO are built with `go install`.');
  }
  const match = /go(\d+)\.(\d+)/.exec(output);
  const [major, minor] = [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
  const [needMajor, needMinor] = pins.go.minimum;
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    throw new MissingToolchainError('go', `found ${output.trim()}, need go${needMajor}.${needMinor} or newer (Temporal CLI v1.5.1 requires it).`);
  }
  return output.trim();
}

export function requireJava(): string {
  const { ok, output } = run('java', ['-version']);
  if (!ok) {
    throw new MissingToolchainError('java', `not found on PATH. Install a JDK ${pins.java.minimum} or newer: Kafka and DynamoDB Local run on the JVM.`);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  let major = Number(match?.[1] ?? 0);
  if (major === 1) major = Number(match?.[2] ?? 0);
  if (major < pins.java.minimum) {
    throw new MissingToolchainError('java', `found Java ${major}, need ${pins.java.minimum} or newer.`);
  }
  return `java ${major}`;
}

export function requireMaven(): string {
  const { ok, output } = run('mvn', ['-B', '-v']);
  if (!ok) {
    throw new MissingToolchainError('mvn', 'not found on PATH. Install Apache Maven: it resolves the Kafka jars from Maven Central.');
  }
  return /Apache Maven [\d.]+/.exec(output)?.[0] ?? 'mvn';
}
