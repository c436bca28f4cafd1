/**
 * The API's threads: one that loads model versions off the event loop, and, per served model, a pool
 * that computes answers for users with fresh ratings. Both run on piscina; the model's state is shared
 * memory, so every thread reads the same arrays.
 */
import { Piscina } from 'piscina';
import { moduleBeside } from '../../config/source-tree';
import type { Recommendations } from '../../recommender/hybrid';
import type { ModelState } from '../../recommender/model-state';
import type { LoadOutcome, LoadTask } from './load-thread';
import type { RecommendTask } from './recommend-thread';

export type { LoadOutcome } from './load-thread';
export type { RecommendTask } from './recommend-thread';
export { smokeTestProblem } from './smoke-test';

const loadThread = moduleBeside(import.meta.url, './load-thread').href;
const recommendThread = moduleBeside(import.meta.url, './recommend-thread').href;

/**
 * Loads versions one at a time in a thread of its own, which exits soon after: its heap briefly holds the
 * artifact's bytes (hundreds of MB at 10^7 ratings), and an idle thread would keep them until its next
 * garbage collection; the shared state it made lives on in the threads that use it.
 */
export class ModelLoader {
  private readonly pool = new Piscina<LoadTask, LoadOutcome>({ filename: loadThread, minThreads: 0, maxThreads: 1, idleTimeout: 1_000 });

  /** `bytes` must be the whole of a SharedArrayBuffer: the loaded model's arrays are views into it. */
  load(version: string, bytes: Uint8Array, sha256: string): Promise<LoadOutcome> {
    if (!(bytes.buffer instanceof SharedArrayBuffer) || bytes.byteOffset !== 0) throw new RangeError('ModelLoader.load needs the bytes in a SharedArrayBuffer of their own');
    return this.pool.run({ version, bytes, sha256 });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** Beyond this many queued tasks per thread the API answers from the candidate pools instead of waiting. */
const QUEUE_PER_THREAD = 64;

/** The threads that compute answers with fresh ratings for one served model. */
export class RecommenderPool {
  private readonly pool: Piscina<RecommendTask, Recommendations>;

  constructor(
    state: ModelState,
    readonly threads: number,
  ) {
    this.pool = new Piscina({ filename: recommendThread, workerData: { state }, minThreads: threads, maxThreads: threads, maxQueue: threads * QUEUE_PER_THREAD, idleTimeout: Number.MAX_SAFE_INTEGER });
  }

  /** Resolves once the threads have started and built their recommender (a request then never waits for one to start). */
  async warm(probe: RecommendTask): Promise<void> {
    await Promise.all(Array.from({ length: this.threads }, () => this.pool.run(probe)));
  }

  /** Whether a task would be queued beyond the bound. */
  get saturated(): boolean {
    return this.pool.queueSize >= this.threads * QUEUE_PER_THREAD;
  }

  recommend(task: RecommendTask): Promise<Recommendations> {
    return this.pool.run(task);
  }

  /**
   * Ends the threads; a task still running fails (callers answer it another way). Not piscina's graceful
   * `close`: its close timeout keeps the pool, and with it the model's shared memory, alive for 30 s more.
   */
  close(): Promise<void> {
    return this.pool.destroy();
  }
}
