/**
 * `npm run airflow -- <args>`: the `airflow` CLI of the project's virtualenv, with the project's
 * AIRFLOW_HOME (SQLite), its `dags/` folder, no example DAGs, and `temporal_default` pointing at the
 * configured Temporal server. Sets the virtualenv up first when it is missing or stale.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit, type Config } from '../../config';
import { airflowEnv, venvBin } from './environment';
import { setupAirflow } from './setup';

function runAirflow(config: Config, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvBin(config, 'airflow'), args, { stdio: 'inherit', env: airflowEnv(config) });
    // Ctrl-C reaches the child through the terminal; the parent only waits for it to exit.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  await setupAirflow(config);
  const args = process.argv.slice(2);
  // Airflow commands other than `db` need the metadata database. On first use create it and store
  // the parsed DAGs in it, which a scheduler's DAG processor would otherwise do.
  if (args[0] !== 'db' && !existsSync(path.join(config.airflow.home, 'airflow.db'))) {
    for (const step of [['db', 'migrate'], ['dags', 'reserialize']]) {
      const code = await runAirflow(config, step);
      if (code !== 0) return code;
    }
  }
  return runAirflow(config, args);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
