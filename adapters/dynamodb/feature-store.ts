import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FeatureItem, FeatureStore } from '../../domain/ports';
import { putItems } from './batch-writer';

export interface DynamoFeatureStoreOptions {
  userTable: string;
  movieTable: string;
  /** Batches in flight at once. */
  concurrency?: number;
  /** Rounds of resending what DynamoDB left unprocessed before giving up. */
  maxUnprocessedRetries?: number;
}

export class DynamoFeatureStore implements FeatureStore {
  private readonly concurrency: number;
  private readonly maxUnprocessedRetries: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: DynamoFeatureStoreOptions,
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.maxUnprocessedRetries = options.maxUnprocessedRetries ?? 8;
  }

  putUserFeatures(items: FeatureItem[], onBatch?: (written: number) => void): Promise<number> {
    return this.putAll(this.options.userTable, items, onBatch);
  }

  putMovieFeatures(items: FeatureItem[], onBatch?: (written: number) => void): Promise<number> {
    return this.putAll(this.options.movieTable, items, onBatch);
  }

  async getUserFeatures(userId: number): Promise<FeatureItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.options.userTable, Key: { user_id: userId } }));
    return out.Item;
  }

  async getMovieFeatures(movieId: number): Promise<FeatureItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.options.movieTable, Key: { movie_id: movieId } }));
    return out.Item;
  }

  /** Writes all items with bounded concurrency; `onBatch` gets the written prefix, so a caller can resume. */
  private putAll(table: string, items: FeatureItem[], onBatch?: (written: number) => void): Promise<number> {
    return putItems(this.doc, table, items, { concurrency: this.concurrency, maxUnprocessedRetries: this.maxUnprocessedRetries, ...(onBatch ? { onBatch } : {}) });
  }
}
