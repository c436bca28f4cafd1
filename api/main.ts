/**
 * `npm run api`: configuration → Kafka publisher, model registry (S3), feature store (DynamoDB) → Koa
 * app → listen. Starts answering at once; /readyz says 503 until the producer is connected and a model
 * is loaded. At start-up it loads the registry's current model, if one is deployed; while the registry
 * cannot be read it keeps trying in the background (recommendations answer 503, ingest works).
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests get their broker answer, flush the
 * producer, exit.
 */
import http from 'node:http';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadConfigOrExit } from '../config';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb/client';
import { DynamoFeatureStore } from '../adapters/dynamodb/feature-store';
import { createKafkaBatchSender } from '../adapters/kafka/batch-sender';
import { createKafka } from '../adapters/kafka/client';
import { CoalescingPublisher } from '../adapters/kafka/coalescing-producer';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { createApp } from './app';
import { ModelHolder, RegistryUnavailableError } from './model-holder';

const MAX_BATCH_EVENTS = 1000;
const RETRY_AFTER_SECONDS = 1;
const REGISTRY_RETRY_MS = 5_000;

const config = loadConfigOrExit();
const logger = pino({ level: config.logLevel, base: { process: 'api' } });

const sender = createKafkaBatchSender(createKafka(config.kafka, 'api'), config.kafka.topic, (err) =>
  logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'Kafka producer not connected yet; retrying'),
);
const publisher = new CoalescingPublisher(sender, {
  lingerMs: config.kafka.lingerMs,
  maxBatchMessages: config.kafka.batchMaxMessages,
  ackTimeoutMs: config.kafka.ackTimeoutMs,
});
const s3 = createS3Client(config.s3);
const models = new ModelHolder(new S3ObjectStore(s3, config.s3.bucket));
const dynamo = createDynamoClient(config.dynamodb);
const features = new DynamoFeatureStore(createDocumentClient(dynamo), {
  userTable: config.dynamodb.userFeaturesTable,
  movieTable: config.dynamodb.movieFeaturesTable,
});
const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });
const app = createApp({
  publisher,
  logger,
  config: { bodyLimit: config.api.bodyLimit, maxBatchEvents: MAX_BATCH_EVENTS, retryAfterSeconds: RETRY_AFTER_SECONDS },
  serving: { models, features, reloadToken: config.api.reloadToken, recommendationCacheSize: config.api.recommendationCacheSize },
  metricsRegistry,
});

/** Loads the deployed model unless a reload got there first; retries only while the registry is unreachable. */
async function loadDeployedModel(): Promise<void> {
  while (!stopping && models.current() === undefined) {
    try {
      const loaded = await models.loadDeployed();
      if (loaded) logger.info({ version: loaded.model.version, load_ms: Math.round(loaded.loadMs) }, 'model loaded');
      else if (models.current() === undefined) logger.warn({ bucket: config.s3.bucket }, 'no model is deployed in the registry: recommendations answer 503 until POST /reload');
      return;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof RegistryUnavailableError)) {
        logger.error({ err: message }, 'the deployed model cannot be served: recommendations answer 503 until POST /reload');
        return;
      }
      logger.warn({ err: message }, 'model registry unreachable; retrying');
      await new Promise((resolve) => setTimeout(resolve, REGISTRY_RETRY_MS));
    }
  }
}

const handle = app.callback();
const server = http.createServer((req, res) => void handle(req, res));
server.listen(config.api.port, config.api.host, () => logger.info({ url: config.api.url, topic: config.kafka.topic }, 'api listening'));
void sender.start().then(() => logger.info('Kafka producer connected'));
let stopping = false;
void loadDeployedModel();

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await publisher.close();
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
