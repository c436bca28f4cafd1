import assert from 'node:assert/strict';
import { eventMessage, parseEvent, parseStoredEvent } from '../../../domain/events';

const valid = { user_id: 1, movie_id: 2, rating: 4.5, timestamp: '2024-05-01T12:00:00.000Z' };
const fields = (raw: unknown) => {
  const r = parseEvent(raw);
  assert.equal(r.ok, false);
  return r.ok ? [] : r.problems.map((p) => p.field).sort();
};

describe('domain/events: the rating event schema', () => {
  it('accepts a valid event and keeps a client event_id', () => {
    const r = parseEvent({ ...valid, event_id: 'client-1' });
    assert.deepEqual(r, { ok: true, event: { ...valid, event_id: 'client-1' } });
  });

  it('assigns an event_id when absent', () => {
    const r = parseEvent(valid, () => 'generated');
    assert.ok(r.ok);
    assert.equal(r.event.event_id, 'generated');
  });

  it('normalises epoch seconds, epoch milliseconds and offset date-times to ISO-8601 UTC', () => {
    const ts = (timestamp: unknown) => {
      const r = parseEvent({ ...valid, timestamp });
      assert.ok(r.ok, JSON.stringify(r));
      return r.event.timestamp;
    };
    assert.equal(ts(1_700_000_000), '2023-11-14T22:13:20.000Z');
    assert.equal(ts(1_700_000_000_123), '2023-11-14T22:13:20.123Z');
    assert.equal(ts(1_700_000_000.5), '2023-11-14T22:13:20.500Z');
    assert.equal(ts('2024-01-01T02:00:00+02:00'), '2024-01-01T00:00:00.000Z');
    assert.equal(ts('2024-01-01T00:00Z'), '2024-01-01T00:00:00.000Z');
  });

  it('accepts every rating from 0.5 to 5.0 in 0.5 steps and nothing else', () => {
    for (let r = 0.5; r <= 5; r += 0.5) assert.ok(parseEvent({ ...valid, rating: r }).ok, `rating ${r}`);
    for (const r of [0, 0.25, 5.5, -1, 3.3, '4', null]) assert.deepEqual(fields({ ...valid, rating: r }), ['rating'], `rating ${String(r)}`);
  });

  it('requires positive integer ids', () => {
    for (const id of [0, -3, 1.5, '7', null, Number.MAX_SAFE_INTEGER + 2]) assert.deepEqual(fields({ ...valid, user_id: id, movie_id: id }), ['movie_id', 'user_id']);
  });

  it('bounds ids at 2^31−1, where the batch would otherwise wrap them around (4294967338 → 42)', () => {
    assert.ok(parseEvent({ ...valid, user_id: 2_147_483_647, movie_id: 2_147_483_647 }).ok);
    for (const id of [2_147_483_648, 4_294_967_338]) {
      assert.deepEqual(fields({ ...valid, user_id: id, movie_id: id }), ['movie_id', 'user_id'], `id ${id}`);
      const stored = parseStoredEvent({ ...valid, event_id: 'e-1', user_id: id });
      assert.deepEqual(stored.ok ? [] : stored.problems.map((p) => p.field), ['user_id'], `stored event, user ${id}`);
    }
  });

  it('refuses timestamps that are not times, lack a zone, or lie outside 1995..2100', () => {
    for (const t of ['yesterday', '2024-01-01', '2024-01-01T10:00:00', '2024-13-45T10:00:00Z', -1, 0, 1e20, 631_152_000, '2150-01-01T00:00:00Z', true]) {
      assert.deepEqual(fields({ ...valid, timestamp: t }), ['timestamp'], `timestamp ${String(t)}`);
    }
  });

  it('names every missing and unknown field, and refuses non-objects', () => {
    assert.deepEqual(fields({ extra: 1, other: 2 }), ['extra', 'movie_id', 'other', 'rating', 'timestamp', 'user_id']);
    const missing = parseEvent({});
    assert.ok(!missing.ok && missing.problems.every((p) => p.message === 'is required'));
    for (const raw of [null, 42, 'text', [valid]]) assert.deepEqual(fields(raw), ['(body)']);
  });

  it('refuses malformed event ids', () => {
    for (const id of ['', 'has space', '-leading-dash', 'x'.repeat(129), 12]) assert.deepEqual(fields({ ...valid, event_id: id }), ['event_id']);
  });

  it('requires event_id on stored events', () => {
    const r = parseStoredEvent(valid);
    assert.ok(!r.ok);
    assert.deepEqual(r.problems, [{ field: 'event_id', message: 'is required' }]);
    assert.ok(parseStoredEvent({ ...valid, event_id: 'e1' }).ok);
  });

  it('keys the Kafka message by user and writes the normalised event as its value', () => {
    const event = { event_id: 'e1', user_id: 77, movie_id: 2, rating: 3, timestamp: '2024-05-01T12:00:00.000Z' };
    const message = eventMessage(event);
    assert.equal(message.key, '77');
    assert.deepEqual(JSON.parse(message.value), event);
    const reparsed = parseStoredEvent(JSON.parse(message.value));
    assert.deepEqual(reparsed, { ok: true, event });
  });
});
