import type { ItemNeighbours } from './item-cf';
import type { UserItemMatrix } from './matrix';
import { topK } from './top-k';

/**
 * EASE (Steck 2019): the item-to-item weights B that best rebuild each user's row of rated movies
 * from the others, in closed form: P = (XᵀX + λI)⁻¹, B(i,j) = −P(i,j) / P(j,j), B(j,j) = 0 (X is the
 * binary user × movie matrix). Dense in the number of movies n — n² memory, n³ time — so it is for
 * small catalogs only; each row then keeps its `neighbours` largest weights (which may be negative:
 * a movie that makes another less likely), in the item-cf table's shape.
 */
export function fitEaseNeighbours(matrix: UserItemMatrix, lambda: number, neighbours: number): ItemNeighbours {
  const { numUsers, numMovies: n, rowPtr, colIdx } = matrix;
  const gram = new Float64Array(n * n);
  for (let u = 0; u < numUsers; u++) {
    const from = rowPtr[u]!;
    const to = rowPtr[u + 1]!;
    for (let p = from; p < to; p++) {
      const row = colIdx[p]! * n;
      for (let q = from; q < to; q++) gram[row + colIdx[q]!]! += 1;
    }
  }
  for (let i = 0; i < n; i++) gram[i * n + i]! += lambda;
  invertSymmetricPositiveDefinite(gram, n);

  const ptr = new Int32Array(n + 1);
  const rows: { idx: Int32Array; weight: Float32Array }[] = [];
  const weights = new Float64Array(n);
  const keys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const w = -gram[i * n + j]! / gram[j * n + j]!;
      if (w === 0) continue;
      weights[j] = w;
      keys[count++] = j;
    }
    const best = topK(keys, count, weights, neighbours);
    rows.push({ idx: best, weight: Float32Array.from(best, (j) => weights[j]!) });
    ptr[i + 1] = ptr[i]! + best.length;
  }
  const idx = new Int32Array(ptr[n]!);
  const weight = new Float32Array(idx.length);
  rows.forEach((row, i) => {
    idx.set(row.idx, ptr[i]);
    weight.set(row.weight, ptr[i]);
  });
  return { ptr, idx, weight };
}

/**
 * In-place inverse of a symmetric positive definite matrix (here XᵀX + λI, λ > 0, whose pivots stay
 * positive) by sweeping every pivot: sweeping k sets a(k,k) ← −1/d, a(i,k) ← a(i,k)/d and
 * a(i,j) ← a(i,j) − a(i,k)·a(k,j)/d (d = a(k,k)), and after every pivot the matrix is −A⁻¹. The sweep
 * keeps the matrix symmetric, so only the upper triangle is updated: n³/2 multiply-adds (a blocked
 * variant that touched both triangles measured twice as slow in V8). Row-major n × n; both triangles
 * hold the inverse after.
 */
function invertSymmetricPositiveDefinite(a: Float64Array, n: number): void {
  const column = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Column k of the current matrix, read from the upper triangle.
    for (let i = 0; i < k; i++) column[i] = a[i * n + k]!;
    for (let j = k; j < n; j++) column[j] = a[k * n + j]!;
    const d = column[k]!;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = column[i]! / d;
      if (f === 0) continue;
      const row = i * n;
      for (let j = i; j < n; j++) a[row + j]! -= f * column[j]!;
    }
    for (let i = 0; i < k; i++) a[i * n + k] = column[i]! / d;
    for (let j = k + 1; j < n; j++) a[k * n + j] = column[j]! / d;
    a[k * n + k] = -1 / d;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = -a[i * n + j]!;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
}
