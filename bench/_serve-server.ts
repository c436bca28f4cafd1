/**
 * The API as the serving benchmark runs it: its own process, the real app on an ephemeral loopback
 * port, with a model fitted on the dataset named on the command line (`ml-100k`, `synthetic:1e6:7`, …)
 * and loaded through the real reload path from an in-memory registry (no S3); the second argument sets
 * the recommendation cache size (default: the configured one; 0 turns it off). Sends the parent
 * `{port, users, model}` over IPC once listening; stops on SIGTERM or when the parent goes.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { loadConfigOrExit } from '../config';
import { createApp } from '../api/app';
import { ModelHolder } from '../api/model-holder';
import type { EventPublisher } from '../domain/event-publisher';
import { modelKey, writeManifest } from '../domain/model-registry';
import type { FeatureStore, FreshRatingStore } from '../domain/ports';
import { FreshRatingsReader } from '../api/fresh-ratings';
import { MemoryObjectStore } from '../test/support/memory-store';
import { buildUserItemMatrix, HybridRecommender, loadDataset, serialize } from '../recommender';

const [spec, cacheArg] = process.argv.slice(2);
if (!spec || !process.send) throw new Error('usage: forked with IPC, arguments: <dataset> [recommendation cache size]');
const config = loadConfigOrExit();
const cacheBytes = cacheArg === undefined ? config.api.recommendationCacheBytes : Number(cacheArg);

/** Serving routes only are measured; ingest and features answer if asked but are not used. */
const publisher: EventPublisher = { publish: (events) => Promise.resolve(events.map((e) => ({ event_id: e.event_id }))), isReady: () => true, close: () => Promise.resolve() };
const noFreshRatings: FreshRatingStore = { put: () => Promise.resolve(), newest: () => Promise.resolve([]) };
const features: FeatureStore = {
  putUserFeatures: () => Promise.resolve(0),
  putMovieFeatures: () => Promise.resolve(0),
  getUserFeatures: () => Promise.resolve(undefined),
  getMovieFeatures: () => Promise.resolve(undefined),
};

const fitStarted = performance.now();
const dataset = loadDataset(spec, config.movielensDir);
const model = HybridRecommender.fit(buildUserItemMatrix(dataset.ratings), dataset.movies);
const fitSeconds = (performance.now() - fitStarted) / 1000;
const bytes = serialize(model, { snapshotId: `bench-${spec}` });
const store = new MemoryObjectStore();
const version = `bench-${spec.replace(/[^A-Za-z0-9._-]/g, '_')}`;
await store.put(modelKey(version), bytes);
await writeManifest(store, {
  version,
  created_at: new Date().toISOString(),
  run_date: new Date().toISOString().slice(0, 10),
  data_snapshot: { ratings_prefix: spec, ratings: model.matrix.colIdx.length, users: model.matrix.numUsers, movies: model.matrix.numMovies, checksum: '' },
  parameters: {},
  training: { fit_seconds: fitSeconds },
  artifact: { key: modelKey(version), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
});
const models = new ModelHolder(store);
const loaded = await models.reload(version);

const app = createApp({
  publisher,
  logger: pino({ level: 'silent' }),
  config: { bodyLimit: config.api.bodyLimit, maxBatchEvents: 1000, retryAfterSeconds: 1 },
  serving: { models, features, fresh: new FreshRatingsReader(noFreshRatings, undefined, config.fresh), reloadToken: config.api.reloadToken, recommendationCacheBytes: cacheBytes },
});
const handle = app.callback();
const server = http.createServer((req, res) => void handle(req, res));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({
    port: (server.address() as AddressInfo).port,
    users: Array.from(model.matrix.userIds),
    model: { ratings: model.matrix.colIdx.length, users: model.matrix.numUsers, movies: model.matrix.numMovies, artifact_bytes: bytes.length, fit_s: fitSeconds, reload_ms: loaded.loadMs },
  });
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);
