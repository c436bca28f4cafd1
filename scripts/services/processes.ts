import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** What `up` records about a process it started, so that `down` stops only its own. */
export interface PidRecord {
  service: string;
  pid: number;
  argv: string[];
  startedAt: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function pidFile(runDir: string, service: string): string {
  return path.join(runDir, `${service}.pid.json`);
}

export function readPidRecord(runDir: string, service: string): PidRecord | undefined {
  const file = pidFile(runDir, service);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/** Alive and still the program we started: a recycled pid running something else does not count. */
export function isOurs(record: PidRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  try {
    const argv = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    return argv.join('\0') === record.argv.join('\0');
  } catch {
    return false;
  }
}

export function runningRecord(runDir: string, service: string): PidRecord | undefined {
  const record = readPidRecord(runDir, service);
  return record && isOurs(record) ? record : undefined;
}

export function startDetached(options: {
  service: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  runDir: string;
}): PidRecord {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  mkdirSync(options.runDir, { recursive: true });
  const fd = openSync(options.logFile, 'a');
  try {
    writeFileSync(fd, `\n==== ${new Date().toISOString()} starting ${options.service}: ${options.command} ${options.args.join(' ')}\n`);
    // detached: the service gets its own process group, outlives this script, and can be stopped as a group.
    const child = spawn(options.command, options.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    if (child.pid === undefined) throw new Error(`${options.service}: could not start ${options.command}`);
    child.unref();
    const record: PidRecord = {
      service: options.service,
      pid: child.pid,
      argv: [options.command, ...options.args],
      startedAt: new Date().toISOString(),
    };
    writeFileSync(pidFile(options.runDir, options.service), `${JSON.stringify(record)}\n`);
    return record;
  } finally {
    closeSync(fd);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the process group, wait for a clean exit, then SIGKILL whatever is left. */
/** SIGTERM a process group, wait up to `graceMs` for it to exit, then SIGKILL whatever is left. */
export async function stopProcessGroup(pid: number, graceMs: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    while (groupAlive(pid)) await sleep(50);
  }
}

export async function stopRecorded(runDir: string, service: string, graceMs = 15_000): Promise<boolean> {
  const record = readPidRecord(runDir, service);
  if (record === undefined) return false;
  const ours = isOurs(record);
  if (ours) await stopProcessGroup(record.pid, graceMs);
  rmSync(pidFile(runDir, service), { force: true });
  return ours;
}

export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function logTail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
