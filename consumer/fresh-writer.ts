/**
 * The consumer's second job: every valid event also goes to DynamoDB's `fresh_ratings` table, where the
 * API finds the ratings a served model does not contain yet. It reads the event topic in a consumer
 * group of its own, so a slow or unavailable DynamoDB never holds up bronze (the source of truth), and
 * commits a batch's offsets only after DynamoDB took it (at-least-once; a redelivered event overwrites
 * its own item, keyed by user and event id). Invalid messages are the bronze sink's to dead-letter;
 * events accepted longer ago than the time to live are skipped, as the store would drop them at once.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { toStoredFreshRating, type StoredFreshRating } from '../domain/fresh-ratings';
import type { FreshRatingStore } from '../domain/ports';
import { checkMessage, type ConsumedMessage } from './bronze-sink';
import type { RunningConsumer } from './bronze-consumer';

const SESSION_TIMEOUT_MS = 10_000;
const MAX_BYTES_PER_PARTITION = 1024 * 1024;

/** The fresh ratings of one fetched batch: valid events not yet expired at `nowMs`. */
export function freshRatingsOf(topic: string, partition: number, messages: readonly ConsumedMessage[], ttlSeconds: number, nowMs: number): StoredFreshRating[] {
  const items: StoredFreshRating[] = [];
  for (const message of messages) {
    const verdict = checkMessage(message.value);
    if (!verdict.ok) continue;
    const timestamp = Number(message.timestamp);
    const acceptedAt = Number.isFinite(timestamp) && timestamp > 0 ? timestamp : nowMs;
    const item = toStoredFreshRating(verdict.event, { topic, partition, offset: Number(message.offset), timestamp: acceptedAt }, ttlSeconds);
    if (item.expires_at * 1000 > nowMs) items.push(item);
  }
  return items;
}

export interface FreshWriterOptions {
  kafka: Kafka;
  kafkaConfig: Config['kafka'];
  store: FreshRatingStore;
  ttlSeconds: number;
  logger: Logger;
  /** Called after each batch is stored and committed (tests and benchmarks observe the lag here). */
  onBatch?: (stored: { partition: number; items: number; lastOffset: string }) => void;
}

export async function startFreshRatingWriter(options: FreshWriterOptions): Promise<RunningConsumer> {
  const { kafka, kafkaConfig, store, logger } = options;
  const consumer = kafka.consumer({
    groupId: kafkaConfig.freshGroupId,
    sessionTimeout: SESSION_TIMEOUT_MS,
    maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: kafkaConfig.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: kafkaConfig.topicPartitions,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const last = batch.messages.at(-1);
      if (last === undefined) return;
      const items = freshRatingsOf(batch.topic, batch.partition, batch.messages, options.ttlSeconds, Date.now());
      if (items.length > 0) await store.put(items);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
      payload.resolveOffset(last.offset);
      await payload.heartbeat();
      logger.debug({ partition: batch.partition, last: last.offset, fresh_ratings: items.length }, 'fresh ratings stored');
      options.onBatch?.({ partition: batch.partition, items: items.length, lastOffset: last.offset });
    },
  });
  return {
    async stop() {
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}
