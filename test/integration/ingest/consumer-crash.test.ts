import assert from 'node:assert/strict';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../../config';
import { createS3Client } from '../../../adapters/s3/client';
import { spawnConsumer, type ConsumerProcess } from './consumer-process';
import { bronzeEventIds, isolatedConfig, postJson, readBronze, startApi, waitFor, type RunningApi } from './harness';

/** At least this many batches (22,000 events), and the stream goes on until some batches after the kill. */
const BATCHES = 110;
const BATCHES_AFTER_KILL = 20;
/** A bound on the stream if the consumer is slow to start (a loaded machine): 80,000 events. */
const MAX_BATCHES = 400;
const BATCH_SIZE = 200;
const BATCH_CLIENTS = 4;

describe('ingest: the consumer is killed mid-stream and restarted (real Kafka, MinIO, consumer process)', function () {
  this.timeout(150_000);
  let config: Config;
  let api: RunningApi;
  let s3: S3Client;
  const consumers: ConsumerProcess[] = [];

  before(async () => {
    config = await isolatedConfig('crash');
    api = await startApi(config);
    s3 = createS3Client(config.s3);
  });
  after(async () => {
    for (const c of consumers) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await api?.close();
    s3?.destroy();
  });

  it('every acknowledged event_id is in bronze after a SIGKILL (duplicates allowed, losses not)', async () => {
    const acknowledged: string[] = [];
    let sentBatches = 0;
    let stopAfter = MAX_BATCHES;
    const stream = Promise.all(
      Array.from({ length: BATCH_CLIENTS }, async () => {
        while (sentBatches < stopAfter) {
          const b = sentBatches++;
          const events = Array.from({ length: BATCH_SIZE }, (_, i) => ({ user_id: 1 + ((b * BATCH_SIZE + i) % 943), movie_id: 1 + (i % 1682), rating: 1 + (i % 9) * 0.5, timestamp: 1_700_000_000 + b }));
          const res = await postJson(`${api.url}/events/batch`, events);
          assert.equal(res.status, 202, JSON.stringify(res.json));
          acknowledged.push(...(res.json.event_ids as string[]));
        }
      }),
    );

    const first = spawnConsumer(config);
    consumers.push(first);
    // Kill it once it has stored part of the stream and while the stream is still flowing.
    await waitFor('the first consumer to store some objects', 60_000, async () => {
      const objects = await readBronze(s3, config.s3.bucket, config.s3.bronzePrefix);
      return objects.length >= 2 ? true : undefined;
    });
    assert.ok(sentBatches < MAX_BATCHES, 'the stream is still flowing when the consumer is killed');
    stopAfter = Math.max(BATCHES, sentBatches + BATCHES_AFTER_KILL);
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    assert.equal(killed.signal, 'SIGKILL');
    const storedAtKill = (await bronzeEventIds(s3, config.s3.bucket, config.s3.bronzePrefix)).length;

    const second = spawnConsumer(config);
    consumers.push(second);
    await stream;
    assert.equal(acknowledged.length, stopAfter * BATCH_SIZE);
    assert.ok(acknowledged.length >= BATCHES * BATCH_SIZE);
    assert.ok(storedAtKill < acknowledged.length, 'part of the stream was left for the restarted consumer');

    const stored = await waitFor('every acknowledged event in bronze', 90_000, async () => {
      const ids = new Set(await bronzeEventIds(s3, config.s3.bucket, config.s3.bronzePrefix));
      return acknowledged.every((id) => ids.has(id)) ? ids : undefined;
    });
    const missing = acknowledged.filter((id) => !stored.has(id));
    assert.deepEqual(missing, []);

    // A graceful stop commits and exits cleanly.
    second.child.kill('SIGTERM');
    const stopped = await second.exited;
    assert.equal(stopped.code, 0, second.output());
  });
});
