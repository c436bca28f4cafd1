/**
 * The API's threads: one that loads model versions off the event loop, and a pool per served model that
 * computes answers for users with fresh ratings. Both run on piscina; the model's state is shared
 * memory, so every thread reads the same arrays.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { Recommendations } from '../../recommender/hybrid';
import type { ModelState } from '../../recommender/model-state';
import type { LoadOutcome, LoadTask } from './load-thread';
import type { RecommendTask } from './recommend-thread';

export type { LoadOutcome } from './load-thread';
export type { RecommendTask } from './recommend-thread';
export { smokeTestProblem } from './smoke-test';

const loadThread = new URL('./load-thread.ts', import.meta.url).href;
const recommendThread = new URL('./recommend-thread.ts', import.meta.url).href;

/** Loads versions one at a time in a thread of its own, which exits when idle. */
export class ModelLoader {
  private readonly pool = new Piscina<LoadTask, LoadOutcome>({ filename: loadThread, minThreads: 0, maxThreads: 1, idleTimeout: 10_000 });

  /** The bytes move to the thread (they are not usable here afterwards). */
  load(version: string, bytes: Uint8Array, sha256: string): Promise<LoadOutcome> {
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer) ? bytes : bytes.slice();
    return this.pool.run({ version, bytes: owned, sha256 }, { transferList: [owned.buffer as ArrayBuffer] });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** The threads that compute answers for one served model; closed once that model is no longer served. */
export class RecommenderPool {
  private readonly pool: Piscina<RecommendTask, Recommendations>;

  constructor(
    state: ModelState,
    readonly threads: number = availableParallelism(),
  ) {
    // A bounded queue: when it is full the API answers from the candidate pools instead of waiting.
    this.pool = new Piscina({ filename: recommendThread, workerData: { state }, minThreads: threads, maxThreads: threads, maxQueue: threads * 64, idleTimeout: Number.MAX_SAFE_INTEGER });
  }

  /** Resolves once every thread has built its recommender (a request then never waits for a thread to start). */
  async warm(task: RecommendTask): Promise<void> {
    await Promise.all(Array.from({ length: this.threads }, () => this.pool.run(task)));
  }

  /** Whether a task would be queued beyond the bound. */
  get saturated(): boolean {
    return this.pool.queueSize >= this.threads * 64;
  }

  recommend(task: RecommendTask): Promise<Recommendations> {
    return this.pool.run(task);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
