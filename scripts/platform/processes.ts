import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

/** A platform process (api, consumer, worker) started by `npm start` or a test, logging to a file. */
export interface PlatformProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/** A process's entry point: its TypeScript source (`api/main.ts`) under tsx, or, given a build directory, its compiled module there. */
export function entryPoint(source: string, buildDir: string | undefined): string {
  return buildDir === undefined ? source : path.join(buildDir, source.replace(/\.ts$/, '.js'));
}

/** Node's arguments for an entry point: a TypeScript source runs under tsx, a compiled one (`dist/…/main.js`) with plain `node`. */
export function nodeArguments(entry: string): string[] {
  return entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
}

export function startPlatformProcess(options: { name: string; entry: string; cwd: string; env: NodeJS.ProcessEnv; logDir: string }): PlatformProcess {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, nodeArguments(options.entry), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: options.name,
    child,
    logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}

/** Resolves when `url` answers 2xx; fails when the process dies first or the time is up. */
export async function waitForHttp(url: string, proc: PlatformProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited (code ${proc.child.exitCode}) before ${url} answered; see ${proc.logFile}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s; see ${proc.logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
