/**
 * The time a rating counts as for "the latest rating of a (user, movie) wins": its own timestamp, but
 * never more than `MAX_FUTURE_SKEW_MS` after it was accepted. Client clocks run ahead, and a rating
 * dated 2099 would otherwise outrank every later rating of that movie for good. The event keeps its
 * timestamp as sent; only the ordering is capped.
 */
export const MAX_FUTURE_SKEW_MS = 10 * 60_000;

export function orderingTime(ratedAtMs: number, acceptedAtMs: number): number {
  return Math.min(ratedAtMs, acceptedAtMs + MAX_FUTURE_SKEW_MS);
}

/** The latest a bronze object's events can have been accepted: the end of its ingestion date (`dt=`, UTC). */
export function endOfIngestionDate(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`) + 86_400_000;
}
