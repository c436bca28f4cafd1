/**
 * `npm run api`: configuration → Kafka publisher, model registry (S3), feature and fresh-rating stores
 * and the replica registry (DynamoDB), the fresh-rating index (Kafka) → Koa app → listen. Starts
 * answering at once; /readyz says 503 until the producer is connected and a model is loaded. The
 * replica follows the registry by itself (RegistryWatcher) and announces what it serves
 * (ReplicaAnnouncer), so any number of replicas behind a load balancer serve one version.
 * SIGTERM/SIGINT: withdraw from the replica registry, stop accepting connections, let in-flight
 * requests get their broker answer, flush the producer, stop the threads, exit.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadConfigOrExit } from '../config';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb/client';
import { DynamoFeatureStore } from '../adapters/dynamodb/feature-store';
import { DynamoFreshRatingStore } from '../adapters/dynamodb/fresh-ratings';
import { DynamoReplicaRegistry } from '../adapters/dynamodb/replicas';
import { createKafkaBatchSender } from '../adapters/kafka/batch-sender';
import { createKafka } from '../adapters/kafka/client';
import { CoalescingPublisher } from '../adapters/kafka/coalescing-producer';
import { exitIfTopicsLessDurable } from '../adapters/kafka/topics';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { createApp } from './app';
import { FreshRatingsReader } from './fresh-ratings';
import { FreshRatingIndex } from './fresh-rating-index';
import { createHttpServer } from './http-server';
import { ModelHolder } from './model-holder';
import { RegistryWatcher } from './registry-watcher';
import { ReplicaAnnouncer } from './replica-announcer';

const MAX_BATCH_EVENTS = 1000;
const RETRY_AFTER_SECONDS = 1;

const config = loadConfigOrExit();
const logger = pino({ level: config.logLevel, base: { process: 'api' } });

const kafka = createKafka(config.kafka, 'api');
const sender = createKafkaBatchSender(kafka, config.kafka.topic, (err) =>
  logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'Kafka producer not connected yet; retrying'),
);
const publisher = new CoalescingPublisher(sender, {
  lingerMs: config.kafka.lingerMs,
  maxBatchMessages: config.kafka.batchMaxMessages,
  ackTimeoutMs: config.kafka.ackTimeoutMs,
});
const s3 = createS3Client(config.s3);
const registryStore = new S3ObjectStore(s3, config.s3.bucket);
const models = new ModelHolder(registryStore, { threads: config.api.recommenderThreads, maxArtifactBytes: config.api.maxArtifactBytes });
const dynamo = createDynamoClient(config.dynamodb);
const documents = createDocumentClient(dynamo);
const features = new DynamoFeatureStore(documents, { userTable: config.dynamodb.userFeaturesTable, movieTable: config.dynamodb.movieFeaturesTable });
const replicaId = config.api.replicaId ?? `${hostname()}-${process.pid}`;
const freshIndex = config.fresh.index
  ? new FreshRatingIndex(kafka, config.kafka.topic, `${config.kafka.clientId}-api-fresh-${replicaId}`, { ttlSeconds: config.fresh.ttlSeconds, maxPerUser: config.fresh.maxPerUser, maxRatings: config.fresh.indexMaxRatings }, logger)
  : undefined;
const fresh = new FreshRatingsReader(new DynamoFreshRatingStore(documents, config.dynamodb.freshRatingsTable), freshIndex, config.fresh);
const announcer = new ReplicaAnnouncer(new DynamoReplicaRegistry(documents, config.dynamodb.replicasTable), replicaId, models, config.api.replicaHeartbeatMs, logger);
const watcher = new RegistryWatcher(registryStore, models, config.api.modelPollIntervalMs, logger);
const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });
const app = createApp({
  publisher,
  logger,
  config: {
    bodyLimit: config.api.bodyLimit,
    maxBatchEvents: MAX_BATCH_EVENTS,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    clientAuth: { keys: config.api.apiKeys, ratePerSecond: config.api.apiKeyRatePerSecond },
  },
  serving: { models, features, fresh, reloadToken: config.api.reloadToken, recommendationCacheBytes: config.api.recommendationCacheBytes },
  metricsRegistry,
});

const indexStarted = freshIndex?.start().then(
  () => true,
  (err: unknown) => {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'fresh-rating index not started; requests read the fresh store');
    return false;
  },
);
models.onChange(() => {
  announcer.announce();
  const watermark = models.current()?.manifest.data_snapshot?.bronze_watermark;
  void indexStarted
    ?.then((started) => (started ? freshIndex?.follow(watermark) : undefined))
    .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'fresh-rating index could not follow the model; requests read the fresh store'));
});

const handle = app.callback();
const server = createHttpServer((req, res) => void handle(req, res), config.api.http);
/** Where the batch reaches this replica: the listening address, or on a wildcard address this host's first external IPv4. */
function advertisedUrl(port: number): string {
  if (config.api.advertisedUrl) return config.api.advertisedUrl;
  if (config.api.host !== '0.0.0.0' && config.api.host !== '::') return `http://${config.api.host}:${port}`;
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal);
  return `http://${external?.address ?? '127.0.0.1'}:${port}`;
}

server.listen(config.api.port, config.api.host, () => {
  const { port } = server.address() as AddressInfo;
  const url = advertisedUrl(port);
  logger.info({ url, replica_id: replicaId, topic: config.kafka.topic, threads: config.api.recommenderThreads }, 'api listening');
  announcer.start(url);
});
void sender.start().then(async () => {
  logger.info('Kafka producer connected');
  await exitIfTopicsLessDurable(kafka, config.kafka, logger);
});
watcher.start();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await Promise.all([announcer.stop(), watcher.stop()]);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await Promise.all([publisher.close(), freshIndex?.stop(), models.close()]);
  s3.destroy();
  dynamo.destroy();
  logger.info('stopped');
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
