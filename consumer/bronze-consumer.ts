/**
 * The Kafka side of the consumer: joins the group, reads the event topic from the earliest offset,
 * hands each partition's batch to the bronze sink and commits the next offset only after the sink's
 * writes succeeded. `stop()` lets the batch in hand finish and commit, then leaves the group.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { defaultDeadLetterPrefix, type Config } from '../config';
import { createKafkaBatchSender } from '../adapters/kafka/batch-sender';
import { DEFAULT_STALL_MS, trackLiveness, type ConsumerLiveness } from './liveness';
import { writeOnce } from './write-once';
import type { ConsumedMessage } from '../domain/event-message';
import { sinkBatch, type BronzeSinkDeps, type SinkResult } from './bronze-sink';
import { rejoiningOnMembershipLoss } from '../adapters/kafka/group-membership';

/**
 * A member that vanished without leaving (a crash) holds its partitions until its session expires; a
 * shorter session than kafkajs' 30 s default lets a restarted consumer resume sooner.
 */
const SESSION_TIMEOUT_MS = 10_000;
/** Per partition fetch size: up to ~15,000 events of ~130 bytes per batch, so each S3 object is worth its round trip. */
const MAX_BYTES_PER_PARTITION = 2 * 1024 * 1024;

export interface BronzeConsumerOptions {
  kafka: Kafka;
  kafkaConfig: Config['kafka'];
  s3: S3Client;
  bucket: string;
  /** Key prefix of bronze objects. */
  prefix: string;
  /** Key prefix of dead letters too large for the dead-letter topic; default `defaultDeadLetterPrefix(topic)`, as in the configuration. */
  deadLetterPrefix?: string;
  logger: Logger;
  /** Called after each batch is stored and committed (benchmarks observe progress and lag here). */
  onBatch?: (stored: { partition: number; result: SinkResult; messages: ConsumedMessage[] }) => void;
  /** How long the loop may go without a fetch or heartbeat before its liveness fails. */
  stallMs?: number;
}


export interface RunningConsumer {
  /** Whether its consumer loop is alive (for the liveness endpoint). */
  liveness: ConsumerLiveness;
  stop(): Promise<void>;
}

export async function startBronzeConsumer(options: BronzeConsumerOptions): Promise<RunningConsumer> {
  const { kafka, kafkaConfig, s3, bucket, prefix, logger } = options;
  const deadLetters = createKafkaBatchSender(kafka, kafkaConfig.dlqTopic, (err) => logger.warn({ err: String(err) }, 'dead-letter producer not connected yet'));
  await deadLetters.start();
  const consumer = kafka.consumer({
    groupId: kafkaConfig.groupId,
    sessionTimeout: SESSION_TIMEOUT_MS,
    maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    maxBytes: MAX_BYTES_PER_PARTITION * kafkaConfig.topicPartitions,
  });
  let stopping = false;
  consumer.on(consumer.events.CRASH, (event) => {
    logger.error({ err: String(event.payload.error), restart: event.payload.restart }, 'bronze consumer: Kafka consumer crashed');
    // kafkajs gives up on errors it does not retry: exit, so that a supervisor starts the consumer again.
    if (!event.payload.restart && !stopping) process.exit(1);
  });
  const liveness = trackLiveness(consumer, 'bronze', options.stallMs ?? DEFAULT_STALL_MS);
  await consumer.connect();
  await consumer.subscribe({ topic: kafkaConfig.topic, fromBeginning: true });

  const sinkDeps: BronzeSinkDeps = {
    prefix,
    putObject: writeOnce(s3, bucket),
    deadLetters: {
      bucket,
      prefix: options.deadLetterPrefix ?? defaultDeadLetterPrefix(kafkaConfig.topic),
      maxMessageBytes: kafkaConfig.maxMessageBytes,
      send: (records) => deadLetters.send(records),
    },
  };

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: kafkaConfig.topicPartitions,
    eachBatch: async (payload) => {
      const { batch } = payload;
      if (batch.messages.length === 0) return;
      const result = await sinkBatch(sinkDeps, batch.topic, batch.partition, batch.messages);
      const next = (BigInt(result.lastOffset) + 1n).toString();
      await rejoiningOnMembershipLoss(() => consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]));
      payload.resolveOffset(result.lastOffset);
      await rejoiningOnMembershipLoss(() => payload.heartbeat());
      logger.debug({ partition: batch.partition, first: batch.firstOffset(), last: result.lastOffset, objects: result.objects, dead_letters: result.deadLetters, dead_letter_objects: result.deadLetterObjects }, 'batch stored');
      options.onBatch?.({ partition: batch.partition, result, messages: batch.messages });
    },
  });

  return {
    liveness,
    async stop() {
      stopping = true;
      await consumer.stop();
      await consumer.disconnect();
      await deadLetters.disconnect();
    },
  };
}
