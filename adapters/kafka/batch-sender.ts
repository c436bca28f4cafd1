/**
 * The one place that talks to the Kafka client for publishing: a sender that writes a list of keyed
 * messages with acks=all and resolves when the broker acknowledged all of them. Everything above it
 * (coalescing, timeouts, the API) depends on the `BatchSender` interface only, so the client can be swapped.
 */
import type { Kafka, Producer } from 'kafkajs';

export interface OutgoingMessage {
  key: string;
  value: string;
}

export interface BatchSender {
  /** Resolves when every message is acknowledged by all in-sync replicas. */
  send(messages: OutgoingMessage[]): Promise<void>;
  /** Connected, and not failing every send (a producer that does is being replaced). */
  isHealthy(): boolean;
  /** Connects, retrying in the background until it succeeds or `disconnect` is called. */
  start(): Promise<void>;
  disconnect(): Promise<void>;
}

const RECONNECT_DELAY_MS = 1000;
/**
 * Sends rejected in a row after which the producer is replaced by a new one. With unlimited retries a
 * send rejects only on an error kafkajs does not retry; some of those (a fatal idempotence error such
 * as an out-of-order sequence) leave the producer failing every later send, and only a new producer,
 * with a new producer id, recovers. One or two rejections can be the batch's own fault.
 */
export const FAILED_SENDS_BEFORE_REPLACING = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createKafkaBatchSender(kafka: Pick<Kafka, 'producer'>, topic: string, onError: (err: unknown) => void = () => {}): BatchSender {
  let producer: Producer;
  let connected = false;
  let stopped = false;
  let failedInARow = 0;
  let replacing: Promise<void> | undefined;

  function createProducer(): Producer {
    // Idempotent: the broker drops a retried batch it already wrote, and keeps each partition's order.
    // kafkajs then retries without limit (its default for idempotence): a send that gave up could leave the
    // producer's sequence numbers behind what the broker stored, and a later batch reusing them would be
    // acknowledged as a duplicate without being written. Callers get their answer from their own deadline;
    // the short backoff cap means a send resumes within about a second once the broker is back.
    const created = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    // Events of a replaced producer say nothing about the current one.
    created.on(created.events.CONNECT, () => {
      if (created === producer) connected = true;
    });
    created.on(created.events.DISCONNECT, () => {
      if (created === producer) connected = false;
    });
    return created;
  }

  async function connect(target: Producer): Promise<void> {
    while (!stopped && target === producer) {
      try {
        await target.connect();
        return;
      } catch (err) {
        onError(err);
        await sleep(RECONNECT_DELAY_MS);
      }
    }
  }

  function replace(failing: Producer): void {
    onError(new Error(`the Kafka producer rejected ${failedInARow} sends in a row; replacing it with a new one`));
    connected = false;
    producer = createProducer();
    failedInARow = 0;
    replacing = failing
      .disconnect()
      .catch(() => undefined)
      .then(() => connect(producer))
      .finally(() => {
        replacing = undefined;
      });
  }

  producer = createProducer();
  return {
    async send(messages) {
      if (replacing) await replacing;
      const sending = producer;
      try {
        await sending.send({ topic, acks: -1, messages });
        if (sending === producer) failedInARow = 0;
      } catch (err) {
        if (sending === producer && ++failedInARow >= FAILED_SENDS_BEFORE_REPLACING && !stopped) replace(sending);
        throw err;
      }
    },
    isHealthy: () => connected && replacing === undefined,
    start: () => connect(producer),
    async disconnect() {
      stopped = true;
      await replacing;
      await producer.disconnect();
    },
  };
}
