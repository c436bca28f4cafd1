/**
 * `npm run consumer`: Kafka `user-events` → S3 bronze, and → DynamoDB `fresh_ratings` (in a consumer
 * group of its own). SIGTERM/SIGINT: finish the batches in hand, commit them, leave the groups, exit. A
 * crash (or SIGKILL) loses nothing: uncommitted batches are read again on restart and rewritten under
 * the same keys.
 */
import { pino } from 'pino';
import { loadConfigOrExit } from '../config';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb/client';
import { DynamoFreshRatingStore } from '../adapters/dynamodb/fresh-ratings';
import { createKafka } from '../adapters/kafka/client';
import { exitIfTopicsLessDurable } from '../adapters/kafka/topics';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { startBronzeConsumer } from './bronze-consumer';
import { startFreshRatingWriter } from './fresh-writer';
import { startHealthServer } from './health-server';
import { ServedWatermark } from './served-watermark';

/** How often the fresh-rating writer checks which model is deployed. */
const DEPLOYED_CHECK_MS = 5_000;

const config = loadConfigOrExit();
const logger = pino({ level: config.logLevel, base: { process: 'consumer' } });
const s3 = createS3Client(config.s3);
const dynamo = createDynamoClient(config.dynamodb);
const kafka = createKafka(config.kafka, 'consumer');

await exitIfTopicsLessDurable(kafka, config.kafka, logger);

const bronze = await startBronzeConsumer({
  kafka,
  kafkaConfig: config.kafka,
  s3,
  bucket: config.s3.bucket,
  prefix: config.s3.bronzePrefix,
  deadLetterPrefix: config.s3.deadLetterPrefix,
  logger,
  stallMs: config.consumer.stallMs,
});
const deployed = new ServedWatermark(new S3ObjectStore(s3, config.s3.bucket), DEPLOYED_CHECK_MS, logger);
deployed.start();
const fresh = await startFreshRatingWriter({
  kafka,
  kafkaConfig: config.kafka,
  store: new DynamoFreshRatingStore(createDocumentClient(dynamo), config.dynamodb.freshRatingsTable),
  ttlSeconds: config.fresh.ttlSeconds,
  deployed: () => deployed.current(),
  logger,
  stallMs: config.consumer.stallMs,
});
const health = await startHealthServer(config.consumer.healthHost, config.consumer.healthPort, [bronze.liveness, fresh.liveness]);
logger.info(
  { topic: config.kafka.topic, group: config.kafka.groupId, fresh_group: config.kafka.freshGroupId, bucket: config.s3.bucket, prefix: config.s3.bronzePrefix, dead_letter_prefix: config.s3.deadLetterPrefix, fresh_table: config.dynamodb.freshRatingsTable, health: `${health.url}/healthz` },
  'consumer running',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping after the batches in hand');
    deployed.stop();
    Promise.all([bronze.stop(), fresh.stop(), health.close()]).then(
      () => {
        s3.destroy();
        dynamo.destroy();
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
