import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';

/** DynamoDB accepts at most 25 puts in one BatchWriteItem. */
const BATCH_SIZE = 25;

export interface BatchWriteOptions {
  /** Batches in flight at once. */
  concurrency: number;
  /** Rounds of resending what DynamoDB left unprocessed before giving up. */
  maxUnprocessedRetries: number;
  /** How many items from the start are written (batches finish out of order; only the contiguous prefix counts). */
  onBatch?: (written: number) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Puts all items in batches of 25 with bounded concurrency; resolves with how many were written. */
export async function putItems(doc: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[], options: BatchWriteOptions): Promise<number> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += BATCH_SIZE) batches.push(items.slice(i, i + BATCH_SIZE));
  const done = new Uint8Array(batches.length);
  let prefixBatches = 0;
  let prefixItems = 0;
  const limit = pLimit(options.concurrency);
  await Promise.all(
    batches.map((batch, index) =>
      limit(async () => {
        await writeBatch(doc, table, batch, options.maxUnprocessedRetries);
        done[index] = 1;
        const before = prefixBatches;
        while (prefixBatches < batches.length && done[prefixBatches] === 1) prefixItems += batches[prefixBatches++]!.length;
        if (prefixBatches > before) options.onBatch?.(prefixItems);
      }),
    ),
  );
  return prefixItems;
}

/** Writes one batch, resending unprocessed items with exponential backoff (throttling is normal). */
async function writeBatch(doc: DynamoDBDocumentClient, table: string, batch: Record<string, unknown>[], maxRetries: number): Promise<void> {
  let pending = batch.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > maxRetries) throw new Error(`DynamoDB left ${pending.length} items of ${table} unprocessed after ${maxRetries} retries`);
    if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 2000));
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (out.UnprocessedItems?.[table] ?? []).flatMap((request) => (request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : []));
  }
}
