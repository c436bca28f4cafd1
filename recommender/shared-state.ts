import { IdIndex } from './id-index';
import type { ModelState } from './model-state';

/**
 * A model's state in shared memory, so that the threads of a process answer from one copy: every
 * typed array of the state is moved into a SharedArrayBuffer (those already shared stay). Posting the
 * result to a thread shares the arrays instead of copying them; `reviveState` restores what posting
 * does not keep (class instances).
 */
export function shareState(state: ModelState): ModelState {
  return share(state) as ModelState;
}

type TypedArray = Int32Array | Float32Array | Float64Array | Uint8Array;

function share(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    const array = value as TypedArray;
    if (array.buffer instanceof SharedArrayBuffer) return array;
    const Kind = array.constructor as new (buffer: ArrayBufferLike) => TypedArray;
    const copy = new Kind(new SharedArrayBuffer(array.byteLength));
    copy.set(array);
    return copy;
  }
  if (value instanceof IdIndex) return new IdIndex(share(value.sortedIds) as Int32Array, share(value.positions) as Int32Array);
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, share(v)]));
  return value;
}

/** The state as it arrives in another thread (structured clone): id indices become IdIndex again. */
export function reviveState(posted: ModelState): ModelState {
  const revive = (index: { sortedIds: Int32Array; positions: Int32Array }) => new IdIndex(index.sortedIds, index.positions);
  return { ...posted, matrix: { ...posted.matrix, userIndex: revive(posted.matrix.userIndex), movieIndex: revive(posted.matrix.movieIndex) } };
}
