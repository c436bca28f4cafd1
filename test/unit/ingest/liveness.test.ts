import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { trackLiveness } from '../../../consumer/liveness';

const events = { FETCH_START: 'consumer.fetch_start', HEARTBEAT: 'consumer.heartbeat', CRASH: 'consumer.crash', STOP: 'consumer.stop' };

function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer = { events, on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener) } as unknown as Pick<Consumer, 'on' | 'events'>;
  return { consumer, emit: (event: string, payload: unknown = {}) => emitter.emit(event, { payload }) };
}

describe('consumer/liveness: is a Kafka consumer loop alive', () => {
  it('is alive while fetches or heartbeats come, and stalled after the limit without them', () => {
    let clock = 0;
    const { consumer, emit } = fakeConsumer();
    const liveness = trackLiveness(consumer, 'bronze', 1000, () => clock);
    clock = 900;
    assert.equal(liveness.report().alive, true);
    emit(events.FETCH_START);
    clock = 1800;
    emit(events.HEARTBEAT);
    clock = 2700;
    assert.deepEqual(liveness.report(), { consumer: 'bronze', alive: true, idle_ms: 900 });
    clock = 3900;
    assert.deepEqual(liveness.report(), { consumer: 'bronze', alive: false, idle_ms: 2100, problem: 'no fetch or heartbeat for 2 s' });
  });

  it('is dead after a crash kafkajs will not restart from, or a stop, but not after one it restarts from', () => {
    const { consumer, emit } = fakeConsumer();
    const liveness = trackLiveness(consumer, 'fresh-ratings', 60_000);
    emit(events.CRASH, { error: new Error('retriable'), restart: true });
    assert.equal(liveness.report().alive, true);
    emit(events.CRASH, { error: new Error('The group is rebalancing'), restart: false });
    assert.match(liveness.report().problem ?? '', /crashed and will not restart: Error: The group is rebalancing/);

    const stopped = fakeConsumer();
    const other = trackLiveness(stopped.consumer, 'bronze', 60_000);
    stopped.emit(events.STOP);
    assert.equal(other.report().problem, 'stopped');
  });
});
