/**
 * The rating event: the body of `POST /events`, the value of a `user-events` Kafka message and a line
 * of the bronze layer. One zod schema gives both the checks and the TypeScript types.
 *
 * Timestamps are normalised to ISO-8601 UTC with milliseconds (`2024-05-01T12:00:00.000Z`): unambiguous,
 * lossless for epoch-millisecond input, and readable in bronze. Numbers below 10^11 are epoch seconds
 * (10^11 s is the year 5138), larger ones epoch milliseconds.
 */
import { z } from 'zod';
import { MAX_ID } from './ids';

const EPOCH_MS_THRESHOLD = 1e11;
/** Ratings, and so events, are not expected before MovieLens began or after this century. */
const EARLIEST_MS = Date.UTC(1995, 0, 1);
const LATEST_MS = Date.UTC(2100, 0, 1);
/** A date-time with an explicit zone: a local time without one would depend on the server's zone. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

export const EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const id = z.number({ error: 'must be a number' }).int('must be an integer').positive('must be positive').max(MAX_ID, `must be at most ${MAX_ID}`);

const rating = z
  .number({ error: 'must be a number' })
  .min(0.5, 'must be between 0.5 and 5.0')
  .max(5, 'must be between 0.5 and 5.0')
  .refine((r) => Number.isInteger(r * 2), 'must be a multiple of 0.5');

function timestampToMs(value: number | string): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return 'must be a positive epoch time';
    return value < EPOCH_MS_THRESHOLD ? Math.round(value * 1000) : Math.round(value);
  }
  if (!ISO_DATE_TIME.test(value)) return 'must be epoch seconds, epoch milliseconds or an ISO-8601 date-time with a zone (Z or ±hh:mm)';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 'is not a valid date-time' : ms;
}

const timestamp = z.union([z.number(), z.string()], { error: 'must be a number (epoch seconds or milliseconds) or an ISO-8601 string' }).transform((value, ctx) => {
  const ms = timestampToMs(value);
  if (typeof ms === 'string') {
    ctx.addIssue({ code: 'custom', message: ms });
    return z.NEVER;
  }
  if (ms < EARLIEST_MS || ms >= LATEST_MS) {
    ctx.addIssue({ code: 'custom', message: 'must be between 1995-01-01 and 2100-01-01' });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

const eventId = z.string({ error: 'must be a string' }).regex(EVENT_ID_PATTERN, 'must be 1-128 characters of letters, digits, . _ : - (starting with a letter or digit)');

/** An event as a client sends it: `event_id` optional, `timestamp` in any accepted form. Unknown fields are refused. */
export const incomingEventSchema = z.strictObject({
  event_id: eventId.optional(),
  user_id: id,
  movie_id: id,
  rating,
  timestamp,
});

/** An event as it travels on Kafka and lands in bronze: `event_id` is required (dedup key downstream). */
export const storedEventSchema = incomingEventSchema.extend({ event_id: eventId });

export type IncomingEvent = z.input<typeof incomingEventSchema>;
/** The normalised event: what the API publishes and what readers of bronze get back from `parseStoredEvent`. */
export type RatingEvent = z.output<typeof storedEventSchema>;

export interface FieldProblem {
  field: string;
  message: string;
}

export type ParseResult = { ok: true; event: RatingEvent } | { ok: false; problems: FieldProblem[] };

function problemsOf(error: z.ZodError, raw: unknown): FieldProblem[] {
  const present = (key: PropertyKey) => typeof raw === 'object' && raw !== null && Object.hasOwn(raw, key) && (raw as Record<PropertyKey, unknown>)[key] !== undefined;
  const problems = error.issues.flatMap((issue): FieldProblem | FieldProblem[] => {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: key, message: 'unknown field' }));
    if (issue.path.length === 1 && issue.path[0] !== undefined && !present(issue.path[0])) return { field, message: 'is required' };
    return { field: field === '' ? '(body)' : field, message: field === '' ? 'must be a JSON object' : issue.message };
  });
  // One problem per field (the first): a rating of 0.25 is both too small and off-step; saying so twice helps nobody.
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.field) && seen.add(p.field));
}

/** Validates a client's event and normalises it; assigns an `event_id` (UUID) when the client sent none. */
export function parseEvent(raw: unknown, newId: () => string = () => crypto.randomUUID()): ParseResult {
  const parsed = incomingEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error, raw) };
  const { event_id, user_id, movie_id, rating, timestamp } = parsed.data;
  return { ok: true, event: { event_id: event_id ?? newId(), user_id, movie_id, rating, timestamp } };
}

/** Validates an event read back from Kafka or bronze: the same rules, and `event_id` must be there. */
export function parseStoredEvent(raw: unknown): ParseResult {
  const parsed = storedEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error, raw) };
  return { ok: true, event: parsed.data };
}

/** The Kafka message of an event: keyed by user, so one user's events share a partition and keep their order. */
export function eventMessage(event: RatingEvent): { key: string; value: string } {
  return { key: String(event.user_id), value: JSON.stringify(event) };
}
