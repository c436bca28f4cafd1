import assert from 'node:assert/strict';
import { freePort } from '../../support/ports';
import { spawnConsumer, type ConsumerProcess } from './consumer-process';
import { isolatedConfig } from './harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Health {
  status: string;
  consumers: { consumer: string; alive: boolean; idle_ms: number; problem?: string }[];
}

/** The consumer process's liveness endpoint, against the real broker. */
describe('consumer: liveness endpoint (real consumer process and Kafka)', function () {
  this.timeout(90_000);
  let consumer: ConsumerProcess | undefined;

  after(async () => {
    if (consumer && consumer.child.exitCode === null) {
      consumer.child.kill('SIGCONT');
      consumer.child.kill('SIGKILL');
      await consumer.exited;
    }
  });

  it('answers 200 while both consumer loops fetch, also idle past the stall limit, and 405 with Allow to other methods', async () => {
    const config = await isolatedConfig('liveness');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/healthz`;
    consumer = spawnConsumer(config, { CONSUMER_HEALTH_PORT: String(port), CONSUMER_STALL_MS: '8000' });
    let health: Health | undefined;
    for (const deadline = Date.now() + 45_000; Date.now() < deadline; await sleep(250)) {
      const res = await fetch(url).catch(() => undefined);
      if (res?.status === 200) {
        health = (await res.json()) as Health;
        break;
      }
    }
    assert.ok(health, `the endpoint answered 200\n${consumer.output()}`);
    assert.equal(health.status, 'ok');
    assert.deepEqual(health.consumers.map((c) => c.consumer).sort(), ['bronze', 'fresh-ratings']);

    // Still alive well past the stall limit while idle on an empty topic: fetches and heartbeats go on.
    await sleep(10_000);
    assert.equal((await fetch(url)).status, 200);

    assert.equal((await fetch(url, { method: 'POST' })).headers.get('allow'), 'GET');
    consumer.child.kill('SIGTERM');
    await consumer.exited;
    await assert.rejects(fetch(url), 'the endpoint goes away with the process');
  });
});
