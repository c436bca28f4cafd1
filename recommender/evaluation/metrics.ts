/**
 * Ranking metrics with binary relevance, for one user's ranked list `recommended` (movie ids, best
 * first) and the set of relevant (held-out) movies:
 *   precision@K = hits in the top K / K
 *   recall@K    = hits in the top K / |relevant|
 *   NDCG@K      = Σ_{hit at rank r ≤ K} 1/log2(r+1)  /  Σ_{r=1..min(K,|relevant|)} 1/log2(r+1)
 *   MAP@K       = Σ_{hit at rank r ≤ K} precision@r  /  min(K, |relevant|)
 * Per user, these are MS Recommenders' `precision_at_k`, `recall_at_k`, `ndcg_at_k` (score_type
 * 'binary'; its natural-log discount cancels in the ratio) and `map_at_k`; how users are averaged is
 * in `evaluate`. A list shorter than K still divides precision by K, as there.
 */
export function precisionAtK(recommended: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  return hitsAtK(recommended, relevant, k) / k;
}

export function recallAtK(recommended: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  return relevant.size === 0 ? 0 : hitsAtK(recommended, relevant, k) / relevant.size;
}

export function ndcgAtK(recommended: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  const ideal = Math.min(k, relevant.size);
  if (ideal === 0) return 0;
  let dcg = 0;
  for (let r = 0; r < Math.min(k, recommended.length); r++) if (relevant.has(recommended[r]!)) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
  return dcg / idcg;
}

export function mapAtK(recommended: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  const ideal = Math.min(k, relevant.size);
  if (ideal === 0) return 0;
  let hits = 0;
  let sum = 0;
  for (let r = 0; r < Math.min(k, recommended.length); r++) {
    if (relevant.has(recommended[r]!)) {
      hits++;
      sum += hits / (r + 1);
    }
  }
  return sum / ideal;
}

function hitsAtK(recommended: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  let hits = 0;
  for (let r = 0; r < Math.min(k, recommended.length); r++) if (relevant.has(recommended[r]!)) hits++;
  return hits;
}

/** Root mean squared error of predictions against actual ratings. */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < predicted.length; i++) s += (predicted[i]! - actual[i]!) ** 2;
  return predicted.length === 0 ? NaN : Math.sqrt(s / predicted.length);
}

export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < predicted.length; i++) s += Math.abs(predicted[i]! - actual[i]!);
  return predicted.length === 0 ? NaN : s / predicted.length;
}

/** Catalog coverage: distinct movies recommended to anyone / movies in the catalog. */
export function catalogCoverage(recommendedLists: readonly (readonly number[])[], catalogSize: number): number {
  const distinct = new Set<number>();
  for (const list of recommendedLists) for (const id of list) distinct.add(id);
  return catalogSize === 0 ? 0 : distinct.size / catalogSize;
}

/** Number of rows per movie id (training ratings per movie, for the popularity measures). */
export function countByMovie(movieIds: ArrayLike<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < movieIds.length; i++) counts.set(movieIds[i]!, (counts.get(movieIds[i]!) ?? 0) + 1);
  return counts;
}

/**
 * Mean self-information novelty of the recommendations, MS Recommenders' `novelty(train, reco)`:
 * every recommended (user, movie) counts once, a movie with c training ratings out of `trainRows`
 * contributes −log2(c / trainRows) bits, and a movie with no training rating contributes 0 (MS drops it
 * from the sum but keeps it in the count). Higher = less popular items. 0 when nothing is recommended.
 */
export function novelty(recommendedLists: readonly (readonly number[])[], trainCounts: ReadonlyMap<number, number>, trainRows: number): number {
  let sum = 0;
  let n = 0;
  for (const list of recommendedLists) {
    for (const id of list) {
      n++;
      const c = trainCounts.get(id) ?? 0;
      if (c > 0) sum -= Math.log2(c / trainRows);
    }
  }
  return n === 0 ? 0 : sum / n;
}

/**
 * Average recommendation popularity (ARP): the mean number of training ratings of the recommended
 * movies, every recommended (user, movie) counted once (equal to the per-user mean of Abdollahpouri
 * et al. when every list has K movies). Lower = less popularity bias. 0 when nothing is recommended.
 */
export function averagePopularity(recommendedLists: readonly (readonly number[])[], trainCounts: ReadonlyMap<number, number>): number {
  let sum = 0;
  let n = 0;
  for (const list of recommendedLists) {
    for (const id of list) {
      n++;
      sum += trainCounts.get(id) ?? 0;
    }
  }
  return n === 0 ? 0 : sum / n;
}
