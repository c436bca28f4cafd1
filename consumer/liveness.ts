/**
 * Whether a Kafka consumer loop is alive: kafkajs reports every fetch it starts and every group
 * heartbeat, so a loop that still runs — even one retrying a failing batch, or waiting for a broker —
 * keeps reporting; one that crashed for good, stopped, or hangs inside a batch does not.
 */
import type { Consumer } from 'kafkajs';

/** How long a loop may go without a fetch or heartbeat, unless the configuration says otherwise. */
export const DEFAULT_STALL_MS = 120_000;

export interface LivenessReport {
  consumer: string;
  alive: boolean;
  /** Milliseconds since the loop last fetched or heartbeated (since it started, if never). */
  idle_ms: number;
  problem?: string;
}

export interface ConsumerLiveness {
  report(): LivenessReport;
}

export function trackLiveness(consumer: Pick<Consumer, 'on' | 'events'>, name: string, stallMs: number, now: () => number = Date.now): ConsumerLiveness {
  let lastActivity = now();
  let ended: string | undefined;
  const touch = () => {
    lastActivity = now();
  };
  consumer.on(consumer.events.FETCH_START, touch);
  consumer.on(consumer.events.HEARTBEAT, touch);
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) ended = `crashed and will not restart: ${String(event.payload.error)}`;
  });
  consumer.on(consumer.events.STOP, () => {
    ended = 'stopped';
  });
  return {
    report() {
      const idle = now() - lastActivity;
      const problem = ended ?? (idle > stallMs ? `no fetch or heartbeat for ${Math.round(idle / 1000)} s` : undefined);
      return { consumer: name, alive: problem === undefined, idle_ms: idle, ...(problem === undefined ? {} : { problem }) };
    },
  };
}
