/**
 * One bronze object read once. Validation judges every line of the day's objects; extract merges the
 * valid events of the objects silver does not hold yet, which in a nightly run are the same objects.
 * Parsing a line (JSON, the event schema, two hashes) is most of what either costs, so the validation
 * shards parse each object in a thread and keep its valid events in columns (`encodeParsedObject`),
 * which extract reads instead of parsing the JSON again.
 */
import { endOfIngestionDate, orderingTime } from './event-time';
import { eventIdentity } from './event-identity';
import { parseStoredEvent } from './events';
import { hash64 } from './hashed-id-set';
import { decodeColumns, encodeColumns, type ColumnSpec } from './typed-columns';

export interface ParsedBronzeObject {
  /** Non-empty lines: each is an event, valid or not. */
  events: number;
  invalid: number;
  /** The first invalid lines (1-based line numbers, blank lines counted) and what is wrong with them. */
  samples: { line: number; problems: string }[];
  /** The valid events, in line order. */
  valid: ParsedEvents;
}

/** Valid events in columns: what validation counts and extract merges. */
export interface ParsedEvents {
  userIds: Int32Array;
  movieIds: Int32Array;
  ratings: Float32Array;
  /** Seconds: the event's timestamp, capped at the end of the object's ingestion date (see `orderingTime`). */
  orderingTimes: Float64Array;
  /** `eventIdentity` (a retry repeats it) and `event_id`, hashed as `HashedIdSet` hashes: [hi, lo] per event. */
  identityHashes: Uint32Array;
  idHashes: Uint32Array;
}

/** `dt=YYYY-MM-DD/` of a bronze key, or undefined. */
export function partitionDate(key: string): string | undefined {
  return /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
}

/** Grows its columns by doubling; `events()` hands out views of what was added. */
class ParsedEventsBuilder {
  private size = 0;
  private columns = ParsedEventsBuilder.allocate(1024);

  private static allocate(capacity: number): ParsedEvents {
    return {
      userIds: new Int32Array(capacity),
      movieIds: new Int32Array(capacity),
      ratings: new Float32Array(capacity),
      orderingTimes: new Float64Array(capacity),
      identityHashes: new Uint32Array(capacity * 2),
      idHashes: new Uint32Array(capacity * 2),
    };
  }

  add(userId: number, movieId: number, rating: number, orderingTime: number, identity: [number, number], id: [number, number]): void {
    if (this.size === this.columns.userIds.length) {
      const grown = ParsedEventsBuilder.allocate(this.size * 2);
      for (const name of Object.keys(grown) as (keyof ParsedEvents)[]) grown[name].set(this.columns[name]);
      this.columns = grown;
    }
    const k = this.size++;
    const c = this.columns;
    c.userIds[k] = userId;
    c.movieIds[k] = movieId;
    c.ratings[k] = rating;
    c.orderingTimes[k] = orderingTime;
    c.identityHashes[2 * k] = identity[0];
    c.identityHashes[2 * k + 1] = identity[1];
    c.idHashes[2 * k] = id[0];
    c.idHashes[2 * k + 1] = id[1];
  }

  events(): ParsedEvents {
    const c = this.columns;
    const n = this.size;
    return {
      userIds: c.userIds.slice(0, n),
      movieIds: c.movieIds.slice(0, n),
      ratings: c.ratings.slice(0, n),
      orderingTimes: c.orderingTimes.slice(0, n),
      identityHashes: c.identityHashes.slice(0, 2 * n),
      idHashes: c.idHashes.slice(0, 2 * n),
    };
  }
}

/** Parses every line of the object `key` (its text), judging each as validation does; keeps the first `sampleLimit` problems. */
export function parseBronzeObject(key: string, text: string, sampleLimit: number): ParsedBronzeObject {
  const date = partitionDate(key);
  if (date === undefined) throw new RangeError(`${key} is not in a dt= partition of bronze`);
  // Per object only the ingestion date is known, so a timestamp is capped at that day's end (plus the skew).
  const acceptedBy = endOfIngestionDate(date);
  const valid = new ParsedEventsBuilder();
  const samples: ParsedBronzeObject['samples'] = [];
  let events = 0;
  let invalid = 0;
  let lineNo = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (line.trim() === '') continue;
    events++;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      raw = undefined;
    }
    const parsed = raw === undefined ? { ok: false as const, problems: [{ field: '(line)', message: 'is not JSON' }] } : parseStoredEvent(raw);
    if (!parsed.ok) {
      invalid++;
      if (samples.length < sampleLimit) samples.push({ line: lineNo, problems: parsed.problems.map((p) => `${p.field} ${p.message}`).join('; ') });
      continue;
    }
    const event = parsed.event;
    valid.add(event.user_id, event.movie_id, event.rating, orderingTime(Date.parse(event.timestamp), acceptedBy) / 1000, hash64(eventIdentity(event)), hash64(event.event_id));
  }
  return { events, invalid, samples, valid: valid.events() };
}

/** "MRPB": the valid events of one parsed bronze object. */
const PARSED_EVENTS = 0x4d525042;
const PARSED_EVENTS_COLUMNS: ColumnSpec[] = [{ of: 'float64' }, { of: 'int32' }, { of: 'int32' }, { of: 'float32' }, { of: 'uint32', perRow: 2 }, { of: 'uint32', perRow: 2 }];

/** The valid events as bytes (`encodeColumns`). */
export function encodeParsedEvents(events: ParsedEvents): Uint8Array {
  return encodeColumns(PARSED_EVENTS, events.userIds.length, [events.orderingTimes, events.userIds, events.movieIds, events.ratings, events.identityHashes, events.idHashes]);
}

/** The events `encodeParsedEvents` stored; throws on bytes that are not such a record. */
export function decodeParsedEvents(bytes: Uint8Array): ParsedEvents {
  const [orderingTimes, userIds, movieIds, ratings, identityHashes, idHashes] = decodeColumns(bytes, PARSED_EVENTS, PARSED_EVENTS_COLUMNS, 'parsed bronze events').columns;
  return {
    orderingTimes: orderingTimes as Float64Array,
    userIds: userIds as Int32Array,
    movieIds: movieIds as Int32Array,
    ratings: ratings as Float32Array,
    identityHashes: identityHashes as Uint32Array,
    idHashes: idHashes as Uint32Array,
  };
}
