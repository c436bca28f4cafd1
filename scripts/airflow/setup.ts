/**
 * `npm run airflow:setup`: creates the project's Airflow virtualenv (Airflow, temporalio, pytest)
 * from the committed lock `dags/requirements-lock.txt`, with pip checking every hash.
 * Idempotent: when the stamp in the virtualenv carries the lock's hash, it does nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadConfigOrExit, type Config } from '../../config';
import { lockSha256, stampFile, venvBin, venvIsCurrent, type VenvStamp } from './environment';

export class AirflowSetupError extends Error {
  override name = 'AirflowSetupError';
}

/** Python versions the lock was resolved for (Airflow 3.0.6 supports up to 3.12; MWAA runs 3.12). */
const SUPPORTED_PYTHON = /^3\.(11|12)\./;

/** The interpreter's version, after making sure it can build a virtualenv with pip in it. */
function checkPython(python: string): string {
  const probe = spawnSync(python, ['-c', 'import sys, venv, ensurepip; print("%d.%d.%d" % sys.version_info[:3])'], {
    encoding: 'utf8',
  });
  if (probe.error) {
    throw new AirflowSetupError(
      `Cannot run '${python}' (${probe.error.message}). Install Python 3.11 or 3.12, or point AIRFLOW_PYTHON at one.`,
    );
  }
  if (probe.status !== 0) {
    throw new AirflowSetupError(
      `'${python}' has no working venv/ensurepip module (on Debian/Ubuntu: apt-get install python3-venv).\n${probe.stderr.trim()}`,
    );
  }
  const version = probe.stdout.trim();
  if (!SUPPORTED_PYTHON.test(version)) {
    throw new AirflowSetupError(`'${python}' is Python ${version}; the Airflow lock is for 3.11 or 3.12 (set AIRFLOW_PYTHON).`);
  }
  return version;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', (err) => reject(new AirflowSetupError(`${command}: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new AirflowSetupError(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Brings the virtualenv in line with the lock; returns whether it had to install anything. */
export async function setupAirflow(config: Config): Promise<boolean> {
  if (venvIsCurrent(config)) return false;
  const pythonVersion = checkPython(config.airflow.python);
  console.log(`Airflow virtualenv: ${config.airflow.venvDir} (Python ${pythonVersion}); this takes a few minutes once.`);
  // `venv` on an existing directory keeps what is installed, so a changed lock upgrades in place.
  await run(config.airflow.python, ['-m', 'venv', config.airflow.venvDir]);
  // The lock is complete, so pip installs it as is (--no-deps: pip's hash mode would otherwise demand
  // pins spelled with extras, e.g. fastapi[standard]); `pip check` then proves the set is consistent.
  const pip = [venvBin(config, 'python'), '-m', 'pip'] as const;
  await run(pip[0], [...pip.slice(1), 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off',
    '--require-hashes', '--no-deps', '-r', config.airflow.lockFile]);
  await run(pip[0], [...pip.slice(1), 'check', '--disable-pip-version-check']);
  mkdirSync(config.airflow.home, { recursive: true });
  const stamp: VenvStamp = { lockSha256: lockSha256(config), python: pythonVersion, installedAt: new Date().toISOString() };
  writeFileSync(stampFile(config), `${JSON.stringify(stamp, null, 2)}\n`);
  return true;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const installed = await setupAirflow(config);
  console.log(installed ? 'Airflow virtualenv installed from the lock.' : `Airflow virtualenv is up to date (${config.airflow.venvDir}).`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
