import assert from 'node:assert/strict';
import { CURRENT_POINTER_KEY, manifestKey, promote, PromotionRefusedError, readCurrentPointer, rollback, RollbackRefusedError, writeManifest, type CurrentPointer } from '../../../domain/model-registry';
import type { ObjectCondition } from '../../../domain/ports';
import { MemoryObjectStore } from '../../support/memory-store';
import { registryManifest } from '../../support/manifests';

/**
 * Makes racers collide for sure: once armed, the pointer reads wait until `racers` of them have read it,
 * so all of them decide on the same pointer; it counts the writes that then lost the race.
 */
class RaceStore extends MemoryObjectStore {
  lostRaces = 0;
  private waiting: (() => void)[] = [];
  private racers = 0;

  arm(racers: number): void {
    this.racers = racers;
  }

  override async get(key: string, condition?: { ifMatch: string }): Promise<Uint8Array | undefined> {
    const bytes = await super.get(key, condition);
    if (key === CURRENT_POINTER_KEY && this.racers > 0) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.waiting.length === this.racers) {
          this.racers = 0;
          for (const release of this.waiting.splice(0)) release();
        }
      });
    }
    return bytes;
  }

  override async put(key: string, body: Uint8Array | string, contentType?: string, condition?: ObjectCondition): Promise<void> {
    try {
      await super.put(key, body, contentType, condition);
    } catch (err) {
      if (key === CURRENT_POINTER_KEY) this.lostRaces++;
      throw err;
    }
  }
}

/** Another writer changes the pointer between each read and each write of it. */
class ContendedStore extends MemoryObjectStore {
  override async put(key: string, body: Uint8Array | string, contentType?: string, condition?: ObjectCondition): Promise<void> {
    if (key === CURRENT_POINTER_KEY) await super.put(key, JSON.stringify({ version: 'a', deployed_at: new Date().toISOString(), reason: 'deploy' } satisfies CurrentPointer));
    return super.put(key, body, contentType, condition);
  }
}

async function registry<S extends MemoryObjectStore>(store: S, ...models: [version: string, runDate?: string][]): Promise<S> {
  for (const [version, runDate] of models) await writeManifest(store, registryManifest(version, runDate));
  return store;
}

