/**
 * The storage interfaces the batch stages and the API depend on; adapters/ implements them per backend.
 */

export interface StoredObject {
  key: string;
  size: number;
}

export interface ObjectStore {
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every object under the prefix, in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** The object's text line by line, without holding the whole object in memory. */
  lines(key: string): AsyncIterable<string>;
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

/** The API as the batch sees it: it can be told to load a model and asked which one it serves. */
export interface ModelServer {
  reload(version: string): Promise<void>;
  servedVersion(): Promise<string | undefined>;
}
