import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { BronzeWatermark } from '../domain/bronze';
import { manifestKey, modelKey, readCurrentPointer, readManifest, writeManifest, type CandidatesRecord, type ModelManifest } from '../domain/model-registry';
import { readStoredJson } from '../domain/stored-json';
import type { RatingTable } from '../recommender/ratings-table';
import { defaultHybridParams, mergeParams, type HybridParams } from '../recommender/hybrid';
import type { Movie } from '../recommender/types';
import { ArtifactError } from '../recommender/errors';
import { readArtifactHeader } from '../recommender/artifact';
import { readCatalog } from './catalog';
import { heartbeatWhile, runJobWithHeartbeats } from './compute/heartbeating-job';
import { sharedModels } from './compute/shared-model';
import type { ActivityDeps } from './deps';
import { toRecommenderMovies } from './movies';
import { readSilverRatings } from './silver';
import type { TrainSummary } from './types';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Identifies what a model is made of: the ratings, the catalog and the parameters, and the deployed
 * model it builds on (whose tuning it reuses and pools it carries over), if any.
 */
export function snapshotChecksum(table: RatingTable, movies: Movie[], params: Partial<HybridParams> = {}, baseVersion?: string): string {
  const hash = createHash('sha256');
  for (const column of [table.userIds, table.movieIds, table.ratings, table.timestamps]) {
    hash.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
  }
  hash.update(JSON.stringify(movies));
  hash.update(JSON.stringify(mergeParams(params)));
  if (baseVersion !== undefined) hash.update(`base:${baseVersion}`);
  return hash.digest('hex');
}

/** The parameters the batch fits with before tuning: the defaults, with the deployment's EASE threshold. */
export function batchModelParams(settings: ActivityDeps['settings']): Partial<HybridParams> {
  return { itemCf: { ...defaultHybridParams.itemCf, easeMaxMovies: settings.itemCf.easeMaxMovies } };
}

/** The same data, catalog and parameters give the same version, whichever attempt trained it. */
export function modelVersion(runDate: string, checksum: string): string {
  return `${runDate}.${checksum.slice(0, 12)}`;
}

export interface TrainInput {
  run_date: string;
  ratings_prefix: string;
  /** What the silver snapshot holds, as Kafka offsets; recorded in the manifest for the API's fresh ratings. */
  bronze_watermark?: BronzeWatermark;
}

/** The users (dense indices from .. to − 1) of one candidate shard. */
export interface UserRange {
  from: number;
  to: number;
}

/** What `trainModel` hands the workflow: a fitted model waiting for its candidate shards, or one already registered. */
export interface FitSummary {
  model_version: string;
  /** Set when this version is already registered (an earlier attempt or run of the same data): nothing is left to do. */
  registered?: TrainSummary;
  /** The fitted model without candidate pools, which every shard reads. */
  core_key: string;
  ratings: number;
  users: number;
  movies: number;
  shards: UserRange[];
  /** How many shards the workflow runs at once. */
  shard_width: number;
  /** Users whose pools are carried over from the deployed model instead of computed by the shards. */
  carried_users?: number;
}

/** Everything the manifest needs that only the fit knows, kept beside the fitted core (`coreKey`) until the model is assembled. */
interface TrainingRecord {
  snapshot_id: string;
  manifest: Omit<ModelManifest, 'artifact'>;
}

const trainingRecordKey = (version: string) => `models/${version}/training.json`;
const coreKey = (version: string) => `models/${version}/core.bin`;
/** One byte per user (dense index): 1 when the user's pools are carried over from the base model. */
const carriedUsersKey = (version: string) => `models/${version}/carried-users.bin`;
const shardKey = (version: string, range: UserRange) => `models/${version}/candidates/users-${String(range.from).padStart(10, '0')}-${String(range.to).padStart(10, '0')}.bin`;

/**
 * What a fitted version's manifest says, or will say once it is assembled (all but the artifact): the
 * evaluation reads it while the candidate shards still run. The fit's record goes only after the
 * manifest is written, so one of the two is there.
 */
export async function readFittedManifest(store: ActivityDeps['store'], version: string): Promise<Omit<ModelManifest, 'artifact'> | undefined> {
  return (await readStoredJson<TrainingRecord>(store, trainingRecordKey(version)))?.manifest ?? (await readManifest(store, version));
}

