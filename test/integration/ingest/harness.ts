/** Shared wiring of the ingest integration tests: an isolated topic/group/prefix per test, the API on an ephemeral port, bronze readers. */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import type { Config } from '../../../config';
import { createKafkaBatchSender } from '../../../adapters/kafka/batch-sender';
import { createKafka } from '../../../adapters/kafka/client';
import { CoalescingPublisher } from '../../../adapters/kafka/coalescing-producer';
import { ensureTopics } from '../../../adapters/kafka/topics';
import { createApp } from '../../../api/app';
import { testConfig, uniqueName } from '../../support/config';
import { listenOnLoopback } from '../../support/http';

export const silentLogger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A configuration whose topic, dead-letter topic, group and bronze prefix belong to this test alone. */
export async function isolatedConfig(label: string): Promise<Config> {
  const name = uniqueName(`ingest-${label}`);
  const config = testConfig({
    KAFKA_TOPIC: `${name}-events`,
    KAFKA_DLQ_TOPIC: `${name}-dlq`,
    KAFKA_GROUP_ID: `${name}-group`,
    S3_BRONZE_PREFIX: `tests/${name}/bronze/user-events`,
  });
  await ensureTopics(createKafka(config.kafka, 'test-admin'), [
    { topic: config.kafka.topic, partitions: config.kafka.topicPartitions },
    { topic: config.kafka.dlqTopic, partitions: 1 },
  ]);
  return config;
}

/** Every environment variable a child process needs to run against the isolated topics and prefix. */
export function isolatedEnv(config: Config): NodeJS.ProcessEnv {
  return {
    KAFKA_TOPIC: config.kafka.topic,
    KAFKA_DLQ_TOPIC: config.kafka.dlqTopic,
    KAFKA_GROUP_ID: config.kafka.groupId,
    S3_BRONZE_PREFIX: config.s3.bronzePrefix,
  };
}

export interface RunningApi {
  url: string;
  publisher: CoalescingPublisher;
  close(): Promise<void>;
}

export async function startApi(config: Config): Promise<RunningApi> {
  const sender = createKafkaBatchSender(createKafka(config.kafka, 'test-api'), config.kafka.topic);
  await sender.start();
  const publisher = new CoalescingPublisher(sender, {
    lingerMs: config.kafka.lingerMs,
    maxBatchMessages: config.kafka.batchMaxMessages,
    ackTimeoutMs: config.kafka.ackTimeoutMs,
  });
  const app = createApp({
    publisher,
    logger: silentLogger,
    config: { bodyLimit: config.api.bodyLimit, maxBatchEvents: 1000, retryAfterSeconds: 1, clientAuth: { keys: config.api.apiKeys, ratePerSecond: config.api.apiKeyRatePerSecond } },
  });
  const server = await listenOnLoopback(app);
  return {
    url: server.url,
    publisher,
    async close() {
      await server.close();
      await publisher.close();
    },
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; type: string; retryAfter: string | null; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    retryAfter: res.headers.get('retry-after'),
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export interface BronzeObject {
  key: string;
  lines: string[];
}

export async function readBronze(s3: S3Client, bucket: string, prefix: string): Promise<BronzeObject[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return Promise.all(
    keys.map(async (key) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await got.Body?.transformToString()) ?? '';
      return { key, lines: text.split('\n').filter((l) => l !== '') };
    }),
  );
}

/** The event ids stored under a prefix (with repeats, if a batch was stored twice). */
export async function bronzeEventIds(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const objects = await readBronze(s3, bucket, prefix);
  return objects.flatMap((o) => o.lines.map((l) => (JSON.parse(l) as { event_id: string }).event_id));
}

/** Polls until `check` returns a value, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** Sum of the high watermarks of a topic's partitions: how many messages were ever written to it. */
export async function topicMessageCount(config: Config, topic: string): Promise<number> {
  const admin = createKafka(config.kafka, 'test-admin').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

export interface TopicRecord {
  partition: number;
  offset: string;
}

/** Every event id in a topic, read from the beginning up to each partition's high watermark by a throwaway group. */
export async function topicEventIds(config: Config, topic: string, timeoutMs = 30_000): Promise<Map<string, TopicRecord>> {
  const kafka = createKafka(config.kafka, 'test-reader');
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const found = new Map<string, TopicRecord>();
  const reached = new Map<number, bigint>();
  const consumer = kafka.consumer({ groupId: uniqueName('test-reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = () => [...ends].every(([partition, high]) => high === 0n || (reached.get(partition) ?? -1n) + 1n >= high);
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const id = (JSON.parse(message.value?.toString() ?? '{}') as { event_id?: string }).event_id;
        if (id !== undefined) found.set(id, { partition, offset: message.offset });
        reached.set(partition, BigInt(message.offset));
        return Promise.resolve();
      },
    });
    await waitFor(`reading ${topic} to its end`, timeoutMs, () => Promise.resolve(done() ? true : undefined));
    return found;
  } finally {
    await consumer.disconnect();
  }
}
