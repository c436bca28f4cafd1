/**
 * `npm run schemathesis:setup`: creates the `schemathesis` virtualenv (under `MOVIE_REC_VENVS_DIR`), the virtualenv of the API contract test
 * (test/integration/serving/schemathesis.test.ts), from the committed lock next to this file. It is
 * kept apart from the Airflow virtualenv, which is pinned to Airflow's constraints (pytest, werkzeug,
 * rich… at other versions than Schemathesis resolves to): neither lock has to bend to the other.
 * Idempotent: with the lock unchanged since the last install it does nothing. The test calls it too.
 */
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../../config';
import { ensureLockedVenv, toolVenv, venvBin, type LockedVenv } from '../python-venv';

// Schemathesis 4 needs Python 3.11 or later.
export function schemathesisVenv(config: Pick<Config, 'venvsDir'>): LockedVenv {
  return toolVenv(config.venvsDir, 'schemathesis', 'Schemathesis');
}

/** The `schemathesis` command of the virtualenv, installed first when missing or stale. */
export async function schemathesisCommand(config: Pick<Config, 'venvsDir'> = loadConfig()): Promise<string> {
  const venv = schemathesisVenv(config);
  await ensureLockedVenv(venv);
  return venvBin(venv, 'schemathesis');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureLockedVenv(schemathesisVenv(loadConfig())).then(
    (installed) => console.log(installed ? 'Schemathesis virtualenv installed from the lock.' : 'Schemathesis virtualenv is up to date.'),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
