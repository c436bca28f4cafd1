import type { UserItemMatrix } from '../recommender';

/**
 * The seed's algorithm written the straightforward way, as the benchmark's baseline: for every other
 * user, intersect the co-rated movies (merge of two sorted rows), cosine over them, keep those above
 * the threshold sorted by similarity, then every movie's similarity-weighted rating; top `limit`
 * unseen movies by that rating.
 */
export function naiveRecommend(matrix: UserItemMatrix, u: number, limit: number, threshold = 0): number[] {
  const { numUsers, rowPtr, colIdx, values } = matrix;
  const neighbours: { v: number; sim: number }[] = [];
  for (let v = 0; v < numUsers; v++) {
    if (v === u) continue;
    let a = rowPtr[u]!;
    let b = rowPtr[v]!;
    let dot = 0;
    let nu = 0;
    let nv = 0;
    while (a < rowPtr[u + 1]! && b < rowPtr[v + 1]!) {
      if (colIdx[a]! < colIdx[b]!) a++;
      else if (colIdx[a]! > colIdx[b]!) b++;
      else {
        dot += values[a]! * values[b]!;
        nu += values[a]! ** 2;
        nv += values[b]! ** 2;
        a++;
        b++;
      }
    }
    if (nu > 0 && nv > 0) {
      const sim = dot / Math.sqrt(nu * nv);
      if (sim > threshold) neighbours.push({ v, sim });
    }
  }
  neighbours.sort((x, y) => y.sim - x.sim);
  const seen = new Set(colIdx.subarray(rowPtr[u], rowPtr[u + 1]));
  const weighted = new Map<number, { num: number; den: number }>();
  for (const { v, sim } of neighbours) {
    for (let k = rowPtr[v]!; k < rowPtr[v + 1]!; k++) {
      const movie = colIdx[k]!;
      if (seen.has(movie)) continue;
      const w = weighted.get(movie) ?? { num: 0, den: 0 };
      w.num += sim * values[k]!;
      w.den += sim;
      weighted.set(movie, w);
    }
  }
  return [...weighted.entries()]
    .map(([movie, w]) => ({ movie, rating: w.num / w.den }))
    .sort((x, y) => y.rating - x.rating || x.movie - y.movie)
    .slice(0, limit)
    .map((x) => matrix.movieIds[x.movie]!);
}
