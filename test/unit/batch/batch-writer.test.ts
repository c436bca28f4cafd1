import assert from 'node:assert/strict';
import type { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { putItems } from '../../../adapters/dynamodb/batch-writer';

/** Answers each BatchWriteItem after a delay that makes later batches finish first. */
function slowClient(): { doc: DynamoDBDocumentClient; peak: () => number; batches: number[] } {
  let inFlight = 0;
  let peak = 0;
  const batches: number[] = [];
  const doc = {
    send: async (command: BatchWriteCommand) => {
      const requests = Object.values(command.input.RequestItems ?? {})[0] ?? [];
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20 - 4 * (batches.length % 4)));
      batches.push(requests.length);
      inFlight--;
      return { UnprocessedItems: {} };
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, peak: () => peak, batches };
}

describe('DynamoDB batch writer', () => {
  it('writes batches of 25 with at most `concurrency` in flight and reports only the contiguous written prefix', async () => {
    const { doc, peak, batches } = slowClient();
    const items = Array.from({ length: 260 }, (_, i) => ({ id: i }));
    const prefixes: number[] = [];
    const written = await putItems(doc, 'features', items, { concurrency: 3, maxUnprocessedRetries: 0, onBatch: (n) => prefixes.push(n) });
    assert.equal(written, 260);
    assert.equal(batches.length, 11);
    assert.equal(peak(), 3);
    assert.deepEqual(prefixes, [...prefixes].sort((a, b) => a - b));
    assert.ok(prefixes.every((n) => n === 260 || n % 25 === 0));
    assert.equal(prefixes.at(-1), 260);
  });
});
