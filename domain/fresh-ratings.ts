/**
 * Fresh ratings: what the consumer stores for the online side, from the moment an event is accepted
 * until a served model contains it. Each stored rating carries where Kafka put it, so the API can tell
 * exactly which ones a model's snapshot holds (its bronze offset watermark).
 */
import { isCovered, type BronzeWatermark } from './bronze';
import { checkMessage, type ConsumedMessage } from './event-message';
import { orderingTime } from './event-time';
import type { RatingEvent } from './events';

export interface StoredFreshRating {
  user_id: number;
  event_id: string;
  movie_id: number;
  rating: number;
  /** The event's own time (ISO-8601). */
  rated_at: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: number;
  /** When the broker stored the event (epoch ms). */
  accepted_at: number;
  /** When the store may drop it (epoch seconds): by then a nightly model holds it. */
  expires_at: number;
}

export interface KafkaPosition {
  topic: string;
  partition: number;
  offset: number;
  /** The message's Kafka timestamp, epoch ms. */
  timestamp: number;
}

export function toStoredFreshRating(event: RatingEvent, at: KafkaPosition, ttlSeconds: number): StoredFreshRating {
  return {
    user_id: event.user_id,
    event_id: event.event_id,
    movie_id: event.movie_id,
    rating: event.rating,
    rated_at: event.timestamp,
    kafka_topic: at.topic,
    kafka_partition: at.partition,
    kafka_offset: at.offset,
    accepted_at: at.timestamp,
    expires_at: Math.floor(at.timestamp / 1000) + ttlSeconds,
  };
}

/**
 * The stored ratings a model with `watermark` does not contain, not expired at `nowMs`, one per event
 * id, oldest first by the event's time (capped at its acceptance plus the skew, `orderingTime`; then by
 * offset): the order in which a later rating of the same movie replaces an earlier one, as in silver.
 */
export function ratingsNewerThanModel(items: readonly StoredFreshRating[], watermark: BronzeWatermark | undefined, nowMs: number): StoredFreshRating[] {
  const byEvent = new Map<string, StoredFreshRating>();
  for (const item of items) {
    if (item.expires_at * 1000 <= nowMs) continue;
    if (isCovered(watermark, item.kafka_topic, item.kafka_partition, item.kafka_offset)) continue;
    byEvent.set(item.event_id, item);
  }
  const at = (item: StoredFreshRating) => orderingTime(Date.parse(item.rated_at), item.accepted_at);
  return [...byEvent.values()].sort((a, b) => at(a) - at(b) || a.kafka_offset - b.kafka_offset);
}

/** The fresh ratings of one fetched batch: valid events not yet expired at `nowMs` nor inside the deployed model. */
export function freshRatingsOf(topic: string, partition: number, messages: readonly ConsumedMessage[], ttlSeconds: number, nowMs: number, deployed?: BronzeWatermark): StoredFreshRating[] {
  const items: StoredFreshRating[] = [];
  for (const message of messages) {
    if (isCovered(deployed, topic, partition, Number(message.offset))) continue;
    const verdict = checkMessage(message.value);
    if (!verdict.ok) continue;
    const timestamp = Number(message.timestamp);
    const acceptedAt = Number.isFinite(timestamp) && timestamp > 0 ? timestamp : nowMs;
    const item = toStoredFreshRating(verdict.event, { topic, partition, offset: Number(message.offset), timestamp: acceptedAt }, ttlSeconds);
    if (item.expires_at * 1000 > nowMs) items.push(item);
  }
  return items;
}
