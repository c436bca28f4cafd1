/** Runs the real consumer entry point (`consumer/main.ts`) as a child process, as `npm run consumer` does. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Config } from '../../../config';
import { isolatedEnv } from './harness';

export interface ConsumerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnConsumer(config: Config, env: NodeJS.ProcessEnv = {}): ConsumerProcess {
  // `node --import tsx` (not the tsx CLI, which runs the script in a second process): a signal sent to
  // this pid reaches the consumer itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'consumer/main.ts'], {
    cwd: config.projectRoot,
    env: { ...process.env, ...isolatedEnv(config), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}
