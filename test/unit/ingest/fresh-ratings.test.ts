import assert from 'node:assert/strict';
import { FreshRatingsReader } from '../../../api/fresh-ratings';
import type { ConsumedMessage } from '../../../domain/event-message';
import { bronzeObjectKey, extendWatermark, isCovered, parseBronzeObjectKey, type BronzeWatermark } from '../../../domain/bronze';
import { MAX_FUTURE_SKEW_MS, orderingTime } from '../../../domain/event-time';
import { freshRatingsOf, ratingsNewerThanModel, type StoredFreshRating } from '../../../domain/fresh-ratings';
import type { FreshRatingStore } from '../../../domain/ports';

const DAY = 86_400;
const acceptedAt = Date.UTC(2026, 10, 30, 12);

const message = (offset: number, value: unknown, timestamp = acceptedAt): ConsumedMessage => ({
  offset: String(offset),
  timestamp: String(timestamp),
  key: Buffer.from('7'),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});
const event = (n: number, extra: Record<string, unknown> = {}) => ({ event_id: `e${n}`, user_id: 7, movie_id: 100 + n, rating: 4, timestamp: '2026-11-30T11:00:00.000Z', ...extra });

const stored = (offset: number, overrides: Partial<StoredFreshRating> = {}): StoredFreshRating => ({
  user_id: 7,
  event_id: `e${offset}`,
  movie_id: 100 + offset,
  rating: 4,
  rated_at: `2026-11-30T11:00:${String(offset).padStart(2, '0')}.000Z`,
  kafka_topic: 'user-events',
  kafka_partition: 1,
  kafka_offset: offset,
  accepted_at: acceptedAt,
  expires_at: acceptedAt / 1000 + 3 * DAY,
  ...overrides,
});

describe('fresh ratings: bronze offset watermark', () => {
  it('reads topic, partition and offsets back from a bronze key, and ignores other keys', () => {
    const key = bronzeObjectKey({ prefix: 'bronze/user-events', topic: 'user-events', partition: 2, firstOffset: '17', lastOffset: '42', ingestedAt: new Date(acceptedAt) });
    assert.deepEqual(parseBronzeObjectKey(key), { topic: 'user-events', partition: 2, firstOffset: 17, lastOffset: 42 });
    assert.equal(parseBronzeObjectKey('bronze/user-events/dt=2026-11-30/test-p0-000001.jsonl'), undefined);
  });

  it('keeps the highest last offset per topic and partition, and covers exactly up to it', () => {
    const watermark: BronzeWatermark = {};
    for (const [partition, first, last] of [[0, 0, 9], [0, 10, 19], [1, 0, 4]] as const) {
      extendWatermark(watermark, bronzeObjectKey({ prefix: 'b', topic: 'user-events', partition, firstOffset: String(first), lastOffset: String(last), ingestedAt: new Date(acceptedAt) }));
    }
    assert.deepEqual(watermark, { 'user-events': { '0': 19, '1': 4 } });
    assert.equal(isCovered(watermark, 'user-events', 0, 19), true);
    assert.equal(isCovered(watermark, 'user-events', 0, 20), false);
    assert.equal(isCovered(watermark, 'user-events', 2, 0), false, 'a partition the model never read');
    assert.equal(isCovered(undefined, 'user-events', 0, 0), false, 'a model without a watermark contains none');
  });
});

describe('fresh ratings: what the consumer stores', () => {
  it('stores valid events with their Kafka position and an expiry, skipping invalid and already expired ones', () => {
    const items = freshRatingsOf('user-events', 1, [message(5, event(1)), message(6, 'not json'), message(7, { ...event(2), rating: 9 }), message(8, event(3), acceptedAt - 10 * DAY * 1000)], 3 * DAY, acceptedAt + 1000);
    assert.deepEqual(items, [
      { user_id: 7, event_id: 'e1', movie_id: 101, rating: 4, rated_at: '2026-11-30T11:00:00.000Z', kafka_topic: 'user-events', kafka_partition: 1, kafka_offset: 5, accepted_at: acceptedAt, expires_at: acceptedAt / 1000 + 3 * DAY },
    ]);
  });

  it('skips what the deployed model already contains', () => {
    const messages = [message(5, event(1)), message(6, event(2)), message(7, event(3))];
    const deployed = { 'user-events': { '1': 6 } };
    assert.deepEqual(freshRatingsOf('user-events', 1, messages, 3 * DAY, acceptedAt, deployed).map((r) => r.kafka_offset), [7]);
    assert.deepEqual(freshRatingsOf('user-events', 2, messages, 3 * DAY, acceptedAt, deployed).map((r) => r.kafka_offset), [5, 6, 7], 'another partition');
  });
});

