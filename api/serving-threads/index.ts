/**
 * The API's threads: one that loads model versions off the event loop, and a pool that computes answers
 * for users with fresh ratings. Both run on piscina and live as long as the API; the models' state is
 * shared memory, so every thread reads the same arrays, and a new model reaches the pool's threads
 * over a broadcast channel without restarting them.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Recommendations } from '../../recommender/hybrid';
import type { ModelState } from '../../recommender/model-state';
import type { LoadOutcome, LoadTask } from './load-thread';
import type { ModelMessage, RecommendTask } from './recommend-thread';

export type { LoadOutcome } from './load-thread';
export type { RecommendTask } from './recommend-thread';
export { smokeTestProblem } from './smoke-test';

const loadThread = new URL('./load-thread.ts', import.meta.url).href;
const recommendThread = new URL('./recommend-thread.ts', import.meta.url).href;

/** Loads versions one at a time in a thread of its own. */
export class ModelLoader {
  private readonly pool = new Piscina<LoadTask, LoadOutcome>({ filename: loadThread, minThreads: 1, maxThreads: 1, idleTimeout: Number.MAX_SAFE_INTEGER });

  /** The bytes move to the thread (they are not usable here afterwards). */
  load(version: string, bytes: Uint8Array, sha256: string): Promise<LoadOutcome> {
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer) ? bytes : bytes.slice();
    return this.pool.run({ version, bytes: owned, sha256 }, { transferList: [owned.buffer as ArrayBuffer] });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** Beyond this many queued tasks per thread the API answers from the candidate pools instead of waiting. */
const QUEUE_PER_THREAD = 64;

/** The threads that compute answers with fresh ratings, for whichever model the API serves. */
export class RecommenderPool {
  private readonly channelName = `movie-rec-models-${randomUUID()}`;
  private readonly channel = new BroadcastChannel(this.channelName);
  private readonly pool: Piscina<RecommendTask, Recommendations>;
  /** The served version and the one before it, for threads that ask. */
  private readonly states = new Map<string, ModelState>();

  constructor(readonly threads: number) {
    this.pool = new Piscina({ filename: recommendThread, workerData: { channel: this.channelName }, minThreads: threads, maxThreads: threads, maxQueue: threads * QUEUE_PER_THREAD, idleTimeout: Number.MAX_SAFE_INTEGER });
    this.channel.onmessage = (event) => {
      const message = (event as { data: ModelMessage }).data;
      const state = message.type === 'want' ? this.states.get(message.version) : undefined;
      if (state) this.channel.postMessage({ type: 'model', version: message.version, state } satisfies ModelMessage);
    };
    this.channel.unref();
  }

  /** Makes `version` available to the threads, and resolves once one of them answered with it. */
  async install(version: string, state: ModelState, probe: Omit<RecommendTask, 'version'>): Promise<void> {
    this.states.set(version, state);
    for (const old of [...this.states.keys()].slice(0, -2)) this.states.delete(old);
    this.channel.postMessage({ type: 'model', version, state } satisfies ModelMessage);
    await this.pool.run({ ...probe, version });
  }

  /** Drops a version that was installed but not served (its load failed afterwards). */
  forget(version: string): void {
    this.states.delete(version);
  }

  /** Whether a task would be queued beyond the bound. */
  get saturated(): boolean {
    return this.pool.queueSize >= this.threads * QUEUE_PER_THREAD;
  }

  recommend(task: RecommendTask): Promise<Recommendations> {
    return this.pool.run(task);
  }

  async close(): Promise<void> {
    this.channel.close();
    await this.pool.destroy();
  }
}
