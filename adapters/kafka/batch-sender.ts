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
  isConnected(): boolean;
  /** Connects, retrying in the background until it succeeds or `disconnect` is called. */
  start(): Promise<void>;
  disconnect(): Promise<void>;
}

const RECONNECT_DELAY_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createKafkaBatchSender(kafka: Kafka, topic: string, onError: (err: unknown) => void = () => {}): BatchSender {
  // Idempotent: the broker drops a retried batch it already wrote, and keeps each partition's order.
  // kafkajs then retries without limit (its default for idempotence): a send that gave up could leave the
  // producer's sequence numbers behind what the broker stored, and a later batch reusing them would be
  // acknowledged as a duplicate without being written. Callers get their answer from their own deadline;
  // the short backoff cap means a send resumes within about a second once the broker is back.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  let connected = false;
  let stopped = false;
  producer.on(producer.events.CONNECT, () => {
    connected = true;
  });
  producer.on(producer.events.DISCONNECT, () => {
    connected = false;
  });

  return {
    async send(messages) {
      await producer.send({ topic, acks: -1, messages });
    },
    isConnected: () => connected,
    async start() {
      while (!stopped) {
        try {
          await producer.connect();
          return;
        } catch (err) {
          onError(err);
          await sleep(RECONNECT_DELAY_MS);
        }
      }
    },
    async disconnect() {
      stopped = true;
      await producer.disconnect();
    },
  };
}
