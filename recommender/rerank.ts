import type { Recall } from './recall';
import { topK } from './top-k';

/**
 * The rerank (SPEC §2.8) in two halves. `selectPool` keeps the `size` best candidates by recall among
 * those with at least `minRatings` ratings and turns their recall into `recall_score` (min-max within
 * the pool, unless the recall is already absolute): that half does not depend on the request, so the
 * batch can precompute it per user. `rankPool` scores a pool for a request,
 * score = recall·(1 − qw) + quality·qw, best first (ties: smaller movie id).
 * Recall scores are float32 in both halves, so a precomputed pool ranks exactly as a computed one.
 */
export interface Pool {
  items: Int32Array;
  recallScore: Float32Array;
  evidence: Float32Array;
}

export interface RankedItem {
  item: number;
  score: number;
  recallScore: number;
  qualityScore: number;
  evidence: number;
}

export const emptyPool: Pool = { items: new Int32Array(0), recallScore: new Float32Array(0), evidence: new Float32Array(0) };

/** `ratingCounts(item)` = how many ratings the movie has. */
export function selectPool(recall: Recall, ratingCounts: (item: number) => number, minRatings: number, size: number): Pool {
  const positions = new Int32Array(recall.items.length);
  let n = 0;
  for (let c = 0; c < recall.items.length; c++) {
    if (ratingCounts(recall.items[c]!) >= minRatings) positions[n++] = c;
  }
  if (n === 0) return emptyPool;
  const chosen = topK(positions, n, recall.recall, size);
  let min = Infinity;
  let max = -Infinity;
  for (const c of chosen) {
    min = Math.min(min, recall.recall[c]!);
    max = Math.max(max, recall.recall[c]!);
  }
  const pool: Pool = { items: new Int32Array(chosen.length), recallScore: new Float32Array(chosen.length), evidence: new Float32Array(chosen.length) };
  chosen.forEach((c, p) => {
    pool.items[p] = recall.items[c]!;
    pool.recallScore[p] = recall.absolute ? recall.recall[c]! : max > min ? (recall.recall[c]! - min) / (max - min) : 1;
    pool.evidence[p] = recall.evidence[c]!;
  });
  return pool;
}

/**
 * The pool's `limit` best for the request's quality weight, skipping items `skip` says to. This runs on
 * every request, so it keeps the best `limit` positions by insertion (a pool is ~100 long, a limit ~10)
 * and builds objects for those alone, instead of scoring objects for the whole pool and sorting them.
 */
export function rankPool(pool: Pool, quality: Float32Array, movieIds: Int32Array, qualityWeight: number, limit: number, skip?: (item: number) => boolean): RankedItem[] {
  if (limit <= 0 || pool.items.length === 0) return [];
  const best = new Int32Array(Math.min(limit, pool.items.length));
  const bestScore = new Float64Array(best.length);
  let filled = 0;
  // ranksBefore(score, item, slot): the candidate goes ahead of the one in `slot` (higher score; ties: smaller movie id).
  const ranksBefore = (score: number, item: number, slot: number) => score > bestScore[slot]! || (score === bestScore[slot]! && movieIds[item]! < movieIds[pool.items[best[slot]!]!]!);
  for (let p = 0; p < pool.items.length; p++) {
    const item = pool.items[p]!;
    if (skip?.(item)) continue;
    const score = pool.recallScore[p]! * (1 - qualityWeight) + quality[item]! * qualityWeight;
    if (filled === best.length && !ranksBefore(score, item, filled - 1)) continue;
    let slot = filled < best.length ? filled++ : filled - 1;
    while (slot > 0 && ranksBefore(score, item, slot - 1)) {
      best[slot] = best[slot - 1]!;
      bestScore[slot] = bestScore[slot - 1]!;
      slot--;
    }
    best[slot] = p;
    bestScore[slot] = score;
  }
  const ranked: RankedItem[] = new Array<RankedItem>(filled);
  for (let r = 0; r < filled; r++) {
    const p = best[r]!;
    const item = pool.items[p]!;
    ranked[r] = { item, score: bestScore[r]!, recallScore: pool.recallScore[p]!, qualityScore: quality[item]!, evidence: pool.evidence[p]! };
  }
  return ranked;
}
