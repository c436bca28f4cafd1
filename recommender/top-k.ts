/**
 * Indices of the `k` largest `scores[keys[j]]`, best first; ties go to the smaller key so results are
 * deterministic. A size-k min-heap: O(n log k), no allocation proportional to n.
 */
export function topK(keys: Int32Array, count: number, scores: ArrayLike<number>, k: number): Int32Array {
  const size = Math.min(k, count);
  const heap = new Int32Array(size);
  let filled = 0;
  // worse(a, b): a ranks below b.
  const worse = (a: number, b: number): boolean => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    return sa < sb || (sa === sb && a > b);
  };
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < filled && worse(heap[l]!, heap[m]!)) m = l;
      if (r < filled && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let j = 0; j < count && size > 0; j++) {
    const key = keys[j]!;
    if (filled < size) {
      heap[filled] = key;
      let i = filled++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i]!, heap[p]!)) break;
        const t = heap[i]!;
        heap[i] = heap[p]!;
        heap[p] = t;
        i = p;
      }
    } else if (worse(heap[0]!, key)) {
      heap[0] = key;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}
