/**
 * Whether a Kafka message's value is one stored event. Every reader of the event topic judges messages
 * alike: the bronze sink (which dead-letters the rest), the fresh-rating writer and the API's fresh-rating
 * index, so that bronze, DynamoDB and the replicas agree on which events exist.
 */
import { parseStoredEvent, type FieldProblem, type RatingEvent } from './events';

/** A message as read from the topic (kafkajs' shape: offset and timestamp are decimal strings). */
export interface ConsumedMessage {
  offset: string;
  /** Broker or producer time in epoch ms, as a string (kafkajs' form); stored in the log, so the same on replay. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
}

export type RejectionReason = 'empty value' | 'not UTF-8' | 'not JSON' | 'not a single line' | 'invalid event';

export type Verdict = { ok: true; event: RatingEvent } | { ok: false; reason: RejectionReason; problems: FieldProblem[] };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function checkMessage(value: Buffer | null): Verdict {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty value', problems: [] };
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, reason: 'not UTF-8', problems: [] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: 'not JSON', problems: [{ field: '(value)', message: err instanceof Error ? err.message : String(err) }] };
  }
  // A line break would split the stored event across two JSON lines; stored bytes are never rewritten.
  if (value.includes(NEWLINE) || value.includes(CARRIAGE_RETURN)) return { ok: false, reason: 'not a single line', problems: [] };
  const parsed = parseStoredEvent(json);
  return parsed.ok ? { ok: true, event: parsed.event } : { ok: false, reason: 'invalid event', problems: parsed.problems };
}
