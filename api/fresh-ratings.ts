/**
 * The fresh ratings of a request's user, filtered to what the served model does not contain: from the
 * replica's own index of the event topic when it has caught up, else from the store (one bounded query,
 * newest first). The store gets `timeoutMs`; when it fails or is late the answer comes from the model
 * alone and says so — a slow DynamoDB never turns into a 5xx.
 */
import type { BronzeWatermark } from '../domain/bronze';
import { ratingsNewerThanModel, type StoredFreshRating } from '../domain/fresh-ratings';
import type { FreshRatingStore } from '../domain/ports';
import type { FreshRatingSource } from './fresh-rating-index';

export type FreshRead =
  | { status: 'ok'; ratings: StoredFreshRating[]; source: 'store' | 'index' }
  | { status: 'unavailable'; ratings: []; problem: string };

export interface FreshRatingsOptions {
  maxPerUser: number;
  timeoutMs: number;
  /** The clock that expired ratings are judged by (Date.now unless a test pins it). */
  now?: () => number;
}

export class FreshRatingsReader {
  constructor(
    private readonly store: FreshRatingStore,
    private readonly index: FreshRatingSource | undefined,
    private readonly options: FreshRatingsOptions,
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async read(userId: number, watermark: BronzeWatermark | undefined): Promise<FreshRead> {
    const indexed = this.index?.ratingsOf(userId);
    if (indexed !== undefined) return { status: 'ok', ratings: ratingsNewerThanModel(indexed, watermark, this.now()), source: 'index' };
    try {
      const items = await this.store.newest(userId, this.options.maxPerUser, AbortSignal.timeout(this.options.timeoutMs));
      return { status: 'ok', ratings: ratingsNewerThanModel(items, watermark, this.now()), source: 'store' };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      return { status: 'unavailable', ratings: [], problem: timedOut ? `no answer within ${this.options.timeoutMs} ms` : err instanceof Error ? err.message : String(err) };
    }
  }
}
