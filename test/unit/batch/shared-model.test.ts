import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { sharedModels } from '../../../activities/compute/shared-model';
import type { ModelState } from '../../../recommender/model-state';
import { MemoryObjectStore } from '../../support/memory-store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store holding two artifacts, and a `share` that counts its calls and names the state after the bytes. */
async function setup(idleReleaseMs = 60_000) {
  const store = new MemoryObjectStore();
  await store.put('models/a/core.bin', Uint8Array.of(1));
  await store.put('models/b/core.bin', Uint8Array.of(2));
  const shared: number[] = [];
  const share = async (artifact: Uint8Array) => {
    shared.push(artifact[0]!);
    await sleep(5);
    return { artifact: artifact[0] } as unknown as ModelState;
  };
  return { withModel: sharedModels(store, { share, idleReleaseMs }), store, shared };
}

const noProgress = () => ({});
const done = () => Promise.resolve();

describe('batch: the model the shards of a worker share', () => {
  it('loads a model once for the shards that ask for it at the same time, and gives each the same state', async () => {
    const { withModel, shared } = await setup();
    const states = await Promise.all([1, 2, 3].map(() => withModel('models/a/core.bin', noProgress, (state) => Promise.resolve(state))));
    assert.deepEqual(shared, [1]);
    assert.ok(states.every((state) => state === states[0]));
  });

  it('keeps the model while shards follow each other, and loads another one when asked for it', async () => {
    const { withModel, shared } = await setup();
    await withModel('models/a/core.bin', noProgress, done);
    await withModel('models/a/core.bin', noProgress, done);
    assert.deepEqual(shared, [1], 'the next shard of the stage finds it loaded');
    await withModel('models/b/core.bin', noProgress, done);
    assert.deepEqual(shared, [1, 2]);
  });

  it('lets the model go once no shard has used it for the idle time', async () => {
    const { withModel, shared } = await setup(20);
    await withModel('models/a/core.bin', noProgress, done);
    await sleep(60);
    await withModel('models/a/core.bin', noProgress, done);
    assert.deepEqual(shared, [1, 1], 'loaded again after the idle time');
  });

  it('does not let a model go while a shard still uses it', async () => {
    const { withModel, shared } = await setup(20);
    const long = withModel('models/a/core.bin', noProgress, () => sleep(80));
    await withModel('models/a/core.bin', noProgress, done);
    await sleep(40);
    await withModel('models/a/core.bin', noProgress, done);
    await long;
    assert.deepEqual(shared, [1]);
  });

  it('fails for good on a missing model, and the next shard asks the store again', async () => {
    const { withModel, store, shared } = await setup();
    await assert.rejects(withModel('models/c/core.bin', noProgress, done), (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable === true && /models\/c\/core\.bin is missing/.test(err.message));
    await store.put('models/c/core.bin', Uint8Array.of(3));
    await withModel('models/c/core.bin', noProgress, done);
    assert.deepEqual(shared, [3], 'the failed read was not kept');
  });
});
