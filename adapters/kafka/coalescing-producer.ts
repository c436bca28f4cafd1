/**
 * Publishes events by gathering the messages of concurrent callers into one send: kafkajs has no
 * client-side linger, so one awaited send per request would cap throughput at one broker round trip
 * per request.
 *
 * A batch leaves when its oldest message has waited `lingerMs`, or at once when `maxBatchMessages`
 * are queued, or as soon as as many messages are queued as the previous batch carried. The last rule
 * stops the linger from taxing every round: under steady load the callers answered by one batch come
 * back with the next one, so once they are all queued there is nothing left to wait for (at one client
 * this sends each request at once; at a hundred, a hundred at a time). One batch is in flight at a time: together with the idempotent producer this keeps the
 * order of messages within each partition (so each user's events keep the order in which the API
 * accepted them). A caller's events travel in one batch and are settled together.
 *
 * Each caller has its own deadline (`ackTimeoutMs`). When it passes while the events are still queued,
 * they are taken out of the queue and will never be written; when they are already in flight, the
 * caller is told so (`mayHaveBeenWritten`), because the send goes on and may still succeed.
 */
import { eventMessage, type RatingEvent } from '../../domain/events';
import { BrokerUnavailableError, PublishTimeoutError, type EventPublisher, type PublishAck } from '../../domain/event-publisher';
import type { BatchSender, OutgoingMessage } from './batch-sender';

export interface CoalescingOptions {
  lingerMs: number;
  maxBatchMessages: number;
  ackTimeoutMs: number;
}

interface Pending {
  events: RatingEvent[];
  messages: OutgoingMessage[];
  enqueuedAt: number;
  state: 'queued' | 'sending' | 'settled';
  deadline: NodeJS.Timeout;
  resolve(acks: PublishAck[]): void;
  reject(err: Error): void;
}

export class CoalescingPublisher implements EventPublisher {
  private queue: Pending[] = [];
  private queuedMessages = 0;
  private inFlight: Promise<void> | undefined;
  private inFlightSince: number | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private closing = false;
  /** Messages in the last batch sent: the size at which the next batch is complete enough to go. */
  private expectedBatch = Number.POSITIVE_INFINITY;

  constructor(
    private readonly sender: BatchSender,
    private readonly options: CoalescingOptions,
  ) {}

  publish(events: RatingEvent[]): Promise<PublishAck[]> {
    if (events.length === 0) return Promise.resolve([]);
    if (this.closing) return Promise.reject(new BrokerUnavailableError('the publisher is shutting down', false));
    return new Promise<PublishAck[]>((resolve, reject) => {
      const entry: Pending = {
        events,
        messages: events.map(eventMessage),
        enqueuedAt: Date.now(),
        state: 'queued',
        deadline: setTimeout(() => this.expire(entry), this.options.ackTimeoutMs),
        resolve,
        reject,
      };
      this.queue.push(entry);
      this.queuedMessages += entry.messages.length;
      this.schedule();
    });
  }

  isReady(): boolean {
    const stuck = this.inFlightSince !== undefined && Date.now() - this.inFlightSince >= this.options.ackTimeoutMs;
    return this.sender.isHealthy() && !stuck;
  }

  /** Sends what is queued without waiting for the linger, waits for the last acknowledgement, disconnects. */
  async close(): Promise<void> {
    this.closing = true;
    this.schedule();
    while (this.inFlight !== undefined || this.queue.length > 0) {
      await (this.inFlight ?? new Promise((resolve) => setTimeout(resolve, 5)));
    }
    await this.sender.disconnect();
  }

  private schedule(): void {
    if (this.inFlight !== undefined || this.queue.length === 0) return;
    const oldest = this.queue[0] as Pending;
    const wait = oldest.enqueuedAt + this.options.lingerMs - Date.now();
    const full = this.queuedMessages >= Math.min(this.options.maxBatchMessages, this.expectedBatch);
    if (this.closing || full || wait <= 0) {
      this.flush();
    } else if (this.lingerTimer === undefined) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        this.schedule();
      }, wait);
    }
  }

  private flush(): void {
    if (this.lingerTimer !== undefined) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    // Whole callers only; a caller larger than the cap goes alone.
    const batch: Pending[] = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      if (batch.length > 0 && size + next.messages.length > this.options.maxBatchMessages) break;
      this.queue.shift();
      batch.push(next);
      size += next.messages.length;
      next.state = 'sending';
    }
    this.queuedMessages -= size;
    this.expectedBatch = size;
    this.inFlightSince = Date.now();
    this.inFlight = this.sender
      .send(batch.flatMap((entry) => entry.messages))
      .then(
        () => {
          for (const entry of batch) this.settle(entry, () => entry.resolve(entry.events.map((e) => ({ event_id: e.event_id }))));
        },
        (err: unknown) => {
          const failure = new BrokerUnavailableError(`the broker did not accept the events: ${err instanceof Error ? err.message : String(err)}`, true, { cause: err });
          for (const entry of batch) this.settle(entry, () => entry.reject(failure));
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        this.inFlightSince = undefined;
        this.schedule();
      });
  }

  private expire(entry: Pending): void {
    if (entry.state === 'queued') {
      const index = this.queue.indexOf(entry);
      if (index >= 0) this.queue.splice(index, 1);
      this.queuedMessages -= entry.messages.length;
      this.settle(entry, () => entry.reject(new PublishTimeoutError(`no acknowledgement within ${this.options.ackTimeoutMs} ms; the events were not sent`, false)));
    } else if (entry.state === 'sending') {
      this.settle(entry, () => entry.reject(new PublishTimeoutError(`no acknowledgement within ${this.options.ackTimeoutMs} ms`, true)));
    }
  }

  private settle(entry: Pending, answer: () => void): void {
    if (entry.state === 'settled') return;
    entry.state = 'settled';
    clearTimeout(entry.deadline);
    answer();
  }
}