/** The registered model of this version when its manifest and artifact agree. */
async function registeredModel(store: ActivityDeps['store'], version: string): Promise<TrainSummary | undefined> {
  const saved = await readManifest(store, version);
  if (!saved) return undefined;
  const bytes = await store.get(saved.artifact.key);
  if (!bytes || sha256(bytes) !== saved.artifact.sha256) return undefined;
  return trainSummary(saved, bytes.length);
}

function trainSummary(manifest: ModelManifest, artifactBytes: number): TrainSummary {
  const { ratings, users, movies } = manifest.data_snapshot;
  const carried = manifest.training.candidates?.carried_users;
  return { model_version: manifest.version, model_key: manifest.artifact.key, manifest_key: manifestKey(manifest.version), artifact_bytes: artifactBytes, ratings, users, movies, ...(carried ? { carried_users: carried } : {}) };
}

/** The deployed model a run builds on, and what of it the run reuses. */
interface PoolBase {
  manifest: ModelManifest;
  /** The run date whose run computed every pool the base's pools descend from. */
  fullRunDate: string;
}

const DAY_MS = 86_400_000;

/**
 * The deployed model, when a run of `runDate` may build on it: of an earlier date, its pools descending
 * from a full computation fewer than `refreshDays` days before, with the item-cf setting this run would
 * fit with. Otherwise the run computes everything (tuning and every user's pools), as it does every
 * `refreshDays` days.
 */
async function poolBase(store: ActivityDeps['store'], runDate: string, settings: ActivityDeps['settings']): Promise<PoolBase | undefined> {
  if (settings.fullRefreshDays === 0) return undefined;
  const pointer = await readCurrentPointer(store);
  const manifest = pointer && (await readManifest(store, pointer.version));
  if (!manifest || manifest.run_date >= runDate) return undefined;
  const fullRunDate = manifest.training.candidates?.full_run_date ?? manifest.run_date;
  if (Date.parse(runDate) - Date.parse(fullRunDate) >= settings.fullRefreshDays * DAY_MS) return undefined;
  const itemCf = (manifest.parameters as Partial<HybridParams>).itemCf;
  if (itemCf?.easeMaxMovies !== settings.itemCf.easeMaxMovies) return undefined;
  return { manifest, fullRunDate };
}

/**
 * The base's artifact, when its pools can be carried over: intact, of the format this code reads,
 * with candidate pools. Read only once the fit is done, so that it does not sit beside the fit.
 */
async function poolsOf(store: ActivityDeps['store'], manifest: ModelManifest): Promise<Uint8Array | undefined> {
  const artifact = await store.get(manifest.artifact.key);
  if (!artifact || sha256(artifact) !== manifest.artifact.sha256) return undefined;
  try {
    return readArtifactHeader(artifact).candidates !== null ? artifact : undefined;
  } catch (err) {
    if (err instanceof ArtifactError) return undefined;
    throw err;
  }
}

/** The buffers of these arrays a thread may take over (moved, not copied): those that hold nothing else. */
function ownedBuffers(...arrays: Uint8Array[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) {
    if (array.buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength) buffers.add(array.buffer);
  }
  return [...buffers];
}

/** Consecutive user ranges of at most `usersPerShard` users. */
export function userRanges(users: number, usersPerShard: number): UserRange[] {
  const count = Math.max(1, Math.ceil(users / usersPerShard));
  return Array.from({ length: count }, (_, s) => ({ from: Math.round((s * users) / count), to: Math.round(((s + 1) * users) / count) }));
}

/**
 * The first part of the train stage: builds the rating matrix from silver and the catalog, chooses
 * the blend and fits the HybridRecommender in a worker thread, and saves the fitted core with what the
 * manifest will need. The version is derived from the data snapshot, so a retry (after a crash, say)
 * finds the same version: already registered, or already fitted (then it is not fitted again).
 * The workflow then runs the candidate shards (`precomputeCandidates`) and `assembleModel`.
 */