describe('fresh ratings: what a request counts', () => {
  it('drops what the model contains, expired items and repeats of an event id, oldest first', () => {
    const items = [stored(12), stored(3), stored(11), stored(11), stored(13, { expires_at: acceptedAt / 1000 - 1 }), stored(14, { kafka_partition: 2 })];
    const watermark = { 'user-events': { '1': 10 } };
    assert.deepEqual(ratingsNewerThanModel(items, watermark, acceptedAt).map((r) => r.kafka_offset), [11, 12, 14]);
  });

  it('orders a later rating of the same movie after the earlier one by the event time', () => {
    const later = stored(20, { movie_id: 5, rating: 1, rated_at: '2026-11-30T12:00:00.000Z' });
    const earlier = stored(21, { movie_id: 5, rating: 5, rated_at: '2026-11-30T10:00:00.000Z' });
    assert.deepEqual(ratingsNewerThanModel([later, earlier], undefined, acceptedAt).map((r) => r.rating), [5, 1]);
  });

  it('counts a rating dated in the future as of its acceptance plus the skew, so a later one still replaces it', () => {
    const future = stored(30, { movie_id: 6, rating: 1, rated_at: '2099-01-01T00:00:00.000Z', accepted_at: acceptedAt });
    const halfHourLater = acceptedAt + 30 * 60_000;
    const real = stored(31, { movie_id: 6, rating: 4, rated_at: new Date(halfHourLater).toISOString(), accepted_at: halfHourLater });
    assert.deepEqual(ratingsNewerThanModel([real, future], undefined, halfHourLater).map((r) => r.rating), [1, 4]);
    assert.equal(orderingTime(Date.parse('2099-01-01T00:00:00.000Z'), acceptedAt), acceptedAt + MAX_FUTURE_SKEW_MS);
  });
});

describe('fresh ratings: reading them for a request', () => {
  const store = (answer: (signal: AbortSignal | undefined) => Promise<StoredFreshRating[]>): FreshRatingStore & { reads: number } => {
    const s = {
      reads: 0,
      put: () => Promise.resolve(),
      newest: (_user: number, _limit: number, signal?: AbortSignal) => {
        s.reads++;
        return answer(signal);
      },
    };
    return s;
  };

  it('takes the ratings from the replica’s index when it can tell, without reading the store', async () => {
    const s = store(() => Promise.resolve([stored(1)]));
    const reader = new FreshRatingsReader(s, { ratingsOf: (user) => (user === 7 ? [stored(3), stored(4)] : []) }, { maxPerUser: 10, timeoutMs: 50, now: () => acceptedAt + 60_000 });
    const read = await reader.read(7, { 'user-events': { '1': 3 } });
    assert.equal(read.status, 'ok');
    assert.deepEqual(read.ratings.map((r) => r.kafka_offset), [4], 'what the model contains is left out, as for the store');
    assert.deepEqual(await reader.read(8, undefined), { status: 'ok', ratings: [], source: 'index' });
    assert.equal(s.reads, 0);
  });

  it('reads the store when the index cannot tell, or there is none', async () => {
    for (const index of [{ ratingsOf: () => undefined }, undefined]) {
      const s = store(() => Promise.resolve([stored(1)]));
      const read = await new FreshRatingsReader(s, index, { maxPerUser: 10, timeoutMs: 50, now: () => acceptedAt + 60_000 }).read(7, undefined);
      assert.equal(read.status, 'ok');
      assert.equal(read.status === 'ok' && read.source, 'store');
      assert.equal(read.ratings.length, 1);
      assert.equal(s.reads, 1);
    }
  });

  it('gives up after the timeout, or on an error, and says the store was unavailable', async () => {
    const hanging = store((signal) => new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error))));
    const started = performance.now();
    const late = await new FreshRatingsReader(hanging, undefined, { maxPerUser: 10, timeoutMs: 40 }).read(7, undefined);
    assert.deepEqual(late, { status: 'unavailable', ratings: [], problem: 'no answer within 40 ms' });
    assert.ok(performance.now() - started < 1000);
    const failing = store(() => Promise.reject(new Error('connection refused')));
    assert.deepEqual(await new FreshRatingsReader(failing, undefined, { maxPerUser: 10, timeoutMs: 40 }).read(7, undefined), { status: 'unavailable', ratings: [], problem: 'connection refused' });
  });
});
