/**
 * The rating event: the body of `POST /events`, the value of a `user-events` Kafka message and a line
 * of the bronze layer. One zod schema gives both the checks and the TypeScript types.
 *
 * Timestamps are normalised to ISO-8601 UTC with milliseconds (`2024-05-01T12:00:00.000Z`): unambiguous,
 * lossless for epoch-millisecond input, and readable in bronze. Every form is bounded to 1995..2099, and
 * each bound is written in the schema itself (number ranges, a date pattern), so that the JSON Schema
 * zod renders for the API's OpenAPI document is exactly the set of accepted values.
 */
import { z } from 'zod';
import { MAX_ID } from './ids';

/** Ratings, and so events, are not expected before MovieLens began or after this century. */
const EARLIEST_MS = Date.UTC(1995, 0, 1);
const LATEST_MS = Date.UTC(2100, 0, 1);

export const EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const id = z.number({ error: 'must be a number' }).int('must be an integer').positive('must be positive').max(MAX_ID, `must be at most ${MAX_ID}`);

/**
 * The step is checked exactly (zod's `multipleOf` tolerates float noise: 2.500000000000001 would pass)
 * and stated as JSON Schema's `multipleOf`, which means the same: r / 0.5 is an integer.
 */
const rating = z
  .number({ error: 'must be a number' })
  .min(0.5, 'must be between 0.5 and 5.0')
  .max(5, 'must be between 0.5 and 5.0')
  .refine((r) => Number.isInteger(r * 2), 'must be a multiple of 0.5')
  .meta({ multipleOf: 0.5 });

/** The two ranges lie far apart (10^11 s is the year 5138), so a number's size says its unit. */
const epochSeconds = z.number().min(EARLIEST_MS / 1000).lt(LATEST_MS / 1000).describe('epoch seconds');
const epochMilliseconds = z.number().min(EARLIEST_MS).lt(LATEST_MS).describe('epoch milliseconds');

/**
 * A date-time with an explicit zone (a local time without one would depend on the server's zone), on a
 * calendar date that exists, from 1995 to 2099. An offset moves the instant by up to a day, so on the
 * first and the last day of that range only `Z` is accepted: every accepted instant lies in the range,
 * with no check beyond the pattern.
 */
const YEAR = '(?:199[5-9]|20[0-9]{2})';
const MONTH_DAY = '(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)';
const LEAP_DAY = '(?:1996|20(?:[02468][048]|[13579][26]))-02-29';
const DATE = `(?:${YEAR}-${MONTH_DAY}|${LEAP_DAY})`;
const TIME = '[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,9})?)?';
const OFFSET = '[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9]';
const ISO_DATE_TIME = new RegExp(`^(?:${DATE}${TIME}[Zz]|(?!1995-01-01|2099-12-31)${DATE}${TIME}${OFFSET})$`);
const isoDateTime = z
  .string()
  .regex(ISO_DATE_TIME, 'must be an ISO-8601 date-time with a zone (Z or ±hh:mm) on a real date from 1995-01-01 to 2099-12-31')
  .describe('ISO-8601 date-time with a zone: Z, or ±hh:mm except on 1995-01-01 and 2099-12-31');

/** A string fails on the pattern's own message (zod reports the one branch of the type given); a number fails both ranges. */
function timestampProblem(input: unknown): string {
  return typeof input === 'number' ? 'must be epoch seconds or milliseconds from 1995-01-01 to 2100-01-01' : 'must be a number (epoch seconds or milliseconds) or an ISO-8601 string';
}

function toIsoString(value: number | string): string {
  // The pattern admits only what Date.parse reads exactly (it would roll 2024-02-30 over to March).
  if (typeof value === 'string') return new Date(Date.parse(value)).toISOString();
  const ms = Math.round(value < LATEST_MS / 1000 ? value * 1000 : value);
  // Rounding must not carry a time just before 2100-01-01 onto it: that instant is out of range.
  return new Date(Math.min(ms, LATEST_MS - 1)).toISOString();
}

const timestamp = z.union([epochSeconds, epochMilliseconds, isoDateTime], { error: (issue) => timestampProblem(issue.input) }).transform(toIsoString);

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
