import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredFreshRating } from '../../domain/fresh-ratings';
import type { FreshRatingStore } from '../../domain/ports';
import { putItems } from './batch-writer';
import { FRESH_BY_OFFSET_INDEX } from './tables';

/** The `fresh_ratings` table: one item per (user_id, event_id), queried newest first through the offset index. */
export class DynamoFreshRatingStore implements FreshRatingStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(items: StoredFreshRating[]): Promise<void> {
    // One BatchWriteItem may not name a key twice: a redelivered event keeps its last copy.
    const byKey = new Map<string, StoredFreshRating>();
    for (const item of items) byKey.set(`${item.user_id}\u0000${item.event_id}`, item);
    await putItems(this.doc, this.table, [...byKey.values()] as unknown as Record<string, unknown>[], { concurrency: 8, maxUnprocessedRetries: 8 });
  }

  async newest(userId: number, limit: number, signal?: AbortSignal): Promise<StoredFreshRating[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: FRESH_BY_OFFSET_INDEX,
        KeyConditionExpression: 'user_id = :user',
        ExpressionAttributeValues: { ':user': userId },
        ScanIndexForward: false,
        Limit: limit,
      }),
      signal ? { abortSignal: signal } : {},
    );
    return (out.Items ?? []) as StoredFreshRating[];
  }
}
