import { ApplicationFailure } from '@temporalio/activity';
import type { ObjectStore } from '../../domain/ports';
import type { ModelState } from '../../recommender/model-state';
import { heartbeatWhile } from './heartbeating-job';
import { runInThread } from './run-in-thread';

/**
 * How long a model no shard uses stays loaded, for the next shard of its stage: the workflow keeps
 * more shards queued than a worker runs, so the next one starts within moments, and a model idle
 * longer (its stage done, or its shards waiting behind another stage's) is not worth its memory.
 */
const IDLE_RELEASE_MS = 5_000;

/** Runs `use` with the state of the model at S3 key `key`, heartbeating `loading` while it is read. */
export type WithSharedModel = <T>(key: string, loading: () => object, use: (state: ModelState) => Promise<T>) => Promise<T>;

/** A model's state derived from its artifact into shared memory, in a thread. */
async function shareInThread(artifact: Uint8Array): Promise<ModelState> {
  const shared = new Uint8Array(new SharedArrayBuffer(artifact.length));
  shared.set(artifact);
  return runInThread('share', { artifact: shared });
}

export interface SharedModelOptions {
  /** How the state is derived from the artifact (default: in a thread, into shared memory). */
  share?: (artifact: Uint8Array) => Promise<ModelState>;
  idleReleaseMs?: number;
}

/**
 * A fitted model's state as a worker process's shards share it: read from S3 and derived once (in a
 * thread) into shared memory, which every shard's thread then reads. It keeps the last model asked
 * for, so the shards of one stage that land on this process load it once, and lets it go soon after
 * its last shard ended, so that the stages after it, and an idle worker, do not hold it.
 */
export function sharedModels(store: ObjectStore, options: SharedModelOptions = {}): WithSharedModel {
  const { share = shareInThread, idleReleaseMs = IDLE_RELEASE_MS } = options;
  let cached: { key: string; state: Promise<ModelState>; users: number; idle?: NodeJS.Timeout } | undefined;
  const load = (key: string): Promise<ModelState> =>
    store.get(key).then(async (artifact) => {
      if (!artifact) throw ApplicationFailure.nonRetryable(`the fitted model ${key} is missing`, 'InvalidBatchData');
      return share(artifact);
    });
  return async (key, loading, use) => {
    if (cached?.key !== key) {
      clearTimeout(cached?.idle);
      const state = load(key);
      cached = { key, state, users: 0 };
      state.catch(() => cached?.state === state && (cached = undefined));
    }
    const entry = cached;
    clearTimeout(entry.idle);
    entry.users++;
    try {
      return await use(await heartbeatWhile(loading, () => entry.state));
    } finally {
      entry.users--;
      if (entry.users === 0 && cached === entry) entry.idle = setTimeout(() => cached === entry && entry.users === 0 && (cached = undefined), idleReleaseMs).unref();
    }
  };
}
