/**
 * The browser the page tests drive: Debian's `chromium`, or the one `CHROMIUM_PATH` names. When
 * Debian's is missing and this runs as root on a machine with apt, it is installed from the
 * distribution's package registry, as the services are; otherwise the error says how to install it.
 * No browser is downloaded by an npm package.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEFAULT_PATH = '/usr/bin/chromium';

/** Flags for a headless run on a machine without outside network: nothing phones home at start. */
export const HEADLESS_CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function run(command: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${tail.trim()}`))));
    log(`  ${command} ${args.join(' ')}`);
  });
}

export async function ensureChromium(configured: string | undefined, log: (line: string) => void = console.log): Promise<string> {
  const executable = configured ?? DEFAULT_PATH;
  if (existsSync(executable)) return executable;
  const canInstall = configured === undefined && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(`no Chromium at ${executable}: install Debian's package (sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable`);
  }
  log('Chromium is missing; installing Debian’s chromium package (once):');
  await run('apt-get', ['update', '-qq'], log);
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], log);
  if (!existsSync(executable)) throw new Error(`apt-get installed chromium, but ${executable} is still missing`);
  return executable;
}
