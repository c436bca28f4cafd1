import type { GateDecision } from './batch';
import type { BronzeWatermark } from './bronze';
import { PreconditionFailedError, type ObjectCondition, type ObjectStore } from './ports';
import { parseStoredJson, readStoredJson } from './stored-json';

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

export function deploymentRecordKey(version: string): string {
  return `reports/${version}/deployment.json`;
}

/** The last deploy decision on a version (by the batch's deploy stage or an operator), kept beside its reports. */
export interface DeploymentRecord {
  version: string;
  decided_at: string;
  deployed: boolean;
  /** Deployed by an operator's explicit decision, whatever the gate said. */
  forced: boolean;
  gate: GateDecision;
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
  /** Every parameter the model was fitted with. */
  parameters: Record<string, unknown>;
  /**
   * `tuning`: how the train stage chose the hybrid's blend — every setting tried with its validation
   * NDCG@10, on a split carved from the evaluation's training part.
   */
  training: { fit_seconds: number; tuning?: Record<string, unknown>; candidates?: CandidatesRecord };
  /** Filled in once the model was evaluated. */
  metrics?: Record<string, number>;
  artifact: { key: string; bytes: number; sha256: string };
}

/**
 * How a model's candidate pools were made: all computed on `full_run_date`'s run, or, by a run that built
 * on the deployed model `base_version`, computed for the users whose ratings changed and carried over
 * from it for the `carried_users` others.
 */
export interface CandidatesRecord {
  full_run_date: string;
  base_version?: string;
  carried_users: number;
}

export interface CurrentPointer {
  version: string;
  previous?: string;
  deployed_at: string;
  /** Why this version became current: `deploy` by the batch or an operator, or `rollback` by an operator. */
  reason: 'deploy' | 'rollback';
  /** Deployed by an operator's explicit decision (`force_deploy`, `model deploy --force`): no check could refuse it. */
  forced?: true;
}

/** `promote` would replace the deployed model by one it must not replace without an operator forcing it. */
export class PromotionRefusedError extends Error {
  constructor(
    /** Which rule refused it, named like the gate's checks. */
    readonly check: 'not-older' | 'not-rolled-back',
    message: string,
  ) {
    super(message);
    this.name = 'PromotionRefusedError';
  }
}

export function readCurrentPointer(store: ObjectStore): Promise<CurrentPointer | undefined> {
  return readStoredJson<CurrentPointer>(store, CURRENT_POINTER_KEY);
}

export function readManifest(store: ObjectStore, version: string): Promise<ModelManifest | undefined> {
  return readStoredJson<ModelManifest>(store, manifestKey(version));
}

export function readDeploymentRecord(store: ObjectStore, version: string): Promise<DeploymentRecord | undefined> {
  return readStoredJson<DeploymentRecord>(store, deploymentRecordKey(version));
}

export async function writeDeploymentRecord(store: ObjectStore, record: DeploymentRecord): Promise<void> {
  await store.put(deploymentRecordKey(record.version), `${JSON.stringify(record, null, 2)}\n`, 'application/json');
}

/** The versions in the registry (every `models/<version>/manifest.json`), in key order. */
export async function listVersions(store: ObjectStore): Promise<string[]> {
  const versions: string[] = [];
  for await (const object of store.list('models/')) {
    const match = /^models\/([^/]+)\/manifest\.json$/.exec(object.key);
    if (match) versions.push(match[1]!);
  }
  return versions;
}

