import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../../config';
import { createKafka } from '../../../adapters/kafka/client';
import { createS3Client } from '../../../adapters/s3/client';
import { startBronzeConsumer, type RunningConsumer } from '../../../consumer/bronze-consumer';
import { bronzeEventIds, isolatedConfig, postJson, readBronze, silentLogger, startApi, topicMessageCount, waitFor, type RunningApi } from './harness';

describe('ingest: POST /events → Kafka → consumer → S3 bronze (real Kafka and MinIO)', function () {
  this.timeout(60_000);
  let config: Config;
  let api: RunningApi;
  let consumer: RunningConsumer;
  let s3: S3Client;

  before(async () => {
    config = await isolatedConfig('api');
    s3 = createS3Client(config.s3);
    api = await startApi(config);
    consumer = await startBronzeConsumer({
      kafka: createKafka(config.kafka, 'test-consumer'),
      kafkaConfig: config.kafka,
      s3,
      bucket: config.s3.bucket,
      prefix: config.s3.bronzePrefix,
      logger: silentLogger,
    });
  });
  after(async () => {
    await consumer?.stop();
    await api?.close();
    s3?.destroy();
  });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${api.url}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${api.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  });

  it('stores a posted event in bronze with every field as sent, under the ingestion date', async () => {
    const datesAround = [new Date().toISOString().slice(0, 10)];
    const sent = { event_id: `test-${randomUUID()}`, user_id: 42, movie_id: 1193, rating: 4.5, timestamp: '2024-05-01T12:34:56.789Z' };
    const res = await postJson(`${api.url}/events`, sent);
    assert.equal(res.status, 202);
    assert.deepEqual(res.json, { event_id: sent.event_id });
    datesAround.push(new Date().toISOString().slice(0, 10));

    const [object, line] = await waitFor('the event in bronze', 30_000, async () => {
      for (const o of await readBronze(s3, config.s3.bucket, config.s3.bronzePrefix)) {
        const found = o.lines.find((l) => l.includes(sent.event_id));
        if (found) return [o, found] as const;
      }
      return undefined;
    });
    assert.deepEqual(JSON.parse(line), sent);
    const match = /\/dt=(\d{4}-\d{2}-\d{2})\/([^/]+)-p(\d+)-(\d{20})-(\d{20})\.jsonl$/.exec(object.key);
    assert.ok(match, `object key ${object.key} has the bronze layout`);
    assert.ok(datesAround.includes(match[1] as string), `dt=${match[1]} is the ingestion date`);
    assert.equal(match[2], config.kafka.topic);
    assert.ok(object.key.startsWith(`${config.s3.bronzePrefix}/dt=`));
  });

  it('assigns an event_id when absent and normalises the timestamp to ISO-8601 UTC', async () => {
    const res = await postJson(`${api.url}/events`, { user_id: 7, movie_id: 3, rating: 3, timestamp: 1_700_000_000 });
    assert.equal(res.status, 202);
    const eventId = res.json.event_id as string;
    assert.match(eventId, /^[0-9a-f-]{36}$/);
    const line = await waitFor('the event in bronze', 30_000, async () => {
      for (const o of await readBronze(s3, config.s3.bucket, config.s3.bronzePrefix)) {
        const found = o.lines.find((l) => l.includes(eventId));
        if (found) return found;
      }
      return undefined;
    });
    assert.deepEqual(JSON.parse(line), { event_id: eventId, user_id: 7, movie_id: 3, rating: 3, timestamp: '2023-11-14T22:13:20.000Z' });
  });

  it('accepts a batch and stores every event of it', async () => {
    const events = Array.from({ length: 250 }, (_, i) => ({ user_id: 1000 + (i % 17), movie_id: 1 + i, rating: 0.5 + (i % 10) * 0.5, timestamp: 1_600_000_000_000 + i }));
    const res = await postJson(`${api.url}/events/batch`, events);
    assert.equal(res.status, 202);
    const ids = res.json.event_ids as string[];
    assert.equal(res.json.accepted, 250);
    assert.equal(new Set(ids).size, 250);
    await waitFor('all batch events in bronze', 30_000, async () => {
      const stored = new Set(await bronzeEventIds(s3, config.s3.bucket, config.s3.bronzePrefix));
      return ids.every((id) => stored.has(id)) ? true : undefined;
    });
    const byId = new Map(
      (await readBronze(s3, config.s3.bucket, config.s3.bronzePrefix)).flatMap((o) => o.lines.map((l) => JSON.parse(l) as { event_id: string; movie_id: number; rating: number })).map((e) => [e.event_id, e]),
    );
    ids.forEach((id, i) => {
      assert.equal(byId.get(id)?.movie_id, events[i]?.movie_id);
      assert.equal(byId.get(id)?.rating, events[i]?.rating);
    });
  });
});

