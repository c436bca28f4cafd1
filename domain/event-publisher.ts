/**
 * What the API needs from the message broker: publish events and learn, per event, whether the broker
 * acknowledged them. Implemented in adapters/kafka; the API never sees the Kafka client.
 */
import type { RatingEvent } from './events';

export interface PublishAck {
  event_id: string;
}

export interface EventPublisher {
  /** Resolves once the broker acknowledged every event (acks=all); rejects with a PublishError otherwise. */
  publish(events: RatingEvent[]): Promise<PublishAck[]>;
  /** Connected to the broker, its producer not failing every send, and not stuck on an unacknowledged send. */
  isReady(): boolean;
  close(): Promise<void>;
}

/** Base of the failures that mean "not acknowledged": the API answers 503 and the client retries. */
export class PublishError extends Error {
  /**
   * `false` when the events never left this process (they will not be written);
   * `true` when they were handed to the broker without an answer (they may still be written once).
   */
  constructor(
    message: string,
    readonly mayHaveBeenWritten: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No acknowledgement within the deadline. */
export class PublishTimeoutError extends PublishError {}

/** The broker refused the send or could not be reached. */
export class BrokerUnavailableError extends PublishError {}
