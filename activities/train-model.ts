import { createHash } from 'node:crypto';
import { ApplicationFailure, cancellationSignal } from '@temporalio/activity';
import type { BronzeWatermark } from '../domain/bronze';
import { manifestKey, modelKey, readManifest, writeManifest, type ModelManifest } from '../domain/model-registry';
import type { RatingTable } from '../recommender/ratings-table';
import { defaultHybridParams, mergeParams, type HybridParams } from '../recommender/hybrid';
import type { Movie } from '../recommender/types';
import { readCatalog } from './catalog';
import { heartbeatWhile, runJobWithHeartbeats } from './compute/heartbeating-job';
import { precomputeCandidates } from './compute/precompute';
import type { ActivityDeps } from './deps';
import { toRecommenderMovies } from './movies';
import { readSilverRatings } from './silver';
import type { TrainSummary } from './types';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Identifies what a model is fitted on: the ratings, the catalog and the parameters. */
export function snapshotChecksum(table: RatingTable, movies: Movie[], params: Partial<HybridParams> = {}): string {
  const hash = createHash('sha256');
  for (const column of [table.userIds, table.movieIds, table.ratings, table.timestamps]) {
    hash.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
  }
  hash.update(JSON.stringify(movies));
  hash.update(JSON.stringify(mergeParams(params)));
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

/**
 * Builds the rating matrix from silver and the catalog, fits the HybridRecommender in a worker thread,
 * precomputes every user's candidate pools (the serving lookup) over the machine's cores, and saves
 * the artifact and its manifest under `models/<version>/`. The version is derived from the
 * data snapshot, so a retry (after a crash, say) produces the same version, and finds it already saved.
 */
export function createTrainModel(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function trainModel(input: TrainInput): Promise<TrainSummary> {
    const { store } = deps;
    return heartbeatWhile(() => ({ phase: 'train', run_date: input.run_date }), () => train(store, input));
  };

  async function train(store: ActivityDeps['store'], input: TrainInput): Promise<TrainSummary> {
    const table = await readSilverRatings(store, input.ratings_prefix);
    if (table.userIds.length === 0) {
      throw ApplicationFailure.nonRetryable(`no ratings under ${input.ratings_prefix}: nothing to train on`, 'InvalidBatchData');
    }
    const movies = toRecommenderMovies(await readCatalog(store));
    const params = batchModelParams(deps.settings);
    const checksum = snapshotChecksum(table, movies, params);
    const version = modelVersion(input.run_date, checksum);
    const ratings = table.userIds.length;

    const saved = await readManifest(store, version);
    if (saved) {
      const bytes = await store.get(saved.artifact.key);
      if (bytes && sha256(bytes) === saved.artifact.sha256) {
        return { model_version: version, model_key: saved.artifact.key, manifest_key: manifestKey(version), artifact_bytes: bytes.length, ratings, users: saved.data_snapshot.users, movies: saved.data_snapshot.movies };
      }
    }

    const createdAt = now().toISOString();
    const snapshotId = `${input.ratings_prefix}#${checksum}`;
    const trained = await runJobWithHeartbeats(
      'train',
      { table, movies, params, snapshotId, createdAt, tuning: { protocol: deps.settings.evaluation.protocol, seed: deps.settings.evaluation.seed, maxUsers: deps.settings.tuning.maxUsers } },
      { phase: 'fit', model_version: version },
      [table.userIds.buffer, table.movieIds.buffer, table.ratings.buffer, table.timestamps.buffer] as ArrayBuffer[],
    );
    const shards: Record<string, Record<string, number | string>> = {};
    const artifact = await heartbeatWhile(
      () => ({ phase: 'candidates', model_version: version, shards }),
      () => precomputeCandidates(trained.artifact, trained.users, { snapshotId, createdAt }, { signal: cancellationSignal(), onProgress: (shard, progress) => (shards[shard] = progress) }),
    );
    const key = modelKey(version);
    await store.put(key, artifact, 'application/octet-stream');
    const manifest: ModelManifest = {
      version,
      created_at: createdAt,
      run_date: input.run_date,
      data_snapshot: { ratings_prefix: input.ratings_prefix, ratings, users: trained.users, movies: trained.movies, checksum, bronze_watermark: input.bronze_watermark ?? {} },
      parameters: { ...trained.params },
      training: {
        fit_seconds: trained.fitSeconds,
        ...(trained.tuning ? { tuning: { ...trained.tuning, seconds: trained.tuningSeconds } } : {}),
      },
      artifact: { key, bytes: artifact.length, sha256: sha256(artifact) },
    };
    // The manifest is written last: its presence means the artifact is complete.
    await writeManifest(store, manifest);
    return { model_version: version, model_key: key, manifest_key: manifestKey(version), artifact_bytes: artifact.length, ratings, users: trained.users, movies: trained.movies };
  }
}
