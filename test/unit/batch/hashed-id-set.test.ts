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

  it('stores and restores its ids as bytes', () => {
    const set = new HashedIdSet();
    const ids = Array.from({ length: 3000 }, (_, i) => `evt-${i}`);
    for (const id of ids) set.add(id);
    const restored = HashedIdSet.fromBytes(set.toBytes());
    assert.equal(restored.size, ids.length);
    for (const id of ids) assert.equal(restored.add(id), false, `${id} is in the restored set`);
    assert.equal(restored.add('evt-new'), true);
    assert.throws(() => HashedIdSet.fromBytes(new Uint8Array(7)), /8 bytes an id/);
  });
});
