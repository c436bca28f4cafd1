import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Consumer, Producer } from 'kafkajs';
import type { Config } from '../../../config';
import { createKafka } from '../../../adapters/kafka/client';
import { createS3Client } from '../../../adapters/s3/client';
import { startBronzeConsumer } from '../../../consumer/bronze-consumer';
import type { DeadLetter } from '../../../consumer/bronze-sink';
import { bronzeEventIds, isolatedConfig, silentLogger, waitFor } from './harness';

describe('ingest: malformed messages on the topic go to the dead-letter topic (real Kafka and MinIO)', function () {
  this.timeout(60_000);
  let config: Config;
  let producer: Producer;
  let dlqReader: Consumer;

  before(async () => {
    config = await isolatedConfig('dlq');
    producer = createKafka(config.kafka, 'test-foreign-producer').producer();
    await producer.connect();
  });
  after(async () => {
    await producer?.disconnect();
    await dlqReader?.disconnect();
  });

  it('dead-letters each malformed message with its reason and bytes, and stores the valid ones around it', async () => {
    const validEvent = (n: number) => ({ event_id: `valid-${n}-${randomUUID()}`, user_id: 5, movie_id: 100 + n, rating: 2.5, timestamp: '2024-02-03T04:05:06.000Z' });
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
    await producer.send({
      topic: config.kafka.topic,
      acks: -1,
      messages: [{ key: '5', value: JSON.stringify(before) }, ...bad.map((b) => ({ key: '5', value: b.value })), { key: '5', value: JSON.stringify(after) }],
    });

    const s3 = createS3Client(config.s3);
    const consumer = await startBronzeConsumer({ kafka: createKafka(config.kafka, 'test-consumer'), kafkaConfig: config.kafka, s3, bucket: config.s3.bucket, prefix: config.s3.bronzePrefix, logger: silentLogger });
    try {
      const stored = await waitFor('both valid events in bronze', 30_000, async () => {
        const ids = await bronzeEventIds(s3, config.s3.bucket, config.s3.bronzePrefix);
        return ids.includes(before.event_id) && ids.includes(after.event_id) ? ids : undefined;
      });
      assert.equal(stored.length, 2, 'only the valid events are in bronze');
    } finally {
      await consumer.stop();
      s3.destroy();
    }

    dlqReader = createKafka(config.kafka, 'test-dlq-reader').consumer({ groupId: `${config.kafka.groupId}-dlq-reader` });
    await dlqReader.connect();
    await dlqReader.subscribe({ topic: config.kafka.dlqTopic, fromBeginning: true });
    const letters: DeadLetter[] = [];
    await dlqReader.run({
      eachMessage: ({ message }) => {
        letters.push(JSON.parse(message.value?.toString('utf8') ?? '{}') as DeadLetter);
        return Promise.resolve();
      },
    });
    await waitFor('the dead letters', 30_000, () => Promise.resolve(letters.length >= bad.length ? true : undefined));

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
});
