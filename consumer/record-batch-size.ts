/**
 * How many bytes messages take on the broker, and splitting a list of messages into sends that each
 * fit. kafkajs puts all messages of one `send` for one partition into a single record batch and never
 * splits it; the broker refuses a batch larger than the topic's `max.message.bytes` (MESSAGE_TOO_LARGE,
 * not retriable), so a sender has to keep each send under that limit itself.
 *
 * Sizes follow the record batch format v2 that kafkajs writes (`protocol/recordBatch/v0` and
 * `recordBatch/record/v0` in its sources), uncompressed, without headers; a test encodes with kafkajs
 * itself to check that these are upper bounds.
 */
import type { OutgoingMessage } from '../adapters/kafka/batch-sender';

/**
 * The batch header, counted as the broker counts a batch against `max.message.bytes`: base offset (8),
 * length (4), leader epoch (4), magic (1), CRC (4), attributes (2), last offset delta (4), first and
 * max timestamp (8 + 8), producer id (8), producer epoch (2), base sequence (4), record count (4).
 */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;

/**
 * A record's bytes besides its key and value, at most: length (varint, ≤ 5), attributes (1), timestamp
 * delta (varlong, ≤ 10), offset delta (varint, ≤ 5), key and value lengths (varints, ≤ 5 each), header
 * count (1).
 */
export const RECORD_OVERHEAD_BYTES = 32;

/** An upper bound of the bytes one message takes inside a record batch. */
export function recordBytes(message: OutgoingMessage): number {
  return RECORD_OVERHEAD_BYTES + Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
}

/** Whether a batch of this one message is within the broker's limit. */
export function fitsInRecordBatch(message: OutgoingMessage, maxBatchBytes: number): boolean {
  return RECORD_BATCH_OVERHEAD_BYTES + recordBytes(message) <= maxBatchBytes;
}

/**
 * Consecutive runs of `messages`, in order, each small enough for one record batch of at most
 * `maxBatchBytes` (a send whose messages go to several partitions makes one smaller batch per partition).
 * Throws for a message that cannot fit even alone: sending it would fail for good.
 */
export function splitIntoRecordBatches(messages: OutgoingMessage[], maxBatchBytes: number): OutgoingMessage[][] {
  const batches: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let currentBytes = RECORD_BATCH_OVERHEAD_BYTES;
  for (const message of messages) {
    if (!fitsInRecordBatch(message, maxBatchBytes)) {
      throw new RangeError(`a message of ${recordBytes(message)} bytes cannot fit a record batch of at most ${maxBatchBytes} bytes`);
    }
    const bytes = recordBytes(message);
    if (current.length > 0 && currentBytes + bytes > maxBatchBytes) {
      batches.push(current);
      current = [];
      currentBytes = RECORD_BATCH_OVERHEAD_BYTES;
    }
    current.push(message);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
