import type { ItemNeighbours } from './item-cf';
import type { UserItemMatrix } from './matrix';
import { topK } from './top-k';

/**
 * EASE (Steck 2019): the item-to-item weights B that best rebuild each user's row of rated movies
 * from the others, in closed form: P = (XᵀX + λI)⁻¹, B(i,j) = −P(i,j) / P(j,j), B(j,j) = 0 (X is the
 * binary user × movie matrix). Dense in the number of movies n — n² memory, n³ time — so a catalog of
 * more than `maxMovies` is solved over its `maxMovies` most-rated movies only (ties: the lower index):
 * the others get no neighbours and are no one's neighbour, which costs little because the rerank only
 * takes candidates with `minCandidateRatings` ratings (ml-latest-small, 9,742 movies, over its 1,500
 * most-rated: item-cf NDCG@10 0.3770 against RP3β's 0.3586 on the whole catalog, seed 42). Each row
 * keeps its `neighbours` weights of largest magnitude, in the item-cf table's shape. The negative ones
 * (a movie that makes another less likely) are kept on a par with the positive: keeping the largest
 * signed weights instead dropped them and cost item-cf 0.015 NDCG@10 on ml-100k (0.4570 against
 * 0.4717 at 200 neighbours, stratified, seed 42), on validation too.
 */
export function fitEaseNeighbours(matrix: UserItemMatrix, lambda: number, neighbours: number, maxMovies = matrix.numMovies): ItemNeighbours {
  const { numUsers, numMovies, rowPtr, colIdx, colPtr } = matrix;
  const members = mostRated(colPtr, numMovies, maxMovies);
  const n = members.length;
  // Movie index → its place among the solved movies, −1 for the others.
  const place = new Int32Array(numMovies).fill(-1);
  members.forEach((i, k) => (place[i] = k));
  const gram = new Float64Array(n * n);
  const row = new Int32Array(numMovies);
  // XᵀX is symmetric and the inversion reads its upper triangle alone, so only that is counted: half
  // the additions of the whole square, which bound the fit at scale. A user's row is sorted by movie
  // index and `place` keeps that order, so row[a] ≤ row[b] for a ≤ b.
  for (let u = 0; u < numUsers; u++) {
    let count = 0;
    for (let p = rowPtr[u]!, end = rowPtr[u + 1]!; p < end; p++) {
      const k = place[colIdx[p]!]!;
      if (k >= 0) row[count++] = k;
    }
    for (let a = 0; a < count; a++) {
      const base = row[a]! * n;
      for (let b = a; b < count; b++) gram[base + row[b]!]! += 1;
    }
  }
  for (let i = 0; i < n; i++) gram[i * n + i]! += lambda;
  invertSymmetricPositiveDefinite(gram, n);

  const ptr = new Int32Array(numMovies + 1);
  const rows: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(numMovies);
  const rowWeights: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(numMovies);
  const weights = new Float64Array(n);
  const keys = new Int32Array(n);
  const magnitude = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const w = -gram[i * n + j]! / gram[j * n + j]!;
      if (w === 0) continue;
      weights[j] = w;
      magnitude[j] = Math.abs(w);
      keys[count++] = j;
    }
    const best = topK(keys, count, magnitude, neighbours);
    rows[members[i]!] = Int32Array.from(best, (j) => members[j]!);
    rowWeights[members[i]!] = Float32Array.from(best, (j) => weights[j]!);
  }
  for (let i = 0; i < numMovies; i++) ptr[i + 1] = ptr[i]! + (rows[i]?.length ?? 0);
  const idx = new Int32Array(ptr[numMovies]!);
  const weight = new Float32Array(idx.length);
  for (let i = 0; i < numMovies; i++) {
    if (rows[i] === undefined) continue;
    idx.set(rows[i]!, ptr[i]);
    weight.set(rowWeights[i]!, ptr[i]);
  }
  return { ptr, idx, weight };
}