describe('domain/model-registry: the current pointer, deploy and rollback', () => {
  it('promotes a registered version, keeping the one it replaces as previous', async () => {
    const store = await registry(new MemoryObjectStore(), ['a'], ['b']);
    await promote(store, 'a', new Date('2026-01-01T00:00:00Z'));
    const pointer = await promote(store, 'b', new Date('2026-01-02T00:00:00Z'));
    assert.deepEqual(pointer, { version: 'b', previous: 'a', deployed_at: '2026-01-02T00:00:00.000Z', reason: 'deploy' });
    assert.deepEqual(await readCurrentPointer(store), pointer);
  });

  it('leaves the pointer alone when the version is already current', async () => {
    const store = await registry(new MemoryObjectStore(), ['a']);
    const first = await promote(store, 'a', new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(await promote(store, 'a', new Date('2026-01-05T00:00:00Z')), first);
  });

  it('refuses to promote a version that is not in the registry', async () => {
    await assert.rejects(promote(new MemoryObjectStore(), 'ghost', new Date()), new RegExp(`no ${manifestKey('ghost')}`));
  });

  it('rolls back to the previous version, and back again', async () => {
    const store = await registry(new MemoryObjectStore(), ['a'], ['b']);
    await promote(store, 'a', new Date());
    await promote(store, 'b', new Date());
    const back = await rollback(store, new Date('2026-02-01T00:00:00Z'));
    assert.deepEqual(back, { version: 'a', previous: 'b', deployed_at: '2026-02-01T00:00:00.000Z', reason: 'rollback' });
    assert.equal((await rollback(store, new Date())).version, 'b');
  });

  it('rolls back `from` a version only while it is the current one', async () => {
    const store = await registry(new MemoryObjectStore(), ['a'], ['b'], ['c']);
    await promote(store, 'a', new Date());
    await promote(store, 'b', new Date());
    // An operator decided on a page that showed b; c was deployed since.
    await promote(store, 'c', new Date());
    await assert.rejects(rollback(store, new Date(), { from: 'b' }), (err: unknown) => err instanceof RollbackRefusedError && err.current === 'c');
    assert.equal((await readCurrentPointer(store))?.version, 'c', 'nothing changed');
    assert.deepEqual([(await rollback(store, new Date(), { from: 'c' })).version, (await readCurrentPointer(store))?.previous], ['b', 'c']);
  });

  it('says why there is nothing to roll back to', async () => {
    const store = await registry(new MemoryObjectStore(), ['a']);
    await assert.rejects(rollback(store, new Date()), /no model is deployed/);
    await promote(store, 'a', new Date());
    await assert.rejects(rollback(store, new Date()), /model a has no previous version/);
  });

  it('refuses a model of an older run date over a newer one, unless forced', async () => {
    const store = await registry(new MemoryObjectStore(), ['new', '2026-03-02'], ['old', '2026-03-01'], ['same-day', '2026-03-02']);
    await promote(store, 'new', new Date());
    await assert.rejects(promote(store, 'old', new Date()), (err: unknown) => {
      assert.ok(err instanceof PromotionRefusedError);
      assert.equal(err.check, 'not-older');
      assert.match(err.message, /model old is of run date 2026-03-01, older than the deployed new of 2026-03-02/);
      return true;
    });
    assert.equal((await readCurrentPointer(store))?.version, 'new', 'the refused promotion wrote nothing');
    assert.equal((await promote(store, 'same-day', new Date())).previous, 'new', 'a model of the same date may replace it');
    const forced = await promote(store, 'old', new Date('2026-03-03T00:00:00Z'), { force: true });
    assert.deepEqual(forced, { version: 'old', previous: 'same-day', deployed_at: '2026-03-03T00:00:00.000Z', reason: 'deploy', forced: true });
  });

  it('refuses to promote again the version an operator rolled back from, unless forced', async () => {
    const store = await registry(new MemoryObjectStore(), ['a', '2026-03-01'], ['b', '2026-03-02']);
    await promote(store, 'a', new Date());
    await promote(store, 'b', new Date());
    await rollback(store, new Date());
    await assert.rejects(promote(store, 'b', new Date()), (err: unknown) => err instanceof PromotionRefusedError && err.check === 'not-rolled-back' && /an operator rolled back from b to a/.test(err.message));
    assert.equal((await readCurrentPointer(store))?.version, 'a');
    assert.equal((await promote(store, 'b', new Date(), { force: true })).version, 'b');
  });

  it('two promotes racing: the one that lost the race retries on the winner, so neither is lost', async () => {
    const store = await registry(new RaceStore(), ['x'], ['a'], ['b']);
    await promote(store, 'x', new Date());
    store.arm(2);
    const [a, b] = await Promise.all([promote(store, 'a', new Date()), promote(store, 'b', new Date())]);
    assert.equal(store.lostRaces, 1, 'both read the same pointer and raced to replace it');
    const final = (await readCurrentPointer(store))!;
    const [first, second] = final.version === 'b' ? [a, b] : [b, a];
    assert.equal(first.previous, 'x', 'the winner replaced x');
    assert.equal(second.previous, first.version, 'the other replaced the winner, not x: the winner stays the rollback target');
    assert.deepEqual(final, second);
    assert.equal((await rollback(store, new Date())).version, first.version);
    assert.equal((await rollback(store, new Date())).version, second.version);
  });

  it('an older run date racing a newer one never ends up current, whichever writes first', async () => {
    for (const order of [['old', 'new'], ['new', 'old']]) {
      const store = await registry(new RaceStore(), ['x', '2026-03-01'], ['old', '2026-03-02'], ['new', '2026-03-03']);
      await promote(store, 'x', new Date());
      store.arm(2);
      const outcomes = await Promise.allSettled(order.map((version) => promote(store, version, new Date())));
      assert.equal(store.lostRaces, 1, 'they raced');
      assert.equal((await readCurrentPointer(store))?.version, 'new', `order ${order.join(', ')}`);
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') assert.ok(order[i] === 'old' && outcome.reason instanceof PromotionRefusedError, String(outcome.reason));
      }
    }
  });

  it('a rollback racing a promote: both apply, in one order or the other', async () => {
    const store = await registry(new RaceStore(), ['a'], ['b'], ['c']);
    await promote(store, 'a', new Date());
    await promote(store, 'b', new Date());
    store.arm(2);
    await Promise.all([rollback(store, new Date()), promote(store, 'c', new Date())]);
    assert.equal(store.lostRaces, 1, 'they raced');
    const { version, previous } = (await readCurrentPointer(store))!;
    // Rollback then promote: a, then c over a. Promote then rollback: c over b, then back to b.
    assert.ok(
      (version === 'c' && previous === 'a') || (version === 'b' && previous === 'c'),
      `pointer ${version} (previous ${previous}) is not the result of applying both`,
    );
  });

  it('gives up with a clear error when the pointer changes under every attempt', async () => {
    const contended = await registry(new ContendedStore(), ['a'], ['b']);
    await assert.rejects(promote(contended, 'b', new Date()), /models\/current\.json changed under each of 8 attempts/);
  });
});
