/**
 * `docker-compose config` over a compose file: Compose parses it, checks it against its schema and
 * resolves anchors, merges and variables, with no Docker engine, so a broken `docker-compose.yml`
 * fails a test instead of a user's `docker compose up`. Debian's `docker-compose` is installed when
 * missing, as the browser is.
 */
import { spawn } from 'node:child_process';
import { ensureDebianExecutable } from './debian-packages';

export function ensureDockerCompose(log: (line: string) => void = console.log): Promise<string> {
  return ensureDebianExecutable('docker-compose', '/usr/bin/docker-compose', log);
}

export interface ComposeConfigResult {
  code: number | null;
  /** The resolved file as Compose understood it. */
  stdout: string;
  /** Errors, and warnings such as a variable that is unset and has no default. */
  stderr: string;
}

/**
 * Runs `docker-compose config` on `file` with no variables of the caller's shell, so the file's own
 * defaults are what is checked.
 */
export function composeConfig(executable: string, file: string): Promise<ComposeConfigResult> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
    const child = spawn(executable, ['--file', file, 'config'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