export function createTrainModel(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function trainModel(input: TrainInput): Promise<FitSummary> {
    const { store } = deps;
    return heartbeatWhile(() => ({ phase: 'train', run_date: input.run_date }), () => train(store, input));
  };

  async function train(store: ActivityDeps['store'], input: TrainInput): Promise<FitSummary> {
    const table = await readSilverRatings(store, input.ratings_prefix);
    if (table.userIds.length === 0) {
      throw ApplicationFailure.nonRetryable(`no ratings under ${input.ratings_prefix}: nothing to train on`, 'InvalidBatchData');
    }
    const movies = toRecommenderMovies(await readCatalog(store));
    const base = await poolBase(store, input.run_date, deps.settings);
    // Building on the deployed model: its tuned parameters (the tuning runs on the full refreshes).
    const params = base ? (base.manifest.parameters as Partial<HybridParams>) : batchModelParams(deps.settings);
    const checksum = snapshotChecksum(table, movies, params, base?.manifest.version);
    const version = modelVersion(input.run_date, checksum);
    const ratings = table.userIds.length;
    const { usersPerShard, width } = deps.settings.shards;
    const plan = (core: string, users: number, movieCount: number, carried = 0): FitSummary => ({
      model_version: version,
      core_key: core,
      ratings,
      users,
      movies: movieCount,
      shards: userRanges(users, usersPerShard),
      shard_width: width,
      ...(carried > 0 ? { carried_users: carried } : {}),
    });

    const registered = await registeredModel(store, version);
    if (registered) return { ...plan(coreKey(version), registered.users, registered.movies), shards: [], registered };
    const fitted = await readStoredJson<TrainingRecord>(store, trainingRecordKey(version));
    if (fitted && (await store.head(coreKey(version)))) return plan(coreKey(version), fitted.manifest.data_snapshot.users, fitted.manifest.data_snapshot.movies, fitted.manifest.training.candidates?.carried_users);

    const createdAt = now().toISOString();
    const snapshotId = `${input.ratings_prefix}#${checksum}`;
    const trained = await runJobWithHeartbeats(
      'train',
      { table, movies, params, snapshotId, createdAt, ...(base ? {} : { tuning: { protocol: deps.settings.evaluation.protocol, seed: deps.settings.evaluation.seed, ...deps.settings.tuning } }) },
      { phase: 'fit', model_version: version },
      [table.userIds.buffer, table.movieIds.buffer, table.ratings.buffer, table.timestamps.buffer] as ArrayBuffer[],
    );
    const core = coreKey(version);
    await store.put(core, trained.artifact, 'application/octet-stream');
    let carried = 0;
    const basePools = base && (await poolsOf(store, base.manifest));
    if (base && basePools) {
      const flags = await runJobWithHeartbeats(
        'carryPlan',
        { artifact: trained.artifact, base: basePools },
        { phase: 'carry-plan', model_version: version, base_version: base.manifest.version },
        ownedBuffers(trained.artifact, basePools),
      );
      for (const flag of flags) carried += flag;
      await store.put(carriedUsersKey(version), flags, 'application/octet-stream');
    }
    const candidates: CandidatesRecord = base ? { full_run_date: base.fullRunDate, base_version: base.manifest.version, carried_users: carried } : { full_run_date: input.run_date, carried_users: 0 };
    const record: TrainingRecord = {
      snapshot_id: snapshotId,
      manifest: {
        version,
        created_at: createdAt,
        run_date: input.run_date,
        data_snapshot: { ratings_prefix: input.ratings_prefix, ratings, users: trained.users, movies: trained.movies, checksum, bronze_watermark: input.bronze_watermark ?? {} },
        parameters: { ...trained.params },
        training: {
          fit_seconds: trained.fitSeconds,
          ...(trained.tuning ? { tuning: { ...trained.tuning, seconds: trained.tuningSeconds } } : {}),
          // The choice the base's run made (on its own validation split), reused as it was.
          ...(base?.manifest.training.tuning ? { tuning: { ...base.manifest.training.tuning, reused_from: base.manifest.version } } : {}),
          candidates,
        },
      },
    };
    // Written after the core: its presence means the fit is saved.
    await store.put(trainingRecordKey(version), JSON.stringify(record), 'application/json');
    return plan(core, trained.users, trained.movies, carried);
  }
}

export interface CandidateShardInput extends UserRange {
  model_version: string;
  core_key: string;
}

export interface CandidateShardSummary extends UserRange {
  key: string;
  bytes: number;
}

