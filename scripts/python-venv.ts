/**
 * A Python virtualenv built from a committed lock: pip installs exactly the locked files (every hash
 * checked), then a stamp with the lock's hash is written into the virtualenv, so that a later call does
 * nothing until the lock changes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config';

export interface LockedVenv {
  /** What the virtualenv is for, in messages. */
  name: string;
  venvDir: string;
  /** A complete lock (every dependency pinned, with hashes), as `uv pip compile --generate-hashes` writes it. */
  lockFile: string;
  /** The interpreter that creates the virtualenv. */
  python: string;
  /** Python versions the lock was resolved for, e.g. /^3\.(11|12)\./, and the same in words. */
  supportedPython: { pattern: RegExp; description: string };
}

/** Written into the virtualenv after a successful install; a different lock hash means "stale". */
export interface VenvStamp {
  lockSha256: string;
  python: string;
  installedAt: string;
}

/**
 * A tool's own virtualenv: `<venvsDir>/<tool>`, from the lock committed at
 * `scripts/<tool>/requirements-lock.txt`, resolved for every Python from 3.11 on.
 */
export function toolVenv(venvsDir: string, tool: string, name: string): LockedVenv {
  return {
    name,
    venvDir: path.join(venvsDir, tool),
    lockFile: path.join(projectRoot, 'scripts', tool, 'requirements-lock.txt'),
    python: 'python3',
    supportedPython: { pattern: /^3\.(1[1-9])\./, description: '3.11 or later, first on PATH as python3' },
  };
}

export class VenvSetupError extends Error {
  override name = 'VenvSetupError';
}

export function venvBin(venv: Pick<LockedVenv, 'venvDir'>, program: string): string {
  return path.join(venv.venvDir, 'bin', program);
}

function stampFile(venv: LockedVenv): string {
  return path.join(venv.venvDir, '.movie-rec-lock.json');
}

function lockSha256(venv: LockedVenv): string {
  return createHash('sha256').update(readFileSync(venv.lockFile)).digest('hex');
}

function readStamp(venv: LockedVenv): VenvStamp | undefined {
  try {
    return JSON.parse(readFileSync(stampFile(venv), 'utf8')) as VenvStamp;
  } catch {
    return undefined;
  }
}

/** True when the virtualenv exists and was installed from the lock as it is now. */
export function venvIsCurrent(venv: LockedVenv): boolean {
  return existsSync(venvBin(venv, 'python')) && readStamp(venv)?.lockSha256 === lockSha256(venv);
}

/** The interpreter's version, after making sure it can build a virtualenv with pip in it. */
function checkPython(venv: LockedVenv): string {
  const probe = spawnSync(venv.python, ['-c', 'import sys, venv, ensurepip; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  if (probe.error) throw new VenvSetupError(`${venv.name}: cannot run '${venv.python}' (${probe.error.message}); it needs Python ${venv.supportedPython.description}.`);
  if (probe.status !== 0) {
    throw new VenvSetupError(`${venv.name}: '${venv.python}' has no working venv/ensurepip module (on Debian/Ubuntu: apt-get install python3-venv).\n${probe.stderr.trim()}`);
  }
  const version = probe.stdout.trim();
  if (!venv.supportedPython.pattern.test(version)) {
    throw new VenvSetupError(`${venv.name}: '${venv.python}' is Python ${version}; the lock is for ${venv.supportedPython.description}.`);
  }
  return version;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', (err) => reject(new VenvSetupError(`${command}: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new VenvSetupError(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Brings the virtualenv in line with the lock, with pip's progress on stdout; returns whether it installed anything. */
export async function ensureLockedVenv(venv: LockedVenv): Promise<boolean> {
  if (venvIsCurrent(venv)) return false;
  const pythonVersion = checkPython(venv);
  const shown = venv.venvDir.startsWith(`${process.cwd()}${path.sep}`) ? path.relative(process.cwd(), venv.venvDir) : venv.venvDir;
  console.log(`${venv.name} virtualenv: ${shown} (Python ${pythonVersion}), from ${path.basename(venv.lockFile)}; once, until the lock changes.`);
  // `venv` on an existing directory keeps what is installed, so a changed lock upgrades in place.
  await run(venv.python, ['-m', 'venv', venv.venvDir]);
  // The lock is complete, so pip installs it as is (--no-deps: hash mode would otherwise demand pins for
  // extras it cannot see); `pip check` then proves the set is consistent.
  const python = venvBin(venv, 'python');
  await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '--require-hashes', '--no-deps', '-r', venv.lockFile]);
  await run(python, ['-m', 'pip', 'check', '--disable-pip-version-check']);
  const stamp: VenvStamp = { lockSha256: lockSha256(venv), python: pythonVersion, installedAt: new Date().toISOString() };
  writeFileSync(stampFile(venv), `${JSON.stringify(stamp, null, 2)}\n`);
  return true;
}
