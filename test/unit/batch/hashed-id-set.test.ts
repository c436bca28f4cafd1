import assert from 'node:assert/strict';
import { HashedIdSet } from '../../../domain/hashed-id-set';

describe('domain/hashed-id-set: compact set of event ids', () => {
  it('tells new ids from repeated ones, across growth', () => {
    const set = new HashedIdSet(4);
    const ids = Array.from({ length: 50_000 }, (_, i) => `evt-${i}-${(i * 7919) % 104729}`);
    for (const id of ids) assert.equal(set.add(id), true);
    assert.equal(set.size, ids.length);
    for (const id of ids.filter((_, i) => i % 97 === 0)) assert.equal(set.add(id), false);
    assert.equal(set.size, ids.length);
    assert.equal(set.has('evt-0-0'), true);
    assert.equal(set.has('evt-never-added'), false);
  });

  it('keeps UUIDs that differ in one character apart', () => {
    const set = new HashedIdSet();
    assert.equal(set.add('6f1c2b1e-8d7a-4c55-9f3e-2a9b8c7d6e5f'), true);
    assert.equal(set.add('6f1c2b1e-8d7a-4c55-9f3e-2a9b8c7d6e5e'), true);
    assert.equal(set.size, 2);
  });
});
