/**
 * Shared wiring of the serving tests: models fitted on ml-100k (all of it, or a subset, to get two
 * versions that answer differently), published to an isolated registry bucket as the batch does, and
 * the real app on an ephemeral loopback port backed by that registry and DynamoDB Local.
 * Ingest is not what these tests are about: the publisher is an always-acknowledging stub.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createApp } from '../../../api/app';
import { ModelHolder } from '../../../api/model-holder';
import type { BronzeWatermark } from '../../../domain/bronze';
import type { EventPublisher } from '../../../domain/event-publisher';
import { modelKey, promote, writeManifest, type ModelManifest } from '../../../domain/model-registry';
import type { FeatureStore, FreshRatingStore, ObjectStore } from '../../../domain/ports';
import { FreshRatingsReader } from '../../../api/fresh-ratings';
import { serialize } from '../../../recommender/artifact';
import { loadMovieLens100k } from '../../../recommender/data/movielens';
import { HybridRecommender } from '../../../recommender/hybrid';
import { buildUserItemMatrix } from '../../../recommender/matrix';
import { selectRows } from '../../../recommender/types';
import type { Config } from '../../../config';
import { listenOnLoopback } from '../../support/http';

export const silentLogger = pino({ level: 'silent' });

/** Acknowledges every event at once. */
export const ackingPublisher: EventPublisher = {
  publish: (events) => Promise.resolve(events.map((e) => ({ event_id: e.event_id }))),
  isReady: () => true,
  close: () => Promise.resolve(),
};

/** A model on ml-100k; `everyNth` keeps only every n-th rating (a different, smaller model). */
export function fitMl100k(config: Config, everyNth = 1): HybridRecommender {
  const data = loadMovieLens100k(path.join(config.movielensDir, 'ml-100k'));
  const n = data.ratings.userIds.length;
  const keep = Int32Array.from({ length: Math.ceil(n / everyNth) }, (_, k) => k * everyNth);
  const ratings = everyNth === 1 ? data.ratings : selectRows(data.ratings, keep);
  return HybridRecommender.fit(buildUserItemMatrix(ratings), data.movies);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface PublishOptions {
  metrics?: Record<string, number>;
  /** The bytes to store instead of the model's artifact (the manifest still describes them). */
  bytes?: Uint8Array;
  /** Store the artifact but describe these bytes in the manifest (size and sha256). */
  describedBytes?: Uint8Array;
  /** What the model's snapshot holds, as Kafka offsets (the API counts stored ratings above it as fresh). */
  watermark?: BronzeWatermark;
}

/** Saves `models/<version>/model.bin` and its manifest as the batch's train stage does. */
export async function publishModel(store: ObjectStore, version: string, model: HybridRecommender, options: PublishOptions = {}): Promise<ModelManifest> {
  const createdAt = new Date().toISOString();
  const bytes = options.bytes ?? serialize(model, { snapshotId: `test-${version}`, createdAt });
  const described = options.describedBytes ?? bytes;
  const key = modelKey(version);
  await store.put(key, bytes, 'application/octet-stream');
  const manifest: ModelManifest = {
    version,
    created_at: createdAt,
    run_date: createdAt.slice(0, 10),
    data_snapshot: {
      ratings_prefix: 'test',
      ratings: model.matrix.colIdx.length,
      users: model.matrix.numUsers,
      movies: model.matrix.numMovies,
      checksum: sha256(bytes),
      ...(options.watermark ? { bronze_watermark: options.watermark } : {}),
    },
    parameters: {},
    training: { fit_seconds: 0 },
    ...(options.metrics ? { metrics: options.metrics } : {}),
    artifact: { key, bytes: described.length, sha256: sha256(described) },
  };
  await writeManifest(store, manifest);
  return manifest;
}

export async function publishAndPromote(store: ObjectStore, version: string, model: HybridRecommender, options: PublishOptions = {}): Promise<ModelManifest> {
  const manifest = await publishModel(store, version, model, options);
  await promote(store, version, new Date());
  return manifest;
}

export interface ServingApi {
  url: string;
  models: ModelHolder;
  registry: Registry;
  close(): Promise<void>;
}

export const RELOAD_TOKEN = 'serving-test-reload-token';

/** The stores a serving app reads: the registry, the feature store and the fresh-rating store. */
export interface ServingStores {
  store: ObjectStore;
  features: FeatureStore;
  freshRatings: FreshRatingStore;
}

export const FRESH_OPTIONS = { maxPerUser: 200, timeoutMs: 1000 };

export async function startServingApi(stores: ServingStores, models = new ModelHolder(stores.store)): Promise<ServingApi> {
  const registry = new Registry();
  const app = createApp({
    publisher: ackingPublisher,
    logger: silentLogger,
    config: { bodyLimit: '1mb', maxBatchEvents: 1000, retryAfterSeconds: 1 },
    serving: { models, features: stores.features, fresh: new FreshRatingsReader(stores.freshRatings, undefined, FRESH_OPTIONS), reloadToken: RELOAD_TOKEN, recommendationCacheBytes: 8 * 1024 * 1024 },
    metricsRegistry: registry,
  });
  const server = await listenOnLoopback(app);
  return {
    url: server.url,
    models,
    registry,
    async close() {
      await server.close();
      await models.close();
    },
  };
}

export interface Answer {
  status: number;
  type: string;
  headers: Headers;
  json: Record<string, unknown>;
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export function reload(api: ServingApi, body?: unknown, token: string | undefined = RELOAD_TOKEN): Promise<Answer> {
  return call(`${api.url}/reload`, {
    method: 'POST',
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The recommendation answer the API must give for a model, built from the recommender directly. */
export function expectedRecommendations(model: HybridRecommender, version: string, userId: number, method: 'user-based' | 'item-based' | 'hybrid', limit = 10) {
  const answer = model.recommend(userId, { method, limit });
  return {
    user_id: userId,
    model_version: version,
    method,
    path: answer.path,
    fresh: { status: 'ok', ratings: 0, folded: false },
    items: answer.items.map((i) => ({ movie_id: i.movieId, title: i.title, score: i.score, recall_score: i.recall_score, quality_score: i.quality_score, reason: i.reason })),
  };
}
