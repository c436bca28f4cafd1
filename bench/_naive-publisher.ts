/**
 * The seed's design, kept as the benchmark's baseline: every request awaits its own send, so throughput
 * is bounded by one broker round trip per request (kafkajs does not batch across sends).
 */
import type { BatchSender } from '../adapters/kafka/batch-sender';
import { eventMessage, type RatingEvent } from '../domain/events';
import { BrokerUnavailableError, PublishTimeoutError, type EventPublisher, type PublishAck } from '../domain/event-publisher';

export class NaivePublisher implements EventPublisher {
  constructor(
    private readonly sender: BatchSender,
    private readonly ackTimeoutMs: number,
  ) {}

  async publish(events: RatingEvent[]): Promise<PublishAck[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PublishTimeoutError(`no acknowledgement within ${this.ackTimeoutMs} ms`, true)), this.ackTimeoutMs);
    });
    try {
      await Promise.race([
        this.sender.send(events.map(eventMessage)).catch((err: unknown) => {
          throw new BrokerUnavailableError(String(err), true, { cause: err });
        }),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
    return events.map((e) => ({ event_id: e.event_id }));
  }

  isReady(): boolean {
    return this.sender.isHealthy();
  }

  close(): Promise<void> {
    return this.sender.disconnect();
  }
}
