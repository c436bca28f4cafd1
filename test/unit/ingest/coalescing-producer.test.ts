import assert from 'node:assert/strict';
import type { BatchSender, OutgoingMessage } from '../../../adapters/kafka/batch-sender';
import { CoalescingPublisher } from '../../../adapters/kafka/coalescing-producer';
import type { RatingEvent } from '../../../domain/events';
import { BrokerUnavailableError, PublishTimeoutError } from '../../../domain/event-publisher';

interface Call {
  messages: OutgoingMessage[];
  ack(): void;
  fail(err: Error): void;
}

/** A sender whose sends stay pending until the test acknowledges or fails them. */
function fakeSender() {
  const calls: Call[] = [];
  let connected = true;
  let disconnected = false;
  const sender: BatchSender = {
    send: (messages) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ messages, ack: resolve, fail: reject });
      }),
    isHealthy: () => connected,
    start: () => Promise.resolve(),
    disconnect: () => {
      disconnected = true;
      return Promise.resolve();
    },
  };
  return {
    sender,
    calls,
    setConnected: (value: boolean) => (connected = value),
    wasDisconnected: () => disconnected,
  };
}

let seq = 0;
const ev = (user_id = 1): RatingEvent => ({ event_id: `e${++seq}`, user_id, movie_id: 1, rating: 4, timestamp: '2024-01-01T00:00:00.000Z' });
const ids = (messages: OutgoingMessage[]) => messages.map((m) => (JSON.parse(m.value) as RatingEvent).event_id);
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await tick(1);
  assert.ok(check(), 'condition reached');
}

describe('adapters/kafka/coalescing-producer: gathering concurrent publishes into one send', () => {
  it('sends concurrent callers together after the linger and answers each with its own ids', async () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 5, maxBatchMessages: 100, ackTimeoutMs: 1000 });
    const a = [ev(1)];
    const b = [ev(2), ev(3)];
    const pa = p.publish(a);
    const pb = p.publish(b);
    assert.equal(f.calls.length, 0, 'waits for the linger');
    await until(() => f.calls.length === 1);
    assert.deepEqual(ids(f.calls[0]?.messages ?? []), [...a, ...b].map((e) => e.event_id));
    assert.deepEqual(f.calls[0]?.messages.map((m) => m.key), ['1', '2', '3']);
    f.calls[0]?.ack();
    assert.deepEqual(await pa, [{ event_id: a[0]?.event_id }]);
    assert.deepEqual(await pb, b.map((e) => ({ event_id: e.event_id })));
  });

  it('sends without lingering once as many messages are queued as the last batch carried', async () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 30, maxBatchMessages: 100, ackTimeoutMs: 120_000 });
    const first = [p.publish([ev(1)]), p.publish([ev(2)])];
    await until(() => f.calls.length === 1);
    f.calls[0]?.ack();
    await Promise.all(first);
    const third = [ev(3)];
    const fourth = [ev(4)];
    const c = p.publish(third);
    await tick(5);
    assert.equal(f.calls.length, 1, 'one message of an expected two: the linger still applies');
    const d = p.publish(fourth);
    await tick(0);
    assert.equal(f.calls.length, 2, 'two queued, as many as the last batch: sent at once');
    assert.deepEqual(ids(f.calls[1]?.messages ?? []), [...third, ...fourth].map((e) => e.event_id));
    f.calls[1]?.ack();
    await Promise.all([c, d]);
  });

  it('sends at once when the size cap is reached, without splitting a caller', async () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 20, maxBatchMessages: 3, ackTimeoutMs: 120_000 });
    const first = p.publish([ev(), ev()]);
    const second = p.publish([ev(), ev()]);
    assert.equal(f.calls.length, 1, 'cap reached: no linger');
    assert.equal(f.calls[0]?.messages.length, 2, 'the second caller does not fit and is not split');
    f.calls[0]?.ack();
    await first;
    await until(() => f.calls.length === 2);
    assert.equal(f.calls[1]?.messages.length, 2);
    f.calls[1]?.ack();
    await second;
    await p.close();
  });

  it('sends a caller larger than the cap on its own', async () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 1, maxBatchMessages: 2, ackTimeoutMs: 1000 });
    const big = p.publish([ev(), ev(), ev(), ev(), ev()]);
    assert.equal(f.calls[0]?.messages.length, 5);
    f.calls[0]?.ack();
    assert.equal((await big).length, 5);
  });

  it('keeps one batch in flight and preserves the order of messages across batches', async () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 0, maxBatchMessages: 100, ackTimeoutMs: 1000 });
    const order = [ev(9), ev(9), ev(9), ev(9)];
    const first = p.publish([order[0] as RatingEvent]);
    const rest = [p.publish([order[1] as RatingEvent]), p.publish([order[2] as RatingEvent, order[3] as RatingEvent])];
    assert.equal(f.calls.length, 1);
    await tick(5);
    assert.equal(f.calls.length, 1, 'the next batch waits for the acknowledgement');
    f.calls[0]?.ack();
    await first;
    await until(() => f.calls.length === 2);
    f.calls[1]?.ack();
    await Promise.all(rest);
    assert.deepEqual(f.calls.flatMap((c) => ids(c.messages)), order.map((e) => e.event_id));
  });

  it('rejects every caller of a failed batch and goes on with the next one', async () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 0, maxBatchMessages: 100, ackTimeoutMs: 1000 });
    const failed = p.publish([ev()]);
    const next = p.publish([ev()]);
    f.calls[0]?.fail(new Error('broker gone'));
    await assert.rejects(failed, (err: unknown) => err instanceof BrokerUnavailableError && err.mayHaveBeenWritten && /broker gone/.test(err.message));
    await until(() => f.calls.length === 2);
    f.calls[1]?.ack();
    assert.equal((await next).length, 1);
  });

  it('times out a queued caller, and never sends its events', async () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 0, maxBatchMessages: 100, ackTimeoutMs: 30 });
    const stuck = p.publish([ev()]);
    const queued = [ev()];
    const waiting = p.publish(queued);
    await assert.rejects(stuck, (err: unknown) => err instanceof PublishTimeoutError && err.mayHaveBeenWritten);
    await assert.rejects(waiting, (err: unknown) => err instanceof PublishTimeoutError && !err.mayHaveBeenWritten);
    await tick(2);
    assert.equal(p.isReady(), false, 'a send stuck past the deadline makes the publisher not ready');
    f.calls[0]?.ack();
    await tick(5);
    assert.equal(f.calls.length, 1, 'the expired caller was taken out of the queue');
    assert.equal(p.isReady(), true);
  });

  it('is not ready while the sender is disconnected', () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 0, maxBatchMessages: 100, ackTimeoutMs: 1000 });
    assert.equal(p.isReady(), true);
    f.setConnected(false);
    assert.equal(p.isReady(), false);
  });

  it('close sends what is queued without waiting for the linger, then disconnects and refuses new events', async () => {
    const f = fakeSender();
    const p = new CoalescingPublisher(f.sender, { lingerMs: 60_000, maxBatchMessages: 100, ackTimeoutMs: 120_000 });
    const pending = p.publish([ev()]);
    const closed = p.close();
    assert.equal(f.calls.length, 1);
    f.calls[0]?.ack();
    await pending;
    await closed;
    assert.ok(f.wasDisconnected());
    await assert.rejects(p.publish([ev()]), BrokerUnavailableError);
  });
});
