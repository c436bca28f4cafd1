import { ApplicationFailure } from '@temporalio/activity';
import type { ObjectStore } from '../../domain/ports';
import type { ModelState } from '../../recommender/model-state';
import { runInThread } from './run-in-thread';

/**
 * A fitted model's state as a worker process's shards share it: read from S3 and derived once (in a
 * thread) into shared memory, which every shard's thread then reads. It keeps the last model asked
 * for, so the shards of one stage that land on this process load it once.
 */
export function sharedModelState(store: ObjectStore): (key: string) => Promise<ModelState> {
  let cached: { key: string; state: Promise<ModelState> } | undefined;
  return (key) => {
    if (cached?.key !== key) {
      const state = store.get(key).then(async (artifact) => {
        if (!artifact) throw ApplicationFailure.nonRetryable(`the fitted model ${key} is missing`, 'InvalidBatchData');
        const shared = new Uint8Array(new SharedArrayBuffer(artifact.length));
        shared.set(artifact);
        return runInThread('share', { artifact: shared });
      });
      cached = { key, state };
      state.catch(() => cached?.state === state && (cached = undefined));
    }
    return cached.state;
  };
}
