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

const MAGIC = 0x4d525042; // "MRPB"
const HEADER_BYTES = 8;
/** Bytes per event: user and movie ids, rating, ordering time, and two 64-bit hashes. */
const EVENT_BYTES = 4 + 4 + 4 + 8 + 8 + 8;

/** The valid events as bytes: an 8-byte header (magic, count), then each column in turn, little-endian. */
export function encodeParsedEvents(events: ParsedEvents): Uint8Array {
  const n = events.userIds.length;
  const bytes = new Uint8Array(HEADER_BYTES + n * EVENT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, n, true);
  let offset = HEADER_BYTES;
  for (const column of [events.orderingTimes, events.userIds, events.movieIds, events.ratings, events.identityHashes, events.idHashes]) {
    bytes.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), offset);
    offset += column.byteLength;
  }
  return bytes;
}

/** The events `encodeParsedEvents` stored; throws on bytes that are not such a record. */
export function decodeParsedEvents(bytes: Uint8Array): ParsedEvents {
  if (bytes.length < HEADER_BYTES) throw new RangeError('parsed bronze events: shorter than the header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError('parsed bronze events: bad magic');
  const n = view.getUint32(4, true);
  if (bytes.length !== HEADER_BYTES + n * EVENT_BYTES) throw new RangeError(`parsed bronze events: ${bytes.length} bytes for ${n} events`);
  // A copy, aligned for the typed arrays (the bytes may sit at any offset of a larger buffer).
  const own = bytes.slice(HEADER_BYTES).buffer;
  let offset = 0;
  const take = <T>(make: (buffer: ArrayBuffer, offset: number, length: number) => T, width: number, length: number): T => {
    const column = make(own, offset, length);
    offset += width * length;
    return column;
  };
  return {
    orderingTimes: take((b, o, l) => new Float64Array(b, o, l), 8, n),
    userIds: take((b, o, l) => new Int32Array(b, o, l), 4, n),
    movieIds: take((b, o, l) => new Int32Array(b, o, l), 4, n),
    ratings: take((b, o, l) => new Float32Array(b, o, l), 4, n),
    identityHashes: take((b, o, l) => new Uint32Array(b, o, l), 4, 2 * n),
    idHashes: take((b, o, l) => new Uint32Array(b, o, l), 4, 2 * n),
  };
}
