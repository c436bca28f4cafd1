/**
 * The consumer's second job: every valid event also goes to DynamoDB's `fresh_ratings` table, where the
 * API finds the ratings a served model does not contain yet. It reads the event topic in a consumer
 * group of its own, so a slow or unavailable DynamoDB never holds up bronze (the source of truth), and
 * commits a batch's offsets only after DynamoDB took it (at-least-once; a redelivered event overwrites
 * its own item, keyed by user and event id). Invalid messages are the bronze sink's to dead-letter;
 * events accepted longer ago than the time to live are skipped, as the store would drop them at once,
 * and so are events the deployed model already contains.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { BronzeWatermark } from '../domain/bronze';
import { freshRatingsOf } from '../domain/fresh-ratings';
import type { FreshRatingStore } from '../domain/ports';
import type { RunningConsumer } from './bronze-consumer';
import { DEFAULT_STALL_MS, trackLiveness } from './liveness';
import { rejoiningOnMembershipLoss } from '../adapters/kafka/group-membership';

const SESSION_TIMEOUT_MS = 10_000;
const MAX_BYTES_PER_PARTITION = 1024 * 1024;

export interface FreshWriterOptions {
  kafka: Kafka;
  kafkaConfig: Config['kafka'];
  store: FreshRatingStore;
  ttlSeconds: number;
  /** What the deployed model already contains (not written again). */
  deployed: () => BronzeWatermark | undefined;
  logger: Logger;
  /** Called after each batch is stored and committed (tests and benchmarks observe the lag here). */
  onBatch?: (stored: { partition: number; items: number; lastOffset: string }) => void;
  /** How long the loop may go without a fetch or heartbeat before its liveness fails. */
  stallMs?: number;
}

/** Messages written and committed together: small enough that a slow store never outlasts the group session between heartbeats. */
const CHUNK_MESSAGES = 200;
const RETRY_MS = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFreshRatingWriter(options: FreshWriterOptions): Promise<RunningConsumer> {
  const { kafka, kafkaConfig, store, logger } = options;
  const consumer = kafka.consumer({
    groupId: kafkaConfig.freshGroupId,
    sessionTimeout: SESSION_TIMEOUT_MS,
    maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    maxWaitTimeInMs: 100,
  });
  let stopping = false;
  consumer.on(consumer.events.CRASH, (event) => {
    logger.error({ err: String(event.payload.error), restart: event.payload.restart }, 'fresh-rating writer: Kafka consumer crashed');
    // kafkajs gives up on errors it does not retry: exit, so that a supervisor starts the consumer again.
    if (!event.payload.restart && !stopping) process.exit(1);
  });
  const liveness = trackLiveness(consumer, 'fresh-ratings', options.stallMs ?? DEFAULT_STALL_MS);
  await consumer.connect();
  await consumer.subscribe({ topic: kafkaConfig.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: kafkaConfig.topicPartitions,
    eachBatch: async (payload) => {
      const { batch } = payload;
      for (let start = 0; start < batch.messages.length && payload.isRunning() && !payload.isStale(); start += CHUNK_MESSAGES) {
        const chunk = batch.messages.slice(start, start + CHUNK_MESSAGES);
        const last = chunk.at(-1)!;
        const items = freshRatingsOf(batch.topic, batch.partition, chunk, options.ttlSeconds, Date.now(), options.deployed());
        // The store is retried here rather than by failing the batch: kafkajs would re-fetch and, after its retries, stop the consumer.
        for (let attempt = 1; items.length > 0; attempt++) {
          try {
            await store.put(items);
            break;
          } catch (err) {
            if (!payload.isRunning()) throw err;
            logger.warn({ err: err instanceof Error ? err.message : String(err), partition: batch.partition, attempt }, 'fresh-rating store write failed; retrying');
            await rejoiningOnMembershipLoss(() => payload.heartbeat());
            await sleep(RETRY_MS);
          }
        }
        await rejoiningOnMembershipLoss(() => consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]));
        payload.resolveOffset(last.offset);
        await rejoiningOnMembershipLoss(() => payload.heartbeat());
        logger.debug({ partition: batch.partition, last: last.offset, fresh_ratings: items.length }, 'fresh ratings stored');
        options.onBatch?.({ partition: batch.partition, items: items.length, lastOffset: last.offset });
      }
    },
  });
  return {
    liveness,
    async stop() {
      stopping = true;
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}