/** The `limit` movies with the most ratings (ties: the lower index), in index order; all of them if there are no more. */
function mostRated(colPtr: Int32Array, numMovies: number, limit: number): Int32Array {
  const all = Int32Array.from({ length: numMovies }, (_, i) => i);
  if (numMovies <= limit) return all;
  const count = (i: number) => colPtr[i + 1]! - colPtr[i]!;
  return all.sort((a, b) => count(b) - count(a) || a - b).subarray(0, limit).sort();
}

/**
 * In-place inverse of a symmetric positive definite matrix (here XᵀX + λI, λ > 0, whose pivots stay
 * positive) by sweeping every pivot: sweeping k sets a(k,k) ← −1/d, a(i,k) ← a(i,k)/d and
 * a(i,j) ← a(i,j) − a(i,k)·a(k,j)/d (d = a(k,k)), and after every pivot the matrix is −A⁻¹. The sweep
 * keeps the matrix symmetric, so only the upper triangle is updated: n³/2 multiply-adds. Row-major
 * n × n; both triangles hold the inverse after.
 */
function invertSymmetricPositiveDefinite(a: Float64Array, n: number): void {
  const column = new Float64Array(n);
  const factor = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Column k of the current matrix, read from the upper triangle.
    for (let i = 0; i < k; i++) column[i] = a[i * n + k]!;
    for (let j = k; j < n; j++) column[j] = a[k * n + j]!;
    const d = column[k]!;
    // Row k takes no update (its factor is 0): it is rewritten below.
    for (let i = 0; i < n; i++) factor[i] = i === k ? 0 : column[i]! / d;
    let i = 0;
    for (; i + 3 < n; i += 4) updateFourRows(a, n, i, factor, column);
    for (; i < n; i++) {
      const f = factor[i]!;
      const row = i * n;
      for (let j = i; j < n; j++) a[row + j]! -= f * column[j]!;
    }
    for (let q = 0; q < k; q++) a[q * n + k] = column[q]! / d;
    for (let j = k + 1; j < n; j++) a[k * n + j] = column[j]! / d;
    a[k * n + k] = -1 / d;
  }
  for (let r = 0; r < n; r++) {
    for (let j = r; j < n; j++) {
      const v = -a[r * n + j]!;
      a[r * n + j] = v;
      a[j * n + r] = v;
    }
  }
}

/**
 * The sweep's update of the upper-triangle parts of rows i … i+3: a(r,j) −= factor(r)·column(j) for
 * j ≥ r. Four rows per pass read each column entry once instead of four times, which is what bounds
 * the loop in V8 (1.8× faster than a row at a time at n = 1682), with the same arithmetic per entry.
 */
function updateFourRows(a: Float64Array, n: number, i: number, factor: Float64Array, column: Float64Array): void {
  const f0 = factor[i]!;
  const f1 = factor[i + 1]!;
  const f2 = factor[i + 2]!;
  const f3 = factor[i + 3]!;
  const r0 = i * n;
  const r1 = r0 + n;
  const r2 = r1 + n;
  const r3 = r2 + n;
  // The triangle's corner: column i only in row i, i+1 in rows i and i+1, i+2 in rows i … i+2.
  a[r0 + i]! -= f0 * column[i]!;
  a[r0 + i + 1]! -= f0 * column[i + 1]!;
  a[r1 + i + 1]! -= f1 * column[i + 1]!;
  a[r0 + i + 2]! -= f0 * column[i + 2]!;
  a[r1 + i + 2]! -= f1 * column[i + 2]!;
  a[r2 + i + 2]! -= f2 * column[i + 2]!;
  for (let j = i + 3; j < n; j++) {
    const c = column[j]!;
    a[r0 + j]! -= f0 * c;
    a[r1 + j]! -= f1 * c;
    a[r2 + j]! -= f2 * c;
    a[r3 + j]! -= f3 * c;
  }
}
