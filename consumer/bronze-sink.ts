/**
 * Turns one fetched batch of a partition into bronze objects and dead letters. Valid events are stored
 * as received: each message's value bytes become one line, never re-encoded. Invalid messages become
 * dead letters with the reason and their original bytes (`dead-letters.ts`). The caller commits the
 * batch's offsets only after this resolves, so a crash at any point means the batch is read and written
 * again (at-least-once).
 */
import { bronzeObjectKey, ingestionDate } from '../domain/bronze';
import { checkMessage, type ConsumedMessage } from '../domain/event-message';
import { deliverDeadLetters, type DeadLetter, type DeadLetterRoute, type PutObject } from './dead-letters';

const NEWLINE = 0x0a;


export interface BronzeSinkDeps {
  /** Key prefix of bronze objects. */
  prefix: string;
  /** Writes an object to the bucket: bronze objects, and dead letters too large for their topic. */
  putObject: PutObject;
  deadLetters: DeadLetterRoute;
}

export interface SinkResult {
  /** The last offset of the batch: everything up to it is stored or dead-lettered. */
  lastOffset: string;
  objects: { key: string; lines: number }[];
  deadLetters: number;
  /** How many of the dead letters were stored as objects, with a pointer on the topic. */
  deadLetterObjects: number;
}

/** Interprets a Kafka timestamp; a message without a usable one is dated by `fallback`. */
function messageTime(timestamp: string, fallback: Date): Date {
  const ms = Number(timestamp);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : fallback;
}

export async function sinkBatch(deps: BronzeSinkDeps, topic: string, partition: number, messages: ConsumedMessage[], now = new Date()): Promise<SinkResult> {
  const last = messages.at(-1);
  if (last === undefined) throw new Error('sinkBatch needs at least one message');
  // Ingestion date = the message's Kafka timestamp, not the clock when it is read: a replay after a crash
  // then lands in the same dt= partition and under the same key.
  const byDate = new Map<string, { at: Date; messages: ConsumedMessage[] }>();
  const deadLetters: DeadLetter[] = [];
  for (const message of messages) {
    const verdict = checkMessage(message.value);
    if (verdict.ok) {
      const at = messageTime(message.timestamp, now);
      const date = ingestionDate(at);
      const group = byDate.get(date) ?? { at, messages: [] };
      group.messages.push(message);
      byDate.set(date, group);
      continue;
    }
    deadLetters.push({
      reason: verdict.reason,
      problems: verdict.problems,
      topic,
      partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key_base64: message.key === null ? null : message.key.toString('base64'),
      original_base64: (message.value ?? Buffer.alloc(0)).toString('base64'),
    });
  }

  const objects = [...byDate.values()].map((group) => {
    const first = group.messages[0] as ConsumedMessage;
    const lastOfGroup = group.messages.at(-1) as ConsumedMessage;
    const key = bronzeObjectKey({ prefix: deps.prefix, topic, partition, firstOffset: first.offset, lastOffset: lastOfGroup.offset, ingestedAt: group.at });
    const lines: Buffer[] = [];
    for (const m of group.messages) lines.push(m.value as Buffer, Buffer.from([NEWLINE]));
    return { key, body: Buffer.concat(lines), lines: group.messages.length };
  });

  // A partition's objects are written one after another in offset order, so a listing never shows a later
  // offset range without the earlier ones: a model's offset watermark then covers exactly what it read.
  const writeObjects = async () => {
    for (const o of objects) await deps.putObject(o.key, o.body, 'application/x-ndjson');
  };
  const [, delivered] = await Promise.all([writeObjects(), deliverDeadLetters(deps.deadLetters, deps.putObject, deadLetters)]);
  return { lastOffset: last.offset, objects: objects.map(({ key, lines }) => ({ key, lines })), deadLetters: deadLetters.length, deadLetterObjects: delivered.objects };
}
