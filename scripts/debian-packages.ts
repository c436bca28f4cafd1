/**
 * Tools the tests need from Debian (the browser, docker-compose) are installed from the distribution's
 * package registry when missing, as the services are, if this runs as root on a machine with apt.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

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

function canInstallDebianPackages(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
}

/**
 * `executable`, which Debian's package `name` provides, installed first when missing and this may
 * install packages; otherwise the error says how to install it, with `otherwise` as a further way out.
 */
export async function ensureDebianExecutable(name: string, executable: string, log: (line: string) => void, otherwise = ''): Promise<string> {
  if (existsSync(executable)) return executable;
  if (!canInstallDebianPackages()) throw new Error(`no ${name} at ${executable}: install Debian's package (sudo apt-get install ${name})${otherwise}`);
  log(`${name} is missing; installing Debian’s ${name} package (once):`);
  await run('apt-get', ['update', '-qq'], log);
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', name], log);
  if (!existsSync(executable)) throw new Error(`apt-get installed ${name}, but ${executable} is still missing`);
  return executable;
}
