/**
 * Dead letters: what the consumer records for a message that is not a stored event, and how it reaches
 * the dead-letter topic. Letters go out in sends that each fit one record batch on the broker. A letter
 * too large for any batch (an original near the topic's limit grows by a third in base64) is stored as
 * an S3 object instead, and the topic gets a small pointer record naming it. The object is written
 * before its pointer is sent, and both before the caller commits the offsets, so at-least-once holds;
 * its key is a function of (topic, partition, offset), so a redelivered message lands on the same key
 * with the same bytes (objects are written once: consumer/write-once.ts).
 */
import { createHash } from 'node:crypto';
import type { OutgoingMessage } from '../adapters/kafka/batch-sender';
import { padOffset } from '../domain/bronze';
import type { RejectionReason } from '../domain/event-message';
import type { FieldProblem } from '../domain/events';
import { fitsInRecordBatch, splitIntoRecordBatches } from './record-batch-size';

/** A dead letter with everything needed to inspect or replay the message. */
export interface DeadLetter {
  reason: RejectionReason;
  problems: FieldProblem[];
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key_base64: string | null;
  original_base64: string;
}

/** The record the dead-letter topic carries for a letter too large for it; `object` is that letter, as JSON. */
export interface DeadLetterPointer {
  reason: DeadLetter['reason'];
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  object: { bucket: string; key: string; size: number; sha256: string };
}

export type DeadLetterRecord = DeadLetter | DeadLetterPointer;

export interface DeadLetterRoute {
  /** Bucket and key prefix of the objects holding letters too large for the topic. */
  bucket: string;
  prefix: string;
  /** The largest record batch the dead-letter topic accepts (its `max.message.bytes`). */
  maxMessageBytes: number;
  /** Sends records to the dead-letter topic in one send; resolves when the broker acknowledged them. */
  send(records: OutgoingMessage[]): Promise<void>;
}

export type PutObject = (key: string, body: Buffer, contentType: string) => Promise<void>;

/** `<prefix>/<topic>-p<partition>-<offset, 20 digits>.json`: one object per message, named by where it was read. */
export function deadLetterObjectKey(prefix: string, topic: string, partition: number, offset: string): string {
  return `${prefix}/${topic}-p${partition}-${padOffset(offset)}.json`;
}

/** Keyed like the original, so one user's letters share a partition; by position when it had no key. */
function letterRecord(letter: DeadLetter): OutgoingMessage {
  const key = letter.key_base64 === null ? `${letter.topic}-${letter.partition}-${letter.offset}` : Buffer.from(letter.key_base64, 'base64').toString('utf8');
  return { key, value: JSON.stringify(letter) };
}

/**
 * Keyed by position: the original key may itself be what made the letter too large, and a pointer
 * must always fit. Every field is bounded (the limit is at least 16 KiB).
 */
function pointerRecord(letter: DeadLetter, object: DeadLetterPointer['object']): OutgoingMessage {
  const { reason, topic, partition, offset, timestamp } = letter;
  const pointer: DeadLetterPointer = { reason, topic, partition, offset, timestamp, object };
  return { key: `${topic}-${partition}-${offset}`, value: JSON.stringify(pointer) };
}

/** Delivers a batch's letters in offset order; resolves once every one is on the topic or, via a pointer, in S3. */
export async function deliverDeadLetters(route: DeadLetterRoute, putObject: PutObject, letters: DeadLetter[]): Promise<{ objects: number }> {
  const records: OutgoingMessage[] = [];
  let objects = 0;
  // One object at a time: each is close to the broker's limit, and they are rare.
  for (const letter of letters) {
    const record = letterRecord(letter);
    if (fitsInRecordBatch(record, route.maxMessageBytes)) {
      records.push(record);
      continue;
    }
    const body = Buffer.from(record.value);
    const key = deadLetterObjectKey(route.prefix, letter.topic, letter.partition, letter.offset);
    await putObject(key, body, 'application/json');
    objects += 1;
    records.push(pointerRecord(letter, { bucket: route.bucket, key, size: body.length, sha256: createHash('sha256').update(body).digest('hex') }));
  }
  // One send after the other: the producer keeps one request in flight anyway, and the topic keeps offset order.
  for (const batch of splitIntoRecordBatches(records, route.maxMessageBytes)) await route.send(batch);
  return { objects };
}
