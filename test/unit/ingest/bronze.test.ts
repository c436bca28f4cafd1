import assert from 'node:assert/strict';
import { bronzeDatePrefix, bronzeObjectKey, ingestionDate } from '../../../domain/bronze';

describe('domain/bronze: object key naming', () => {
  const id = { prefix: 'bronze/user-events', topic: 'user-events', partition: 2, firstOffset: '41', lastOffset: '9007', ingestedAt: new Date('2024-03-09T23:59:59.999Z') };

  it('is deterministic from topic, partition, offset range and ingestion date', () => {
    assert.equal(bronzeObjectKey(id), 'bronze/user-events/dt=2024-03-09/user-events-p2-00000000000000000041-00000000000000009007.jsonl');
    assert.equal(bronzeObjectKey({ ...id }), bronzeObjectKey(id));
    assert.notEqual(bronzeObjectKey({ ...id, lastOffset: '9008' }), bronzeObjectKey(id));
    assert.notEqual(bronzeObjectKey({ ...id, partition: 1 }), bronzeObjectKey(id));
  });

  it('uses the UTC date of the ingestion time', () => {
    assert.equal(ingestionDate(new Date('2024-03-10T00:30:00+02:00')), '2024-03-09');
    assert.equal(ingestionDate(new Date('2024-03-10T00:00:00.000Z')), '2024-03-10');
  });

  it('sorts keys of one partition in offset order', () => {
    const a = bronzeObjectKey({ ...id, firstOffset: '9', lastOffset: '99' });
    const b = bronzeObjectKey({ ...id, firstOffset: '100', lastOffset: '1000' });
    assert.ok(a < b);
  });

  it('tolerates a trailing slash on the prefix and refuses non-offsets', () => {
    assert.equal(bronzeDatePrefix('x/y/', '2024-01-01'), 'x/y/dt=2024-01-01/');
    assert.throws(() => bronzeObjectKey({ ...id, firstOffset: '-1' }));
  });
});
