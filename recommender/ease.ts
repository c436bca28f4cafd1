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
 * positive) by sweeping its pivots `block` at a time: sweeping the pivots K of
 * [[A_KK, A_KR], [A_RK, A_RR]] gives [[−A_KK⁻¹, A_KK⁻¹A_KR], [A_RK·A_KK⁻¹, A_RR − A_RK·A_KK⁻¹·A_KR]],
 * and after every pivot the matrix is −A⁻¹. A block's update reads each row once while it sits in
 * cache (one pass over the matrix per block, not per pivot). Row-major n × n.
 */
export function invertSymmetricPositiveDefinite(a: Float64Array, n: number, block = 64): void {
  const w = new Float64Array(block * n);
  const m = new Float64Array(block * block);
  const t = new Float64Array(block);
  for (let k0 = 0; k0 < n; k0 += block) {
    const b = Math.min(block, n - k0);
    // M = A_KK⁻¹ (sweeping a copy of the small block gives −M).
    for (let r = 0; r < b; r++) for (let c = 0; c < b; c++) m[r * b + c] = a[(k0 + r) * n + k0 + c]!;
    sweepAll(m, b);
    for (let q = 0; q < b * b; q++) m[q] = -m[q]!;
    // W = M · A_K· (rows K of the matrix), for the columns outside K.
    w.fill(0, 0, b * n);
    for (let r = 0; r < b; r++) {
      const out = r * n;
      for (let c = 0; c < b; c++) {
        const f = m[r * b + c]!;
        const row = (k0 + c) * n;
        for (let j = 0; j < n; j++) w[out + j]! += f * a[row + j]!;
      }
    }
    // Rows outside K: A_RR −= A_RK·W, then A_RK ← A_RK·M.
    for (let i = 0; i < n; i++) {
      if (i >= k0 && i < k0 + b) continue;
      const row = i * n;
      for (let c = 0; c < b; c++) t[c] = a[row + k0 + c]!;
      for (let c = 0; c < b; c++) {
        const f = t[c]!;
        if (f === 0) continue;
        const wr = c * n;
        for (let j = 0; j < n; j++) a[row + j]! -= f * w[wr + j]!;
      }
      for (let c = 0; c < b; c++) {
        let v = 0;
        for (let r = 0; r < b; r++) v += t[r]! * m[r * b + c]!;
        a[row + k0 + c] = v;
      }
    }
    // Rows K: W outside K, −M inside.
    for (let r = 0; r < b; r++) {
      const row = (k0 + r) * n;
      for (let j = 0; j < n; j++) a[row + j] = w[r * n + j]!;
      for (let c = 0; c < b; c++) a[row + k0 + c] = -m[r * b + c]!;
    }
  }
  for (let q = 0; q < n * n; q++) a[q] = -a[q]!;
}

/** Sweeps every pivot of a small symmetric positive definite b × b matrix in place: it becomes −A⁻¹. */
function sweepAll(a: Float64Array, b: number): void {
  const column = new Float64Array(b);
  for (let k = 0; k < b; k++) {
    for (let i = 0; i < b; i++) column[i] = a[i * b + k]!;
    const d = column[k]!;
    for (let i = 0; i < b; i++) {
      if (i === k) continue;
      const f = column[i]! / d;
      for (let j = 0; j < b; j++) a[i * b + j]! -= f * a[k * b + j]!;
    }
    for (let i = 0; i < b; i++) a[i * b + k] = column[i]! / d;
    for (let j = 0; j < b; j++) a[k * b + j] = column[j]! / d;
    a[k * b + k] = -1 / d;
  }
}
