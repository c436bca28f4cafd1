import type { BronzeWatermark } from './bronze';
import type { ObjectStore } from './ports';

/**
 * The model registry in S3 (SPEC §4): `models/<version>/model.bin` + `manifest.json`, and
 * `models/current.json` naming the deployed version and the one before it, for rollback.
 */

export const CURRENT_POINTER_KEY = 'models/current.json';

export function modelKey(version: string): string {
  return `models/${version}/model.bin`;
}

export function manifestKey(version: string): string {
  return `models/${version}/manifest.json`;
}

export function evaluationReportKey(version: string): string {
  return `reports/${version}/evaluation.json`;
}

export function evaluationHtmlKey(version: string): string {
  return `reports/${version}/evaluation.html`;
}

export interface ModelManifest {
  version: string;
  created_at: string;
  run_date: string;
  /**
   * Identifies the training data: the silver snapshot the model was fitted on, and the last Kafka
   * offset per topic and partition of the bronze it was built from (the API counts a stored rating as
   * fresh only above it).
   */
  data_snapshot: { ratings_prefix: string; ratings: number; users: number; movies: number; checksum: string; bronze_watermark?: BronzeWatermark };
  parameters: Record<string, unknown>;
  training: { fit_seconds: number };
  /** Filled in once the model was evaluated. */
  metrics?: Record<string, number>;
  artifact: { key: string; bytes: number; sha256: string };
}

export interface CurrentPointer {
  version: string;
  previous?: string;
  deployed_at: string;
  /** Why this version became current: `deploy` by the batch, or `rollback` by an operator. */
  reason: 'deploy' | 'rollback';
}

const decoder = new TextDecoder();

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as T);
}

export function readCurrentPointer(store: ObjectStore): Promise<CurrentPointer | undefined> {
  return readJson<CurrentPointer>(store, CURRENT_POINTER_KEY);
}

export function readManifest(store: ObjectStore, version: string): Promise<ModelManifest | undefined> {
  return readJson<ModelManifest>(store, manifestKey(version));
}

export async function writeManifest(store: ObjectStore, manifest: ModelManifest): Promise<void> {
  await store.put(manifestKey(manifest.version), `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
}

/**
 * Points `current.json` at `version`, keeping the version it replaces as `previous`.
 * One PUT of one object: readers see the old pointer or the new one, never a mix.
 */
export async function promote(store: ObjectStore, version: string, now: Date): Promise<CurrentPointer> {
  if ((await readManifest(store, version)) === undefined) throw new Error(`model ${version} is not in the registry (no ${manifestKey(version)})`);
  const current = await readCurrentPointer(store);
  if (current?.version === version) return current;
  const pointer: CurrentPointer = { version, ...(current ? { previous: current.version } : {}), deployed_at: now.toISOString(), reason: 'deploy' };
  await store.put(CURRENT_POINTER_KEY, `${JSON.stringify(pointer, null, 2)}\n`, 'application/json');
  return pointer;
}

/** Makes the previous version current again; its own previous is the version rolled back from. */
export async function rollback(store: ObjectStore, now: Date): Promise<CurrentPointer> {
  const current = await readCurrentPointer(store);
  if (!current) throw new Error('no model is deployed: nothing to roll back');
  if (!current.previous) throw new Error(`model ${current.version} has no previous version to roll back to`);
  const pointer: CurrentPointer = { version: current.previous, previous: current.version, deployed_at: now.toISOString(), reason: 'rollback' };
  await store.put(CURRENT_POINTER_KEY, `${JSON.stringify(pointer, null, 2)}\n`, 'application/json');
  return pointer;
}
