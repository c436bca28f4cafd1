import { BatchWriteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FeatureItem, FeatureStore } from '../../domain/ports';

/** DynamoDB accepts at most 25 puts in one BatchWriteItem. */
const BATCH_SIZE = 25;

export interface DynamoFeatureStoreOptions {
  userTable: string;
  movieTable: string;
  /** Batches in flight at once. */
  concurrency?: number;
  /** Rounds of resending what DynamoDB left unprocessed before giving up. */
  maxUnprocessedRetries?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  /**
   * Writes all items with bounded concurrency. `onBatch` gets how many items from the start are
   * written (batches finish out of order; only the contiguous prefix counts), so a caller can resume.
   */
  private async putAll(table: string, items: FeatureItem[], onBatch?: (written: number) => void): Promise<number> {
    const batches: FeatureItem[][] = [];
    for (let i = 0; i < items.length; i += BATCH_SIZE) batches.push(items.slice(i, i + BATCH_SIZE));
    const done = new Uint8Array(batches.length);
    let next = 0;
    let prefixBatches = 0;
    let prefixItems = 0;
    const lane = async () => {
      while (next < batches.length) {
        const index = next++;
        await this.writeBatch(table, batches[index]!);
        done[index] = 1;
        const before = prefixBatches;
        while (prefixBatches < batches.length && done[prefixBatches] === 1) prefixItems += batches[prefixBatches++]!.length;
        if (prefixBatches > before) onBatch?.(prefixItems);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, lane));
    return prefixItems;
  }

  /** Writes one batch, resending unprocessed items with exponential backoff (throttling is normal). */
  private async writeBatch(table: string, batch: FeatureItem[]): Promise<void> {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > this.maxUnprocessedRetries) {
        throw new Error(`DynamoDB left ${pending.length} items of ${table} unprocessed after ${this.maxUnprocessedRetries} retries`);
      }
      if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 2000));
      const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
      );
    }
  }
}
