import { ApplicationFailure } from '@temporalio/activity';
import type { ObjectStore } from '../../domain/ports';
import type { ModelState } from '../../recommender/model-state';
import { runInThread } from './run-in-thread';

/** How long a model no shard uses stays loaded, for the next shard of its stage. */
const IDLE_RELEASE_MS = 60_000;

export interface ModelLease {
  state: ModelState;
  /** The shard is done with it. */
  release(): void;
}

/**
 * A fitted model's state as a worker process's shards share it: read from S3 and derived once (in a
 * thread) into shared memory, which every shard's thread then reads. It keeps the last model asked
 * for, so the shards of one stage that land on this process load it once, and lets it go a minute
 * after its last shard released it, so an idle worker does not hold a model between runs.
 */
export function sharedModels(store: ObjectStore): (key: string) => Promise<ModelLease> {
  let cached: { key: string; state: Promise<ModelState>; leases: number; idle?: NodeJS.Timeout } | undefined;
  const load = (key: string): Promise<ModelState> =>
    store.get(key).then(async (artifact) => {
      if (!artifact) throw ApplicationFailure.nonRetryable(`the fitted model ${key} is missing`, 'InvalidBatchData');
      const shared = new Uint8Array(new SharedArrayBuffer(artifact.length));
      shared.set(artifact);
      return runInThread('share', { artifact: shared });
    });
  return async (key) => {
    if (cached?.key !== key) {
      clearTimeout(cached?.idle);
      const state = load(key);
      cached = { key, state, leases: 0 };
      state.catch(() => cached?.state === state && (cached = undefined));
    }
    const entry = cached;
    clearTimeout(entry.idle);
    entry.leases++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      entry.leases--;
      if (entry.leases === 0 && cached === entry) entry.idle = setTimeout(() => cached === entry && entry.leases === 0 && (cached = undefined), IDLE_RELEASE_MS).unref();
    };
    try {
      return { state: await entry.state, release };
    } catch (err) {
      release();
      throw err;
    }
  };
}
