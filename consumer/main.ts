/**
 * `npm run consumer`: Kafka `user-events` → S3 bronze. SIGTERM/SIGINT: finish the batch in hand,
 * commit it, leave the group, exit. A crash (or SIGKILL) loses nothing: uncommitted batches are read
 * again on restart and rewritten under the same keys.
 */
import { pino } from 'pino';
import { loadConfigOrExit } from '../config';
import { createKafka } from '../adapters/kafka/client';
import { createS3Client } from '../adapters/s3/client';
import { startBronzeConsumer } from './bronze-consumer';

const config = loadConfigOrExit();
const logger = pino({ level: config.logLevel, base: { process: 'consumer' } });
const s3 = createS3Client(config.s3);

const running = await startBronzeConsumer({
  kafka: createKafka(config.kafka, 'consumer'),
  kafkaConfig: config.kafka,
  s3,
  bucket: config.s3.bucket,
  prefix: config.s3.bronzePrefix,
  logger,
});
logger.info({ topic: config.kafka.topic, group: config.kafka.groupId, bucket: config.s3.bucket, prefix: config.s3.bronzePrefix }, 'consumer running');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping after the batch in hand');
    running.stop().then(
      () => {
        s3.destroy();
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
