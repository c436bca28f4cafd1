/**
 * `npm run airflow -- <args>`: the `airflow` CLI of the project's virtualenv, with the project's
 * AIRFLOW_HOME (SQLite), its `dags/` folder, no example DAGs, and `temporal_default` pointing at the
 * configured Temporal server. Sets the virtualenv up first when it is missing or stale.
 */
import { loadConfigOrExit } from '../../config';
import { runAirflow } from './run';
import { setupAirflow } from './setup';

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  await setupAirflow(config);
  return runAirflow(config, process.argv.slice(2));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
