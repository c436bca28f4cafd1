import type { RatingEvent } from './events';

/**
 * What makes two stored events the same event: a true retry (a redelivery, a client resending) repeats
 * every field, so deduplication compares them all. Two clients that happen to use the same `event_id`
 * for different ratings keep both; the fields are the normalised ones (ISO timestamp, numeric ids), so
 * spelling cannot make one event look like two.
 */
export function eventIdentity(event: RatingEvent): string {
  return `${event.event_id}\u0000${event.user_id}\u0000${event.movie_id}\u0000${event.rating}\u0000${event.timestamp}`;
}