/**
 * One candidate shard: every method's pools for a range of users, computed in a worker thread from the
 * fitted core and saved under the model's prefix. A retry of a shard already saved returns it. Shards
 * running in one worker process share one copy of the core and of the state derived from it.
 */
export function createPrecomputeCandidates(deps: ActivityDeps) {
  const withModel = sharedModels(deps.store);
  return async function precomputeCandidates(input: CandidateShardInput): Promise<CandidateShardSummary> {
    const key = shardKey(input.model_version, input);
    const range = { from: input.from, to: input.to };
    const saved = await deps.store.head(key);
    if (saved) return { ...range, key, bytes: saved.size };
    const carried = (await deps.store.get(carriedUsersKey(input.model_version)))?.slice(input.from, input.to);
    const bytes = await withModel(
      input.core_key,
      () => ({ phase: 'load', model_version: input.model_version, ...range }),
      (state) => runJobWithHeartbeats('candidates', { state, ...range, ...(carried ? { carried } : {}) }, { phase: 'candidates', model_version: input.model_version, ...range }),
    );
    await deps.store.put(key, bytes, 'application/octet-stream');
    return { ...range, key, bytes: bytes.length };
  };
}

/**
 * The last part of the train stage: joins the fitted core and its candidate shards into the artifact,
 * saves it and then its manifest (the manifest's presence means the artifact is complete), and removes
 * the parts. A retry after the manifest was written returns the registered model.
 */
export function createAssembleModel(deps: ActivityDeps) {
  return async function assembleModel(input: { model_version: string; shard_keys: string[] }): Promise<TrainSummary> {
    const { store } = deps;
    const version = input.model_version;
    const registered = await registeredModel(store, version);
    if (registered) return registered;
    const record = await readStoredJson<TrainingRecord>(store, trainingRecordKey(version));
    const core = record && (await store.get(coreKey(version)));
    if (!record || !core) throw ApplicationFailure.nonRetryable(`model ${version} has no fitted core to assemble`, 'InvalidBatchData');
    const parts = await Promise.all(
      input.shard_keys.map(async (key) => {
        const bytes = await store.get(key);
        if (!bytes) throw ApplicationFailure.nonRetryable(`candidate shard ${key} is missing`, 'InvalidBatchData');
        return bytes;
      }),
    );
    const carry = await carriedPart(store, version, record.manifest.training.candidates?.base_version);
    // The big arrays move to the thread where they own their buffer (bytes read from S3 may share one with
    // other data), and the thread decodes the shards' lists: this process does not keep a copy of either.
    const artifact = await runJobWithHeartbeats(
      'assemble',
      { artifact: core, parts, snapshotId: record.snapshot_id, createdAt: record.manifest.created_at, ...(carry ? { carry } : {}) },
      { phase: 'assemble', model_version: version, shards: parts.length },
      ownedBuffers(core, ...parts, ...(carry ? [carry.base] : [])),
    );
    const key = modelKey(version);
    await store.put(key, artifact, 'application/octet-stream');
    const manifest: ModelManifest = { ...record.manifest, artifact: { key, bytes: artifact.length, sha256: sha256(artifact) } };
    // The manifest is written last: its presence means the artifact is complete.
    await writeManifest(store, manifest);
    for (const part of [coreKey(version), carriedUsersKey(version), ...input.shard_keys, trainingRecordKey(version)]) await store.delete(part);
    return trainSummary(manifest, artifact.length);
  };
}

/** The base model's artifact and which users keep its pools, for a version that builds on one. */
async function carriedPart(store: ActivityDeps['store'], version: string, baseVersion: string | undefined): Promise<{ base: Uint8Array; carried: Uint8Array } | undefined> {
  const carried = baseVersion === undefined ? undefined : await store.get(carriedUsersKey(version));
  // Nothing carried over: the base's artifact could not be (see `poolsOf`).
  if (baseVersion === undefined || !carried) return undefined;
  const baseManifest = await readManifest(store, baseVersion);
  const base = baseManifest && (await store.get(baseManifest.artifact.key));
  if (!base) throw ApplicationFailure.nonRetryable(`model ${version} carries pools over from ${baseVersion}, which is missing from the registry`, 'InvalidBatchData');
  return { base, carried };
}
