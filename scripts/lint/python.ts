/**
 * The Python half of `npm run lint`: ruff and mypy over `dags/` and `test/airflow/`, configured in
 * pyproject.toml. The tools come from the `lint` virtualenv (under `MOVIE_REC_VENVS_DIR`, built from
 * the committed lock next to this file when missing or stale). mypy resolves Airflow, temporalio and
 * pytest from the Airflow virtualenv, set up first when missing, so the DAG is checked against the
 * types it runs with. Its cache lives beside the virtualenvs: most of it is those packages, which a
 * fresh clone does not change.
 *
 *   tsx scripts/lint/python.ts
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfigOrExit, projectRoot, type Config } from '../../config';
import { venvBin as airflowVenvBin } from '../airflow/environment';
import { setupAirflow } from '../airflow/setup';
import { ensureLockedVenv, toolVenv, venvBin, type LockedVenv } from '../python-venv';

export function lintVenv(config: Pick<Config, 'venvsDir'>): LockedVenv {
  return toolVenv(config.venvsDir, 'lint', 'Python lint');
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Runs both tools (the second even when the first finds problems); resolves to whether both passed. */
export async function lintPython(config: Config): Promise<boolean> {
  const venv = lintVenv(config);
  await ensureLockedVenv(venv);
  await setupAirflow(config);
  const ruff = await run(venvBin(venv, 'ruff'), ['check', 'dags', path.join('test', 'airflow')]);
  const mypy = await run(venvBin(venv, 'mypy'), [
    '--python-executable', airflowVenvBin(config, 'python'),
    '--cache-dir', path.join(venv.venvDir, 'mypy-cache'),
  ]);
  return ruff === 0 && mypy === 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  lintPython(loadConfigOrExit()).then(
    (passed) => process.exit(passed ? 0 : 1),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