describe('ingest: invalid requests get 400 problem+json and nothing reaches Kafka', function () {
  this.timeout(60_000);
  let config: Config;
  let api: RunningApi;
  const valid = { user_id: 1, movie_id: 2, rating: 4, timestamp: 1_700_000_000 };

  before(async () => {
    config = await isolatedConfig('invalid');
    api = await startApi(config);
  });
  after(async () => {
    await api?.close();
  });

  const cases: { name: string; body: unknown; fields: string[] }[] = [
    { name: 'missing fields', body: {}, fields: ['user_id', 'movie_id', 'rating', 'timestamp'] },
    { name: 'non-positive and non-integer ids', body: { ...valid, user_id: 0, movie_id: 2.5 }, fields: ['user_id', 'movie_id'] },
    { name: 'ids as strings', body: { ...valid, user_id: '1' }, fields: ['user_id'] },
    { name: 'ids above 2^31−1 (2147483648, 4294967338)', body: { ...valid, user_id: 2_147_483_648, movie_id: 4_294_967_338 }, fields: ['user_id', 'movie_id'] },
    { name: 'rating out of range', body: { ...valid, rating: 5.5 }, fields: ['rating'] },
    { name: 'rating not in 0.5 steps', body: { ...valid, rating: 3.7 }, fields: ['rating'] },
    { name: 'rating zero', body: { ...valid, rating: 0 }, fields: ['rating'] },
    { name: 'timestamp text', body: { ...valid, timestamp: 'yesterday' }, fields: ['timestamp'] },
    { name: 'timestamp without zone', body: { ...valid, timestamp: '2024-01-01T10:00:00' }, fields: ['timestamp'] },
    { name: 'timestamp negative', body: { ...valid, timestamp: -5 }, fields: ['timestamp'] },
    { name: 'bad event_id', body: { ...valid, event_id: 'has spaces' }, fields: ['event_id'] },
    { name: 'unknown field', body: { ...valid, extra: true }, fields: ['extra'] },
    { name: 'an array to the single endpoint', body: [valid], fields: ['(body)'] },
  ];

  for (const c of cases) {
    it(`POST /events: ${c.name} → 400 naming ${c.fields.join(', ')}`, async () => {
      const res = await postJson(`${api.url}/events`, c.body);
      assert.equal(res.status, 400);
      assert.match(res.type, /^application\/problem\+json/);
      assert.equal(res.json.status, 400);
      const named = (res.json.errors as { field: string }[]).map((e) => e.field).sort();
      assert.deepEqual(named, [...c.fields].sort());
    });
  }

  it('POST /events: malformed JSON → 400 problem+json', async () => {
    const res = await postJson(`${api.url}/events`, '{"user_id": 1,');
    assert.equal(res.status, 400);
    assert.match(res.type, /^application\/problem\+json/);
    assert.equal(res.json.title, 'Malformed JSON');
  });

  it('POST /events: a JSON scalar body → 400 problem+json', async () => {
    const res = await postJson(`${api.url}/events`, '42');
    assert.equal(res.status, 400);
    assert.match(res.type, /^application\/problem\+json/);
  });

  it('POST /events: not JSON → 415 problem+json', async () => {
    const res = await fetch(`${api.url}/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'user_id=1' });
    assert.equal(res.status, 415);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('POST /events/batch: a body over the size limit → 413 problem+json', async () => {
    const big = Array.from({ length: 20_000 }, () => valid);
    const res = await postJson(`${api.url}/events/batch`, big);
    assert.equal(res.status, 413);
    assert.match(res.type, /^application\/problem\+json/);
  });

  it('POST /events/batch: names the invalid items by index, publishes none of the batch', async () => {
    const res = await postJson(`${api.url}/events/batch`, [valid, { ...valid, rating: 9 }, valid, { user_id: 3 }]);
    assert.equal(res.status, 400);
    const errors = res.json.errors as { index: number; field: string }[];
    assert.deepEqual([...new Set(errors.map((e) => e.index))], [1, 3]);
    assert.ok(errors.some((e) => e.index === 1 && e.field === 'rating'));
    assert.ok(errors.some((e) => e.index === 3 && e.field === 'movie_id'));
  });

  it('POST /events/batch: empty, too long, or not an array → 400', async () => {
    for (const body of [[], Array.from({ length: 1001 }, () => valid), valid]) {
      const res = await postJson(`${api.url}/events/batch`, body);
      assert.equal(res.status, 400);
      assert.match(res.type, /^application\/problem\+json/);
    }
  });

  it('nothing of the above reached the topic', async () => {
    assert.equal(await topicMessageCount(config, config.kafka.topic), 0);
  });
});
