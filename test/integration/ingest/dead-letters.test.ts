import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Admin, Producer } from 'kafkajs';
import type { Config } from '../../../config';
import { createKafka } from '../../../adapters/kafka/client';
import { createS3Client } from '../../../adapters/s3/client';
import { startBronzeConsumer } from '../../../consumer/bronze-consumer';
import type { SinkResult } from '../../../consumer/bronze-sink';
import type { DeadLetter, DeadLetterPointer, DeadLetterRecord } from '../../../consumer/dead-letters';
import { testConfig } from '../../support/config';
import { bronzeEventIds, isolatedConfig, silentLogger, waitFor } from './harness';

const validEvent = (n: number) => ({ event_id: `valid-${n}-${randomUUID()}`, user_id: 5, movie_id: 100 + n, rating: 2.5, timestamp: '2024-02-03T04:05:06.000Z' });

/** Every record on the test's dead-letter topic, once at least `count` arrived. */
async function readDeadLetterTopic(config: Config, count: number): Promise<DeadLetterRecord[]> {
  const reader = createKafka(config.kafka, 'test-dlq-reader').consumer({ groupId: `${config.kafka.groupId}-dlq-reader` });
  await reader.connect();
  try {
    await reader.subscribe({ topic: config.kafka.dlqTopic, fromBeginning: true });
    const records: DeadLetterRecord[] = [];
    await reader.run({
      eachMessage: ({ message }) => {
        records.push(JSON.parse(message.value?.toString('utf8') ?? '{}') as DeadLetterRecord);
        return Promise.resolve();
      },
    });
    await waitFor(`${count} dead-letter records`, 60_000, () => Promise.resolve(records.length >= count ? true : undefined));
    return records;
  } finally {
    await reader.disconnect();
  }
}

/** The offset the bronze group committed on a partition of the event topic, if any. */
async function committedOffset(admin: Admin, config: Config, partition: number): Promise<bigint | undefined> {
  const [topic] = await admin.fetchOffsets({ groupId: config.kafka.groupId, topics: [config.kafka.topic] });
  const offset = topic?.partitions.find((p) => p.partition === partition)?.offset;
  return offset === undefined || offset === '-1' ? undefined : BigInt(offset);
}

interface Produced {
  partition: number;
  offset: bigint;
}

/** Produces one run of messages keyed '5' (so all go to one partition, in order); where the first landed. */
async function produce(producer: Producer, config: Config, values: (Buffer | string | null)[]): Promise<Produced> {
  const [sent] = await producer.send({ topic: config.kafka.topic, acks: -1, messages: values.map((value) => ({ key: '5', value })) });
  assert.ok(sent?.baseOffset !== undefined);
  return { partition: sent.partition, offset: BigInt(sent.baseOffset) };
}

/**
 * Runs the real bronze consumer until both valid events are in bronze and the group committed past the
 * last one: then nothing before it is stuck. Returns the stored event ids and the batches it handled.
 */
async function consumeUntilCommitted(config: Config, deadLetterPrefix: string, validIds: string[], last: Produced): Promise<{ stored: string[]; batches: SinkResult[] }> {
  const s3 = createS3Client(config.s3);
  const admin = createKafka(config.kafka, 'test-admin').admin();
  await admin.connect();
  const batches: SinkResult[] = [];
  const consumer = await startBronzeConsumer({
    kafka: createKafka(config.kafka, 'test-consumer'),
    kafkaConfig: config.kafka,
    s3,
    bucket: config.s3.bucket,
    prefix: config.s3.bronzePrefix,
    deadLetterPrefix,
    logger: silentLogger,
    onBatch: ({ result }) => batches.push(result),
  });
  try {
    const stored = await waitFor('the valid events in bronze', 60_000, async () => {
      const ids = await bronzeEventIds(s3, config.s3.bucket, config.s3.bronzePrefix);
      return validIds.every((id) => ids.includes(id)) ? ids : undefined;
    });
    await waitFor('the offsets committed past the last message', 30_000, async () => ((await committedOffset(admin, config, last.partition)) ?? -1n) > last.offset || undefined);
    return { stored, batches };
  } finally {
    await consumer.stop();
    await admin.disconnect();
    s3.destroy();
  }
}

