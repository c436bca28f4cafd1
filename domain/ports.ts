import type { StoredFreshRating } from './fresh-ratings';

/**
 * The storage interfaces the batch stages and the API depend on; adapters/ implements them per backend.
 */

export interface StoredObject {
  key: string;
  size: number;
}

/** A condition on a read or write, as S3 has them: the object still has this ETag, or there is none yet. */
export type ObjectCondition = { ifMatch: string } | { ifNoneMatch: '*' };

/** A conditional read or write found the object changed (or created, or gone) since its ETag was read. */
export class PreconditionFailedError extends Error {
  constructor(key: string) {
    super(`${key} changed since it was read`);
    this.name = 'PreconditionFailedError';
  }
}

export interface ObjectStore {
  /**
   * Writes the object. With a condition, writes only if it still holds (S3 `If-Match` / `If-None-Match`),
   * else rejects with PreconditionFailedError: a compare-and-swap for read-check-write updates.
   */
  put(key: string, body: Uint8Array | string, contentType?: string, condition?: ObjectCondition): Promise<void>;
  /**
   * The object's bytes, or undefined when there is none. With `ifMatch`, only the version with that
   * ETag (from `head`): a changed object rejects with PreconditionFailedError.
   */
  get(key: string, condition?: { ifMatch: string }): Promise<Uint8Array | undefined>;
  /** The object's entity tag (changes whenever it is written) and size, or undefined when there is none. */
  head(key: string): Promise<{ etag: string; size: number } | undefined>;
  /** Every object under the prefix, in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** The object's text line by line, without holding the whole object in memory. */
  lines(key: string): AsyncIterable<string>;
  /** The object's bytes as they arrive, or undefined when there is none. */
  chunks(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  delete(key: string): Promise<void>;
}

export interface FeatureItem {
  [attribute: string]: unknown;
}

export interface FeatureStore {
  /** Upserts items in batches; resolves with how many were written. `onBatch` reports progress. */
  putUserFeatures(items: FeatureItem[], onBatch?: (written: number) => void): Promise<number>;
  putMovieFeatures(items: FeatureItem[], onBatch?: (written: number) => void): Promise<number>;
  getUserFeatures(userId: number): Promise<FeatureItem | undefined>;
  getMovieFeatures(movieId: number): Promise<FeatureItem | undefined>;
}

/** Ratings accepted since the served model was trained, per user (DynamoDB). */
export interface FreshRatingStore {
  /** Stores ratings; storing one again (same user and event id) overwrites it with itself. */
  put(items: StoredFreshRating[]): Promise<void>;
  /** The user's newest stored ratings by Kafka offset, newest first, at most `limit`. */
  newest(userId: number, limit: number, signal?: AbortSignal): Promise<StoredFreshRating[]>;
}

/** One API replica as it announces itself: where it listens and what it serves. */
export interface ReplicaStatus {
  replica_id: string;
  url: string;
  served_version: string | null;
  /** The version it last refused to load, and why (until it loads one). */
  refused: { version: string; problem: string; at: string } | null;
  started_at: string;
  /** When it last renewed its entry (epoch ms). */
  heartbeat_at: number;
  /** When the entry lapses unless renewed (epoch seconds; DynamoDB's time to live deletes it later). */
  expires_at: number;
}

/** Where API replicas announce themselves, and where the batch finds the live ones. */
export interface ReplicaRegistry {
  announce(status: ReplicaStatus): Promise<void>;
  withdraw(replicaId: string): Promise<void>;
  /** Replicas whose entry has not lapsed at `nowMs`. */
  live(nowMs: number): Promise<ReplicaStatus[]>;
}

/** One API replica as the batch sees it: it can be told to load a model and asked which one it serves. */
export interface ModelServer {
  /** Loads `version`, or the registry's current version when none is given. */
  reload(version?: string): Promise<void>;
  servedVersion(): Promise<string | undefined>;
}