export async function writeManifest(store: ObjectStore, manifest: ModelManifest): Promise<void> {
  await store.put(manifestKey(manifest.version), `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
}

/** How often a read-check-write of the pointer is tried when other writers keep changing it meanwhile. */
const POINTER_ATTEMPTS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads the pointer, lets `decide` compute its next value from it (returning `current` itself leaves it
 * as it is), and writes that only if the pointer is still the one read: S3 `If-Match` on the ETag read,
 * or `If-None-Match: *` when there was none. A writer that lost the race reads again and decides again on what won, so no update
 * is lost (a lost update would drop the version it replaced, the rollback target) and every rule in
 * `decide` holds against the pointer actually replaced. The ETag comes from a HEAD and the body from a
 * GET conditional on it, so the two describe the same version of the object.
 */
async function updatePointer(store: ObjectStore, decide: (current: CurrentPointer | undefined) => Promise<CurrentPointer>): Promise<CurrentPointer> {
  for (let attempt = 1; ; attempt++) {
    try {
      const tag = (await store.head(CURRENT_POINTER_KEY))?.etag;
      const bytes = tag === undefined ? undefined : await store.get(CURRENT_POINTER_KEY, { ifMatch: tag });
      const current = bytes === undefined ? undefined : parseStoredJson<CurrentPointer>(bytes);
      const next = await decide(current);
      if (next === current) return current;
      const condition: ObjectCondition = bytes === undefined ? { ifNoneMatch: '*' } : { ifMatch: tag! };
      await store.put(CURRENT_POINTER_KEY, `${JSON.stringify(next, null, 2)}\n`, 'application/json', condition);
      return next;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      if (attempt === POINTER_ATTEMPTS) throw new Error(`${CURRENT_POINTER_KEY} changed under each of ${POINTER_ATTEMPTS} attempts to update it; try again`, { cause: err });
      // Jittered, so writers that collided do not collide again in step.
      await sleep(Math.random() * 10 * 2 ** attempt);
    }
  }
}

export interface PromoteOptions {
  /** An operator's explicit decision: promote even over a newer run date or a version rolled back from. */
  force?: boolean;
}

/**
 * Points `current.json` at `version`, keeping the version it replaces as `previous` (one PUT of one
 * object: readers see the old pointer or the new one, never a mix), with a compare-and-swap against
 * concurrent writers. Unless forced it refuses (PromotionRefusedError) a model of an older run date
 * than the deployed one's (a backfill, or a late run, must not replace a newer model) and the version an
 * operator rolled back from (a retried deploy must not undo the rollback).
 */
export async function promote(store: ObjectStore, version: string, now: Date, options: PromoteOptions = {}): Promise<CurrentPointer> {
  const candidate = await readManifest(store, version);
  if (candidate === undefined) throw new Error(`model ${version} is not in the registry (no ${manifestKey(version)})`);
  return updatePointer(store, async (current) => {
    if (current?.version === version) return current;
    if (current && options.force !== true) {
      if (current.reason === 'rollback' && current.previous === version) {
        throw new PromotionRefusedError('not-rolled-back', `an operator rolled back from ${version} to ${current.version} at ${current.deployed_at}`);
      }
      const deployed = await readManifest(store, current.version);
      if (deployed && candidate.run_date < deployed.run_date) {
        throw new PromotionRefusedError('not-older', `model ${version} is of run date ${candidate.run_date}, older than the deployed ${current.version} of ${deployed.run_date}`);
      }
    }
    return { version, ...(current ? { previous: current.version } : {}), deployed_at: now.toISOString(), reason: 'deploy', ...(options.force === true ? { forced: true as const } : {}) };
  });
}

/** A rollback that cannot be done: nothing deployed, no previous version, or (with `from`) another version deployed meanwhile. */
export class RollbackRefusedError extends Error {
  constructor(
    message: string,
    /** The version current when it was refused. */
    readonly current: string | undefined,
  ) {
    super(message);
    this.name = 'RollbackRefusedError';
  }
}

/**
 * Makes the previous version current again; its own previous is the version rolled back from. With
 * `from`, only if that version is still the current one when the pointer is written (an operator who
 * decided on what a page showed does not roll back a deploy that landed since).
 */
export async function rollback(store: ObjectStore, now: Date, options: { from?: string } = {}): Promise<CurrentPointer> {
  return updatePointer(store, (current) => {
    if (options.from !== undefined && current?.version !== options.from) {
      throw new RollbackRefusedError(`the current version is ${current?.version ?? 'none'}, not ${options.from}: nothing was rolled back`, current?.version);
    }
    if (!current) throw new RollbackRefusedError('no model is deployed: nothing to roll back', undefined);
    if (!current.previous) throw new RollbackRefusedError(`model ${current.version} has no previous version to roll back to`, current.version);
    return Promise.resolve({ version: current.previous, previous: current.version, deployed_at: now.toISOString(), reason: 'rollback' });
  });
}
