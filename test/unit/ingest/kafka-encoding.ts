/**
 * The record batch kafkajs itself would put on the wire for one send to one partition, built with its
 * own encoders (as its produce request does): the yardstick for the consumer's size bounds.
 */
import { createRequire } from 'node:module';
import type { OutgoingMessage } from '../../../adapters/kafka/batch-sender';

interface Encoder {
  size(): number;
}
const require = createRequire(import.meta.url);
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: { key: string; value: string; offsetDelta: number; timestampDelta: number }) => Encoder;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (batch: { records: Encoder[]; lastOffsetDelta: number }) => Promise<Encoder> };

/** Bytes of the batch the broker compares with `max.message.bytes`. */
export async function encodedBatchBytes(messages: OutgoingMessage[]): Promise<number> {
  const records = messages.map((m, i) => Record({ key: m.key, value: m.value, offsetDelta: i, timestampDelta: 0 }));
  const batch = await RecordBatch({ records, lastOffsetDelta: records.length - 1 });
  return batch.size();
}
