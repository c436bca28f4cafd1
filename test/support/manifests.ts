import { modelKey, type ModelManifest } from '../../domain/model-registry';

/** A registered model's manifest with no artifact behind it: enough for the pointer, the gate and the console to name it. */
export function registryManifest(version: string, runDate = '2026-01-01', metrics?: Record<string, number>): ModelManifest {
  return {
    version,
    created_at: `${runDate}T00:00:00.000Z`,
    run_date: runDate,
    data_snapshot: { ratings_prefix: `silver/ratings/dt=${runDate}/`, ratings: 1, users: 1, movies: 1, checksum: 'c' },
    parameters: {},
    training: { fit_seconds: 0 },
    ...(metrics ? { metrics } : {}),
    artifact: { key: modelKey(version), bytes: 0, sha256: '' },
  };
}
