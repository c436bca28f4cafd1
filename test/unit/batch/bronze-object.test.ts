import assert from 'node:assert/strict';
import { decodeParsedEvents, encodeParsedEvents, parseBronzeObject } from '../../../domain/bronze-object';
import { eventIdentity } from '../../../domain/event-identity';
import { MAX_FUTURE_SKEW_MS } from '../../../domain/event-time';
import { parseStoredEvent } from '../../../domain/events';
import { HashedIdSet } from '../../../domain/hashed-id-set';

const key = 'bronze/user-events/dt=2026-03-01/user-events-p0-00000000000000000000-00000000000000000009.jsonl';
const line = (fields: Record<string, unknown>) => JSON.stringify({ event_id: 'e1', user_id: 7, movie_id: 42, rating: 4.5, timestamp: '2026-03-01T10:00:00.000Z', ...fields });

describe('domain/bronze-object: one bronze object read once', () => {
  const text = [line({}), '', 'not json', line({ event_id: 'e2', rating: 7 }), line({ event_id: 'e3', timestamp: '2099-01-01T00:00:00.000Z' }), line({ event_id: 'e4', user_id: 8 })].join('\r\n');
  const parsed = parseBronzeObject(key, text, 1);

  it('judges each non-empty line as the event schema does, keeping the first problems with their line numbers', () => {
    assert.equal(parsed.events, 5);
    assert.equal(parsed.invalid, 2);
    assert.deepEqual(parsed.samples, [{ line: 3, problems: '(line) is not JSON' }]);
    assert.deepEqual(parseBronzeObject(key, text, 5).samples.map((s) => s.line), [3, 4]);
  });

  it('keeps the valid events in columns, ordering times capped at the end of the ingestion date', () => {
    assert.deepEqual(Array.from(parsed.valid.userIds), [7, 7, 8]);
    assert.deepEqual(Array.from(parsed.valid.ratings), [4.5, 4.5, 4.5]);
    const endOfDay = Date.parse('2026-03-02T00:00:00.000Z');
    assert.deepEqual(Array.from(parsed.valid.orderingTimes), [Date.parse('2026-03-01T10:00:00.000Z') / 1000, (endOfDay + MAX_FUTURE_SKEW_MS) / 1000, Date.parse('2026-03-01T10:00:00.000Z') / 1000]);
  });

  it('hashes each event’s identity and id as HashedIdSet does', () => {
    const first = parseStoredEvent(JSON.parse(line({})));
    assert.ok(first.ok);
    const identities = new HashedIdSet();
    assert.equal(identities.add(eventIdentity(first.event)), true);
    assert.equal(identities.addHash(parsed.valid.identityHashes[0]!, parsed.valid.identityHashes[1]!), false, 'the same hash as add() of the identity');
    const ids = new HashedIdSet();
    ids.add('e4');
    assert.equal(ids.addHash(parsed.valid.idHashes[4]!, parsed.valid.idHashes[5]!), false);
  });

  it('stores the valid events as bytes that read back the same, from any offset, and refuses bytes that do not add up', () => {
    const bytes = encodeParsedEvents(parsed.valid);
    assert.deepEqual(decodeParsedEvents(bytes), parsed.valid);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    assert.deepEqual(decodeParsedEvents(shifted.subarray(3)), parsed.valid);
    assert.throws(() => decodeParsedEvents(bytes.subarray(0, bytes.length - 1)), /bytes for 3 rows/);
    assert.throws(() => decodeParsedEvents(new Uint8Array(12)), /bad magic/);
  });

  it('refuses a key outside the dt= partitions, whose events it could not order', () => {
    assert.throws(() => parseBronzeObject('bronze/user-events/loose.jsonl', text, 1), /not in a dt= partition/);
  });
});
