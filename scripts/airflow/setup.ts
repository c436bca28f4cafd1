/**
 * `npm run airflow:setup`: creates the project's Airflow virtualenv (Airflow, temporalio, pytest)
 * from the committed lock `dags/requirements-lock.txt`, with pip checking every hash.
 * Idempotent: when the stamp in the virtualenv carries the lock's hash, it does nothing.
 */
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadConfigOrExit, type Config } from '../../config';
import { ensureLockedVenv } from '../python-venv';
import { airflowVenv } from './environment';

/** Brings the virtualenv in line with the lock; returns whether it had to install anything. */
export async function setupAirflow(config: Config): Promise<boolean> {
  const installed = await ensureLockedVenv(airflowVenv(config));
  mkdirSync(config.airflow.home, { recursive: true });
  return installed;
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