describe('ingest: malformed messages on the topic go to the dead-letter topic (real Kafka and MinIO)', function () {
  this.timeout(180_000);
  let producer: Producer;

  before(async () => {
    producer = createKafka(testConfig().kafka, 'test-foreign-producer').producer();
    await producer.connect();
  });
  after(async () => {
    await producer?.disconnect();
  });

  it('dead-letters each malformed message with its reason and bytes, and stores the valid ones around it', async () => {
    const config = await isolatedConfig('dlq');
    const before = validEvent(1);
    const after = validEvent(2);
    const bad: { value: Buffer | null; reason: DeadLetter['reason'] }[] = [
      { value: Buffer.from('{"user_id": 5, "movie_id": 7,'), reason: 'not JSON' },
      { value: Buffer.from(JSON.stringify({ user_id: 5, movie_id: 7, rating: 11, timestamp: 1_700_000_000 })), reason: 'invalid event' },
      { value: Buffer.from([0xff, 0xfe, 0x7b]), reason: 'not UTF-8' },
      { value: null, reason: 'empty value' },
      { value: Buffer.from(JSON.stringify(validEvent(3), null, 2)), reason: 'not a single line' },
      { value: Buffer.from(JSON.stringify({ ...validEvent(4), user_id: 4_294_967_338 })), reason: 'invalid event' },
      { value: Buffer.from(JSON.stringify({ ...validEvent(5), movie_id: 2_147_483_648 })), reason: 'invalid event' },
    ];
    // One key, so all land on one partition in this order: the valid event after them proves the consumer went on.
    const first = await produce(producer, config, [JSON.stringify(before), ...bad.map((b) => b.value), JSON.stringify(after)]);
    const last = { partition: first.partition, offset: first.offset + BigInt(bad.length) + 1n };

    const { stored } = await consumeUntilCommitted(config, `tests/${config.kafka.topic}/dead-letters`, [before.event_id, after.event_id], last);
    assert.equal(stored.length, 2, 'only the valid events are in bronze');

    const letters = (await readDeadLetterTopic(config, bad.length)) as DeadLetter[];
    assert.deepEqual(letters.map((l) => l.reason), bad.map((b) => b.reason));
    letters.forEach((letter, i) => {
      assert.equal(letter.topic, config.kafka.topic);
      assert.equal(Buffer.from(letter.original_base64, 'base64').toString('hex'), (bad[i]?.value ?? Buffer.alloc(0)).toString('hex'));
      assert.equal(Buffer.from(letter.key_base64 ?? '', 'base64').toString(), '5');
    });
    assert.ok(letters[1]?.problems.some((p) => p.field === 'rating'), 'the invalid event names its bad field');
    assert.ok(letters[5]?.problems.some((p) => p.field === 'user_id'), 'a user id above 2^31−1 is dead-lettered, not wrapped around');
    assert.ok(letters[6]?.problems.some((p) => p.field === 'movie_id'), 'a movie id above 2^31−1 is dead-lettered, not wrapped around');
  });

  it('dead-letters 5,000 invalid messages of one fetch in sends under the broker’s limit, and goes on', async () => {
    const config = await isolatedConfig('dlq-many');
    const before = validEvent(1);
    const after = validEvent(2);
    // ~300 bytes each, ~570 as a letter: 1.5 MB read in one fetch, 2.8 MB of letters, well over one send's 1 MiB.
    const invalid = Array.from({ length: 5000 }, (_, i) => Buffer.from(JSON.stringify({ ...validEvent(10 + i), rating: 11, comment: `invalid ${i} `.padEnd(150, '.') })));
    const first = await produce(producer, config, [JSON.stringify(before)]);
    for (let i = 0; i < invalid.length; i += 1000) await produce(producer, config, invalid.slice(i, i + 1000));
    const last = await produce(producer, config, [JSON.stringify(after)]);
    assert.equal(last.offset, first.offset + BigInt(invalid.length) + 1n, 'all on one partition, in order');

    const { stored, batches } = await consumeUntilCommitted(config, `tests/${config.kafka.topic}/dead-letters`, [before.event_id, after.event_id], last);
    assert.equal(stored.length, 2, 'only the valid events are in bronze');
    assert.ok(batches.some((b) => b.deadLetters === invalid.length), `all 5,000 in one fetch (batches had ${batches.map((b) => b.deadLetters).join(', ')} dead letters)`);

    const letters = (await readDeadLetterTopic(config, invalid.length)) as DeadLetter[];
    const byOffset = new Map(letters.map((l) => [BigInt(l.offset), l]));
    invalid.forEach((value, i) => {
      const letter = byOffset.get(first.offset + 1n + BigInt(i));
      assert.ok(letter, `a dead letter for invalid message ${i}`);
      assert.equal(letter.reason, 'invalid event');
      assert.equal(letter.partition, first.partition);
      assert.equal(Buffer.from(letter.original_base64, 'base64').toString('hex'), value.toString('hex'));
    });
    assert.equal(byOffset.size, invalid.length, 'nothing else was dead-lettered');
  });

  it('stores an invalid 900 KB message as a dead-letter object in S3, with a pointer on the topic, and goes on', async () => {
    const config = await isolatedConfig('dlq-large');
    const deadLetterPrefix = `tests/${config.kafka.topic}/dead-letters`;
    const before = validEvent(1);
    const after = validEvent(2);
    // Fits the broker's 1 MiB as a message, but not as a letter: base64 makes it 1.2 MB.
    const large = Buffer.from(JSON.stringify({ ...validEvent(3), comment: 'x'.repeat(900 * 1024) }));
    const first = await produce(producer, config, [JSON.stringify(before), large, JSON.stringify(after)]);
    const last = { partition: first.partition, offset: first.offset + 2n };

    const { stored, batches } = await consumeUntilCommitted(config, deadLetterPrefix, [before.event_id, after.event_id], last);
    assert.equal(stored.length, 2, 'only the valid events are in bronze');
    assert.equal(batches.reduce((sum, b) => sum + b.deadLetterObjects, 0), 1);

    const [pointer, ...others] = (await readDeadLetterTopic(config, 1)) as DeadLetterPointer[];
    assert.equal(others.length, 0);
    assert.ok(pointer);
    const offset = String(first.offset + 1n);
    assert.deepEqual(
      { ...pointer, object: { ...pointer.object, size: 0, sha256: '' } },
      {
        reason: 'invalid event',
        topic: config.kafka.topic,
        partition: first.partition,
        offset,
        timestamp: pointer.timestamp,
        object: { bucket: config.s3.bucket, key: `${deadLetterPrefix}/${config.kafka.topic}-p${first.partition}-${offset.padStart(20, '0')}.json`, size: 0, sha256: '' },
      },
    );

    const s3 = createS3Client(config.s3);
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: pointer.object.bucket, Key: pointer.object.key }));
      const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      assert.equal(body.length, pointer.object.size);
      assert.equal(createHash('sha256').update(body).digest('hex'), pointer.object.sha256);
      const letter = JSON.parse(body.toString('utf8')) as DeadLetter;
      assert.equal(letter.offset, offset);
      assert.equal(letter.timestamp, pointer.timestamp);
      assert.equal(Buffer.from(letter.key_base64 ?? '', 'base64').toString(), '5');
      assert.ok(Buffer.from(letter.original_base64, 'base64').equals(large), 'the object holds the original bytes');
      assert.deepEqual(letter.problems, [{ field: 'comment', message: 'unknown field' }]);
    } finally {
      s3.destroy();
    }
  });
});
