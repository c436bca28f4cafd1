import { availableParallelism } from 'node:os';
import { runInThread } from './run-in-thread';

/** Users per shard below which one thread does it all (a thread costs its start-up and a model load). */
const USERS_PER_SHARD = 20_000;

export interface PrecomputeMeta {
  snapshotId: string;
  createdAt: string;
}

/**
 * The serving precompute in one process, as the serve benchmark runs it (the batch spreads the same
 * shards over its workers, see train-model.ts): every user's candidate pools, in shards over the
 * machine's cores (the shards' threads share the model's state, derived once), joined into the
 * artifact, which it returns. `onProgress` hears each shard's progress.
 */
export async function precomputeCandidates(
  artifact: Uint8Array,
  users: number,
  meta: PrecomputeMeta,
  options: { threads?: number; signal?: AbortSignal; onProgress?: (shard: number, progress: Record<string, number | string>) => void } = {},
): Promise<Uint8Array> {
  const shards = Math.max(1, Math.min(options.threads ?? availableParallelism(), Math.ceil(users / USERS_PER_SHARD)));
  const shared = new Uint8Array(new SharedArrayBuffer(artifact.length));
  shared.set(artifact);
  const state = await runInThread('share', { artifact: shared }, options.signal ? { signal: options.signal } : {});
  const bounds = Array.from({ length: shards + 1 }, (_, s) => Math.round((s * users) / shards));
  const parts = await Promise.all(
    Array.from({ length: shards }, (_, s) =>
      runInThread('candidates', { state, from: bounds[s]!, to: bounds[s + 1]! }, { ...(options.signal ? { signal: options.signal } : {}), onProgress: (p) => options.onProgress?.(s, p) }),
    ),
  );
  const transfer = parts.map((bytes) => bytes.buffer as ArrayBuffer);
  return runInThread('assemble', { artifact: shared, parts, ...meta }, { transfer, ...(options.signal ? { signal: options.signal } : {}) });
}
