import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Kafka, Producer } from 'kafkajs';
import { createKafkaBatchSender } from '../../../adapters/kafka/batch-sender';

/** Producers that connect at once; each fails a send when `failing` says so for its number and the send's. */
function fakeKafka(failing: (producerNumber: number, sendNumber: number) => boolean) {
  const producers: { number: number; sends: number; disconnected: boolean }[] = [];
  const kafka: Pick<Kafka, 'producer'> = {
    producer: () => {
      const state = { number: producers.length + 1, sends: 0, disconnected: false };
      producers.push(state);
      const emitter = new EventEmitter();
      const producer = {
        events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
        on: (event: string, listener: () => void) => emitter.on(event, listener),
        connect: () => {
          emitter.emit('producer.connect');
          return Promise.resolve();
        },
        disconnect: () => {
          state.disconnected = true;
          emitter.emit('producer.disconnect');
          return Promise.resolve();
        },
        send: () => {
          state.sends++;
          return failing(state.number, state.sends) ? Promise.reject(new Error('The broker received an out of order sequence number')) : Promise.resolve([]);
        },
      };
      return producer as unknown as Producer;
    },
  };
  return { kafka, producers };
}

const message = [{ key: '1', value: '{}' }];

describe('adapters/kafka/batch-sender: a producer that rejected a send is replaced', () => {
  it('replaces the producer after one rejected send, and is unhealthy until the new one is connected', async () => {
    const { kafka, producers } = fakeKafka((n) => n === 1);
    const errors: string[] = [];
    const sender = createKafkaBatchSender(kafka, 'topic', (err) => errors.push(String(err)));
    await sender.start();
    assert.equal(sender.isHealthy(), true);

    await assert.rejects(sender.send(message), /out of order/);
    assert.equal(producers.length, 2, 'a new producer was created');
    assert.equal(sender.isHealthy(), false, 'readiness shows the replacement');

    await sender.send(message);
    assert.equal(sender.isHealthy(), true);
    assert.equal(producers[0]?.disconnected, true, 'the failing producer was disconnected');
    assert.equal(producers[1]?.sends, 1, 'the send went through the new producer');
    assert.ok(errors.some((e) => /rejected a send; replacing it/.test(e)), errors.join('\n'));
    await sender.disconnect();
  });

  it('never sends through a producer again once it rejected a send, whose sequence numbers may be behind the broker', async () => {
    // The first producer's first send is rejected, as when the broker stored a batch whose answer was lost.
    const { kafka, producers } = fakeKafka((n, k) => n === 1 && k === 1);
    const sender = createKafkaBatchSender(kafka, 'topic');
    await sender.start();
    await assert.rejects(sender.send(message));
    for (let i = 0; i < 3; i++) await sender.send(message);
    assert.deepEqual(
      producers.map((p) => p.sends),
      [1, 3],
    );
    await sender.disconnect();
  });
});
