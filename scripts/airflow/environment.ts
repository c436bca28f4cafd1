/**
 * The project's local Airflow: where its virtualenv lives, whether it matches the committed lock,
 * and the environment every `airflow` or `pytest` process of the project runs with.
 */
import path from 'node:path';
import type { Config } from '../../config';
import { venvBin as lockedVenvBin, venvIsCurrent as lockedVenvIsCurrent, type LockedVenv } from '../python-venv';

/** The Airflow virtualenv (Airflow, temporalio, pytest) as built from `dags/requirements-lock.txt`. */
export function airflowVenv(config: Config): LockedVenv {
  return {
    name: 'Airflow',
    venvDir: config.airflow.venvDir,
    lockFile: config.airflow.lockFile,
    python: config.airflow.python,
    // Airflow 3.0.6 supports Python up to 3.12; MWAA runs 3.12.
    supportedPython: { pattern: /^3\.(11|12)\./, description: '3.11 or 3.12 (set AIRFLOW_PYTHON)' },
  };
}

export function venvBin(config: Config, program: string): string {
  return lockedVenvBin(airflowVenv(config), program);
}

/** True when the virtualenv exists and was installed from the lock as it is now. */
export function venvIsCurrent(config: Config): boolean {
  return lockedVenvIsCurrent(airflowVenv(config));
}

/**
 * The `temporal_default` connection for local runs, pointing at the configured Temporal server.
 * A connection the caller already set in the environment wins.
 */
function temporalConnection(config: Config): string {
  const [host, port] = config.temporal.address.split(':');
  return JSON.stringify({
    conn_type: 'temporal',
    host,
    port: Number(port),
    extra: { namespace: config.temporal.namespace, task_queue: config.temporal.taskQueue },
  });
}

/** Environment of the project's Airflow processes: its own home, SQLite database and DAG folder. */
export function airflowEnv(config: Config, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const bin = path.join(config.airflow.venvDir, 'bin');
  return {
    ...base,
    PATH: `${bin}${path.delimiter}${base.PATH ?? ''}`,
    VIRTUAL_ENV: config.airflow.venvDir,
    AIRFLOW_HOME: config.airflow.home,
    AIRFLOW__CORE__DAGS_FOLDER: config.airflow.dagsFolder,
    // Airflow 3.0 puts the DAG folder on sys.path only in the DAG processor and the task runner; the
    // CLI and the triggerer need it too, to import the temporal_bridge package.
    PYTHONPATH: [config.airflow.dagsFolder, base.PYTHONPATH].filter((p) => p !== undefined && p !== '').join(path.delimiter),
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${path.join(config.airflow.home, 'airflow.db')}`,
    // Like the rest of the local stack, `airflow standalone` / `api-server` listen on loopback only.
    AIRFLOW__API__HOST: base.AIRFLOW__API__HOST ?? '127.0.0.1',
    AIRFLOW__API__PORT: String(config.airflow.apiPort),
    // The task processes reach the execution API under this URL (Airflow's default assumes :8080).
    AIRFLOW__API__BASE_URL: `${config.airflow.url}/`,
    // Airflow's simple auth manager generates each listed user's password into its passwords file.
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: base.AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS ?? 'admin:admin',
    AIRFLOW_CONN_TEMPORAL_DEFAULT: base.AIRFLOW_CONN_TEMPORAL_DEFAULT ?? temporalConnection(config),
  };
}
