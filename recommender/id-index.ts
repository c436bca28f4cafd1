/**
 * Id → dense index lookup held in two typed arrays (the ids in ascending order and, for each, its
 * index), searched by bisection. Unlike a Map it is plain memory, so a model's threads can share it
 * (SharedArrayBuffer) instead of each building its own.
 */
export class IdIndex {
  /** `sortedIds[k]` is the k-th smallest id, `positions[k]` its dense index. */
  constructor(
    readonly sortedIds: Int32Array,
    readonly positions: Int32Array,
  ) {}

  /** The index of every id of `ids`, which holds each id once (its position is the index). */
  static of(ids: Int32Array): IdIndex {
    const positions = Int32Array.from({ length: ids.length }, (_, k) => k);
    let sorted = true;
    for (let k = 1; k < ids.length && sorted; k++) sorted = ids[k - 1]! < ids[k]!;
    if (!sorted) positions.sort((a, b) => ids[a]! - ids[b]!);
    const sortedIds = sorted ? ids.slice() : Int32Array.from(positions, (p) => ids[p]!);
    return new IdIndex(sortedIds, positions);
  }

  get size(): number {
    return this.sortedIds.length;
  }

  get(id: number): number | undefined {
    const ids = this.sortedIds;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const found = ids[mid]!;
      if (found === id) return this.positions[mid]!;
      if (found < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }
}
