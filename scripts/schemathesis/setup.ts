/**
 * `npm run schemathesis:setup`: creates the `schemathesis` virtualenv (under `MOVIE_REC_VENVS_DIR`), the virtualenv of the API contract test
 * (test/integration/serving/schemathesis.test.ts), from the committed lock next to this file. It is
 * kept apart from the Airflow virtualenv, which is pinned to Airflow's constraints (pytest, werkzeug,
 * rich… at other versions than Schemathesis resolves to): neither lock has to bend to the other.
 * Idempotent: with the lock unchanged since the last install it does nothing. The test calls it too.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, projectRoot, type Config } from '../../config';
import { ensureLockedVenv, venvBin, type LockedVenv } from '../python-venv';

export function schemathesisVenv(config: Pick<Config, 'venvsDir'>): LockedVenv {
  return {
    name: 'Schemathesis',
    venvDir: path.join(config.venvsDir, 'schemathesis'),
    lockFile: path.join(projectRoot, 'scripts', 'schemathesis', 'requirements-lock.txt'),
    python: 'python3',
    // Schemathesis 4 needs 3.11 or later; the lock is resolved for every version from 3.11 on.
    supportedPython: { pattern: /^3\.(1[1-9])\./, description: '3.11 or later, first on PATH as python3' },
  };
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
