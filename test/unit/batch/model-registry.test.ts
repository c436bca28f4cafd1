import assert from 'node:assert/strict';
import { manifestKey, promote, readCurrentPointer, rollback, writeManifest, type ModelManifest } from '../../../domain/model-registry';
import { MemoryObjectStore } from '../../support/memory-store';

function manifest(version: string): ModelManifest {
  return {
    version,
    created_at: '2026-01-01T00:00:00.000Z',
    run_date: '2026-01-01',
    data_snapshot: { ratings_prefix: 'silver/ratings/dt=2026-01-01/', ratings: 10, users: 2, movies: 3, checksum: 'c' },
    parameters: {},
    training: { fit_seconds: 1 },
    artifact: { key: `models/${version}/model.bin`, bytes: 1, sha256: 's' },
  };
}

describe('domain/model-registry: the current pointer, deploy and rollback', () => {
  it('promotes a registered version, keeping the one it replaces as previous', async () => {
    const store = new MemoryObjectStore();
    await writeManifest(store, manifest('a'));
    await writeManifest(store, manifest('b'));
    await promote(store, 'a', new Date('2026-01-01T00:00:00Z'));
    const pointer = await promote(store, 'b', new Date('2026-01-02T00:00:00Z'));
    assert.deepEqual(pointer, { version: 'b', previous: 'a', deployed_at: '2026-01-02T00:00:00.000Z', reason: 'deploy' });
    assert.deepEqual(await readCurrentPointer(store), pointer);
  });

  it('leaves the pointer alone when the version is already current', async () => {
    const store = new MemoryObjectStore();
    await writeManifest(store, manifest('a'));
    const first = await promote(store, 'a', new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(await promote(store, 'a', new Date('2026-01-05T00:00:00Z')), first);
  });

  it('refuses to promote a version that is not in the registry', async () => {
    await assert.rejects(promote(new MemoryObjectStore(), 'ghost', new Date()), new RegExp(`no ${manifestKey('ghost')}`));
  });

  it('rolls back to the previous version, and back again', async () => {
    const store = new MemoryObjectStore();
    await writeManifest(store, manifest('a'));
    await writeManifest(store, manifest('b'));
    await promote(store, 'a', new Date());
    await promote(store, 'b', new Date());
    const back = await rollback(store, new Date('2026-02-01T00:00:00Z'));
    assert.deepEqual(back, { version: 'a', previous: 'b', deployed_at: '2026-02-01T00:00:00.000Z', reason: 'rollback' });
    assert.equal((await rollback(store, new Date())).version, 'b');
  });

  it('says why there is nothing to roll back to', async () => {
    const store = new MemoryObjectStore();
    await assert.rejects(rollback(store, new Date()), /no model is deployed/);
    await writeManifest(store, manifest('a'));
    await promote(store, 'a', new Date());
    await assert.rejects(rollback(store, new Date()), /model a has no previous version/);
  });
});
