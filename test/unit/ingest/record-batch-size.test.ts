import assert from 'node:assert/strict';
import type { OutgoingMessage } from '../../../adapters/kafka/batch-sender';
import { fitsInRecordBatch, RECORD_BATCH_OVERHEAD_BYTES, recordBytes, splitIntoRecordBatches } from '../../../consumer/record-batch-size';
import { encodedBatchBytes } from './kafka-encoding';

const message = (keyBytes: number, valueBytes: number, fill = 'v'): OutgoingMessage => ({ key: 'k'.repeat(keyBytes), value: fill.repeat(valueBytes) });
const boundOf = (messages: OutgoingMessage[]) => RECORD_BATCH_OVERHEAD_BYTES + messages.reduce((sum, m) => sum + recordBytes(m), 0);

describe('consumer/record-batch-size: sends split under the broker’s max.message.bytes', () => {
  it('bounds the batch kafkajs encodes from above, closely, for small, multi-byte and near-limit messages', async () => {
    const cases: OutgoingMessage[][] = [
      [message(0, 0)],
      [message(1, 1)],
      [message(5, 300)],
      [message(20, 100, 'é')],
      [message(3, 1_048_000)],
      Array.from({ length: 5000 }, (_, i) => message(1 + (i % 30), 200 + (i % 500))),
    ];
    for (const messages of cases) {
      const encoded = await encodedBatchBytes(messages);
      const bound = boundOf(messages);
      assert.ok(bound >= encoded, `bound ${bound} below kafkajs' ${encoded} bytes`);
      assert.ok(bound - encoded <= messages.length * 26, `bound ${bound} needlessly far above kafkajs' ${encoded} bytes`);
    }
  });

  it('packs messages in order into runs that each stay within the limit, and fills each run', async () => {
    const max = 10_000;
    const messages = Array.from({ length: 500 }, (_, i) => message(2, 50 + ((i * 37) % 400)));
    const batches = splitIntoRecordBatches(messages, max);
    assert.ok(batches.length > 1);
    assert.deepEqual(batches.flat(), messages, 'nothing lost, duplicated or reordered');
    for (const [i, batch] of batches.entries()) {
      assert.ok(boundOf(batch) <= max);
      assert.ok((await encodedBatchBytes(batch)) <= max);
      const next = batches[i + 1]?.[0];
      if (next) assert.ok(boundOf([...batch, next]) > max, `run ${i} had room for the next message`);
    }
  });

  it('sends a message of exactly the limit alone and refuses one that cannot fit', () => {
    const max = 2_000;
    const exact = message(4, max - RECORD_BATCH_OVERHEAD_BYTES - recordBytes(message(4, 0)));
    assert.equal(boundOf([exact]), max);
    assert.ok(fitsInRecordBatch(exact, max));
    assert.deepEqual(splitIntoRecordBatches([message(1, 1), exact, message(1, 1)], max), [[message(1, 1)], [exact], [message(1, 1)]]);
    const tooLarge = { ...exact, value: `${exact.value}v` };
    assert.equal(fitsInRecordBatch(tooLarge, max), false);
    assert.throws(() => splitIntoRecordBatches([tooLarge], max), RangeError);
  });

  it('gives no run for no messages', () => {
    assert.deepEqual(splitIntoRecordBatches([], 2_000), []);
  });
});
