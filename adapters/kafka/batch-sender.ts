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
  /** Connected, and not replacing a producer that rejected a send. */
  isHealthy(): boolean;
  /** Connects, retrying in the background until it succeeds or `disconnect` is called. */
  start(): Promise<void>;
  disconnect(): Promise<void>;
}

const RECONNECT_DELAY_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createKafkaBatchSender(kafka: Pick<Kafka, 'producer'>, topic: string, onError: (err: unknown) => void = () => {}): BatchSender {
  let producer: Producer;
  let connected = false;
  let stopped = false;
  let replacing: Promise<void> | undefined;

  function createProducer(): Producer {
    // Idempotent: the broker drops a retried batch it already wrote, and keeps each partition's order.
    // kafkajs retries without limit (its default for idempotence), so a send gives up only on an error it
    // does not retry; what follows such a send is `replace`'s business. Callers get their answer from their
    // own deadline; the short backoff cap means a send resumes within about a second once the broker is back.
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

  /**
   * A rejected send may still have been written: the broker can store a batch whose answer never
   * arrives, and kafkajs then rolls the partitions' sequence numbers back. The next batch through the
   * same producer would reuse those numbers, and one with as many messages per partition would be
   * acknowledged as a duplicate of the stored batch without being written. So a producer sends nothing
   * after a rejection: a new one, with a new producer id (and sequence numbers from zero), takes over.
   */
  function replace(failing: Producer): void {
    onError(new Error('the Kafka producer rejected a send; replacing it with a new one, so that no later batch reuses its sequence numbers'));
    connected = false;
    producer = createProducer();
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
      } catch (err) {
        if (sending === producer && !stopped) replace(sending);
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
