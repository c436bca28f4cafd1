import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { toCatalogMovies } from '../../activities/movies';
import { batchSettings } from '../../activities/settings';
import { createDocumentClient, createDynamoClient } from '../../adapters/dynamodb/client';
import { DynamoFeatureStore } from '../../adapters/dynamodb/feature-store';
import { DynamoFreshRatingStore } from '../../adapters/dynamodb/fresh-ratings';
import { ensurePlatformTables } from '../../adapters/dynamodb/tables';
import { ensureBucket } from '../../adapters/s3/bucket';
import { createS3Client } from '../../adapters/s3/client';
import { S3ObjectStore } from '../../adapters/s3/object-store';
import type { Config } from '../../config';
import { batchWorkflowId } from '../../domain/batch';
import { bronzeDatePrefix } from '../../domain/bronze';
import { publishCatalog } from '../../domain/catalog';
import type { ModelServer, ObjectStore, ReplicaRegistry } from '../../domain/ports';
import type { RatingColumns } from '../../recommender/types';
import type { Movie } from '../../recommender/types';
import { createBatchWorkers } from '../../worker/batch-worker';
import { testConfig, uniqueName } from './config';
import { quietTemporalRuntime } from './temporal';

/**
 * An isolated batch environment on the real stack: its own bucket, its own DynamoDB tables and its own
 * task queue, so tests neither see nor disturb each other's data.
 */
/** `env` adds configuration variables (e.g. the production tuning instead of the suites' light one). */
export async function createBatchEnvironment(env: NodeJS.ProcessEnv = {}) {
  const id = uniqueName('batch').toLowerCase();
  const overrides = {
    ...env,
    S3_BUCKET: id,
    DYNAMODB_TABLE_PREFIX: `${id.replace(/-/g, '_')}_`,
    TEMPORAL_TASK_QUEUE: id,
  };
  const config = testConfig(overrides);
  const s3 = createS3Client(config.s3);
  await ensureBucket(s3, config.s3.bucket);
  const dynamo = createDynamoClient(config.dynamodb);
  await ensurePlatformTables(dynamo, config.dynamodb);
  const store = new S3ObjectStore(s3, config.s3.bucket);
  const documents = createDocumentClient(dynamo);
  const features = new DynamoFeatureStore(documents, {
    userTable: config.dynamodb.userFeaturesTable,
    movieTable: config.dynamodb.movieFeaturesTable,
  });
  const freshRatings = new DynamoFreshRatingStore(documents, config.dynamodb.freshRatingsTable);
  return {
    config,
    /** The environment variables a worker process needs to join this environment. */
    env: overrides,
    store,
    features,
    freshRatings,
    dynamo,
    close() {
      s3.destroy();
      dynamo.destroy();
    },
  };
}

export type BatchEnvironment = Awaited<ReturnType<typeof createBatchEnvironment>>;

/** No API runs in these tests: runs use `skip_reload`, and a reload attempt would fail loudly. */
export const noApi: ModelServer = {
  reload: () => Promise.reject(new Error('no API in this test')),
  servedVersion: () => Promise.resolve(undefined),
};
const noReplicas: ReplicaRegistry = {
  announce: () => Promise.reject(new Error('no API in this test')),
  withdraw: () => Promise.resolve(),
  live: () => Promise.resolve([]),
};

export function activityDeps(env: BatchEnvironment, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return { store: env.store, features: env.features, replicas: noReplicas, modelServerAt: () => noApi, settings: batchSettings(env.config), ...overrides };
}

/** Runs `body` while an in-process worker serves the environment's task queue. */
export async function withWorker<T>(config: Config, deps: ActivityDeps, body: () => Promise<T>): Promise<T> {
  quietTemporalRuntime();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const workers = await createBatchWorkers(connection, config.temporal, createActivities(deps), config.batch.shardConcurrency);
    return await workers.runUntil(body());
  } finally {
    await connection.close();
  }
}

export async function publishMovies(store: ObjectStore, dataset: string, movies: Movie[]): Promise<void> {
  await publishCatalog(store, dataset, toCatalogMovies(movies), new Date());
}

/** Writes ratings to a bronze date partition as the consumer does: JSON lines of stored events. */
export async function landRatings(store: ObjectStore, bronzePrefix: string, date: string, ratings: RatingColumns, options: { objects?: number; idPrefix?: string } = {}): Promise<number> {
  const objects = options.objects ?? 8;
  const n = ratings.userIds.length;
  const per = Math.ceil(n / objects);
  for (let part = 0; part * per < n; part++) {
    const lines: string[] = [];
    for (let k = part * per; k < Math.min(n, (part + 1) * per); k++) {
      lines.push(
        JSON.stringify({
          event_id: `${options.idPrefix ?? 'evt'}-${k}`,
          user_id: ratings.userIds[k],
          movie_id: ratings.movieIds[k],
          rating: ratings.ratings[k],
          timestamp: new Date(ratings.timestamps[k]! * 1000).toISOString(),
        }),
      );
    }
    await store.put(`${bronzeDatePrefix(bronzePrefix, date)}test-p0-${String(part).padStart(6, '0')}.jsonl`, `${lines.join('\n')}\n`, 'application/x-ndjson');
  }
  return n;
}

/** A run date with no workflow yet: workflow ids are per date and Temporal keeps their history. */
export async function freshRunDate(client: Client): Promise<string> {
  return (await freshRunDates(client, 1))[0]!;
}

/** `count` consecutive dates (a first night and the nights after it) that no batch run has used. */
export async function freshRunDates(client: Client, count: number): Promise<string[]> {
  const day = 86_400_000;
  const start = Date.UTC(2001, 0, 1);
  for (;;) {
    const first = start + Math.floor(Math.random() * 365 * 90) * day;
    const dates = Array.from({ length: count }, (_, k) => new Date(first + k * day).toISOString().slice(0, 10));
    if ((await Promise.all(dates.map((date) => isUnused(client, date)))).every(Boolean)) return dates;
  }
}

async function isUnused(client: Client, date: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(batchWorkflowId(date)).describe();
    return false;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return true;
    throw err;
  }
}
