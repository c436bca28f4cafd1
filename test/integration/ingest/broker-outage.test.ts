import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../../config';
import { createKafka } from '../../../adapters/kafka/client';
import { createS3Client } from '../../../adapters/s3/client';
import { startBronzeConsumer, type RunningConsumer } from '../../../consumer/bronze-consumer';
import { servicesLayout } from '../../../scripts/services/layout';
import { servicesUp } from '../../../scripts/services/manager';
import { stopRecorded } from '../../../scripts/services/processes';
import { bronzeEventIds, isolatedConfig, topicEventIds, postJson, silentLogger, startApi, waitFor, type RunningApi } from './harness';

const CLIENTS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = () => {};

describe('ingest: Kafka stops while requests flow (real Kafka, stopped and restarted)', function () {
  this.timeout(300_000);
  let config: Config;
  let api: RunningApi;
  let s3: S3Client;
  let consumer: RunningConsumer | undefined;

  before(async () => {
    config = await isolatedConfig('outage');
    api = await startApi(config);
    s3 = createS3Client(config.s3);
  });
  after(async () => {
    // Whatever happened above, leave the broker running for the tests that follow.
    await servicesUp(config, quiet);
    await consumer?.stop();
    await api?.close();
    s3?.destroy();
  });

  it('every 202 ends in bronze, everything else is a 503 with Retry-After, and the API recovers by itself', async () => {
    type Phase = 'before' | 'outage' | 'after';
    let phase: Phase = 'before';
    let running = true;
    const accepted: { id: string; phase: Phase }[] = [];
    const refused: { id: string; phase: Phase }[] = [];
    const unexpected: string[] = [];

    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      let n = 0;
      while (running) {
        const id = `outage-${c}-${n++}-${randomUUID()}`;
        const sentIn = phase;
        const res = await postJson(`${api.url}/events`, { event_id: id, user_id: 1 + c, movie_id: n, rating: 4, timestamp: Date.now() });
        if (res.status === 202) accepted.push({ id, phase: sentIn });
        else if (res.status === 503 && res.retryAfter !== null && res.type.startsWith('application/problem+json')) {
          refused.push({ id, phase: sentIn });
          await sleep(100);
        } else unexpected.push(`${res.status} ${res.retryAfter} ${JSON.stringify(res.json)}`);
      }
    });

    await waitFor('acknowledged requests before the outage', 10_000, () => Promise.resolve(accepted.length >= 50 ? true : undefined));
    phase = 'outage';
    await stopRecorded(servicesLayout(config).runDir, 'kafka');
    await waitFor('503 answers during the outage', 20_000, () => Promise.resolve(refused.length >= 10 ? true : undefined));
    const readyDuringOutage = await fetch(`${api.url}/readyz`);
    await servicesUp(config, quiet);
    phase = 'after';
    const acceptedBeforeRecovery = accepted.length;
    await waitFor('acknowledged requests after Kafka is back', 60_000, () =>
      Promise.resolve(accepted.filter((a) => a.phase === 'after').length >= 50 ? true : undefined),
    );
    running = false;
    await Promise.all(clients);

    assert.deepEqual(unexpected, [], 'every answer is a 202 or a 503 problem with Retry-After');
    assert.ok(refused.length > 0);
    assert.equal(readyDuringOutage.status, 503, '/readyz reports the outage');
    assert.ok(accepted.length > acceptedBeforeRecovery, 'the API recovered without a restart');
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);

    consumer = await startBronzeConsumer({ kafka: createKafka(config.kafka, 'test-consumer'), kafkaConfig: config.kafka, s3, bucket: config.s3.bucket, prefix: config.s3.bronzePrefix, logger: silentLogger });
    let missing: { id: string; phase: Phase }[] = accepted;
    // Generous: after a broker restart on a loaded machine the new group's first join can take a while.
    await waitFor('every acknowledged event in bronze', 120_000, async () => {
      const ids = new Set(await bronzeEventIds(s3, config.s3.bucket, config.s3.bronzePrefix));
      missing = accepted.filter((a) => !ids.has(a.id));
      return missing.length === 0 ? true : undefined;
    }).catch(async (error: Error) => {
      const byPhase = missing.reduce<Record<string, number>>((n, m) => ({ ...n, [m.phase]: (n[m.phase] ?? 0) + 1 }), {});
      // Whether the broker holds them tells a lost acknowledgement from a consumer that skipped them.
      const inTopic = await topicEventIds(config, config.kafka.topic);
      const where = missing.map((m) => ({ ...m, in_topic: inTopic.get(m.id) ?? 'absent' }));
      throw new Error(`${error.message}: ${missing.length} of ${accepted.length} missing, by phase ${JSON.stringify(byPhase)}: ${JSON.stringify(where)}`);
    });
    assert.deepEqual(missing, []);
  });
});
