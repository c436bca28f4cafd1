import { fitEaseNeighbours } from './ease';
import type { UserItemMatrix } from './matrix';
import type { Profile } from './profile';
import { emptyRecall, likedMovieEvidence, type Recall, type Recaller } from './recall';
import { topK } from './top-k';

/**
 * Collaborative item-to-item recall learned from who rated what (not from metadata): a random walk
 * user → movie → user → movie with a popularity penalty (RP3β, Paudel et al. 2016; Dacrema et al. 2019
 * found it on par with the best deep models on MovieLens). With d(u) = how many movies u rated and
 * d(i) = how many users rated i,
 *   W(i, j) = d(i)^−α · d(j)^−β · Σ_{u rated i and j} d(u)^−α
 * kept as each movie's `neighbours` largest entries, scaled to sum to 1 per movie so that every rated
 * movie has one vote (a sparse, precomputed table: memory numMovies × neighbours × 8 bytes). α < 1
 * flattens the walk's preference for rare movies and users; β takes popularity out of the arrival so
 * the popular movies do not crowd every list. A user's recall
 * is Σ_{i rated} W(i, c) over the movies c linked to what they rated; ratings enter only as
 * "rated at all", which is what a top-K list predicts, and fresh ratings fold in by adding their rows.
 * With `easeMaxMovies` > 0 the table holds EASE's weights instead, solved over at most that many of
 * the most-rated movies (a dense solve, cubic in them): they rank better, on validation as on test,
 * and recall and serving do not change.
 */
export interface ItemCfParams {
  /** Neighbours kept per movie. */
  neighbours: number;
  /**
   * Above 0, EASE's table instead of RP3β's, solved over at most this many of the most-rated movies
   * (see ease.ts); 0, the library default, keeps RP3β (the batch and `npm run evaluate` take
   * ITEM_CF_EASE_MAX_MOVIES, 2500).
   */
  easeMaxMovies: number;
  /** EASE's L2 regularisation λ, in ratings. */
  easeLambda: number;
  /** Exponent of the walk's transition probabilities. */
  alpha: number;
  /** Popularity penalty on the arrival movie. */
  beta: number;
}

export const defaultItemCfParams: ItemCfParams = { neighbours: 200, easeMaxMovies: 0, easeLambda: 500, alpha: 0.8, beta: 0.7 };

/** Each movie's neighbours, CSR: neighbours of i are idx/weight[ptr[i] .. ptr[i+1]), best first. */
export interface ItemNeighbours {
  ptr: Int32Array;
  idx: Int32Array;
  weight: Float32Array;
}

/** Scratch space of one recall call, one entry per movie. */
export interface ItemCfScratch {
  mark: Uint8Array;
  score: Float64Array;
  best: Float64Array;
  source: Int32Array;
  touched: Int32Array;
}

export function itemCfScratch(numMovies: number): ItemCfScratch {
  return { mark: new Uint8Array(numMovies), score: new Float64Array(numMovies), best: new Float64Array(numMovies), source: new Int32Array(numMovies), touched: new Int32Array(numMovies) };
}

/** Whether the item-cf table is EASE's rather than RP3β's. */
export function usesEase(params: ItemCfParams): boolean {
  return params.easeMaxMovies > 0;
}

/** The item-cf table of a model: EASE's over at most `easeMaxMovies` movies, or RP3β's when that is 0. */
export function fitItemCf(matrix: UserItemMatrix, params: ItemCfParams = defaultItemCfParams): ItemNeighbours {
  return usesEase(params) ? fitEaseNeighbours(matrix, params.easeLambda, params.neighbours, params.easeMaxMovies) : fitItemNeighbours(matrix, params);
}

/** RP3β neighbours of movies `from` .. `to` − 1 (all by default): the batch can split the movies over workers and join the parts. */
export function fitItemNeighbours(matrix: UserItemMatrix, params: Pick<ItemCfParams, 'neighbours' | 'alpha' | 'beta'> = defaultItemCfParams, from = 0, to = matrix.numMovies): ItemNeighbours {
  const { numUsers, numMovies, rowPtr, colIdx, colPtr, rowIdx } = matrix;
  const userWeight = new Float64Array(numUsers);
  for (let u = 0; u < numUsers; u++) {
    const degree = rowPtr[u + 1]! - rowPtr[u]!;
    userWeight[u] = degree > 0 ? degree ** -params.alpha : 0;
  }
  const arrival = new Float64Array(numMovies);
  for (let j = 0; j < numMovies; j++) {
    const degree = colPtr[j + 1]! - colPtr[j]!;
    arrival[j] = degree > 0 ? degree ** -params.beta : 0;
  }
  const acc = new Float64Array(numMovies);
  const touched = new Int32Array(numMovies);
  const ptr = new Int32Array(to - from + 1);
  const rows: { idx: Int32Array; weight: Float32Array }[] = [];
  for (let i = from; i < to; i++) {
    // The walks from i add up to `steps` terms. When they outnumber the movies, the movies reached are
    // found by one pass over all of them afterwards instead of a test on every step (at 10^7 ratings
    // the fit takes about 40% less time); `topK` ranks by score and id alone, so the order they are
    // found in does not change the table.
    let steps = 0;
    for (let p = colPtr[i]!, end = colPtr[i + 1]!; p < end; p++) {
      const u = rowIdx[p]!;
      steps += rowPtr[u + 1]! - rowPtr[u]!;
    }
    let count = 0;
    if (steps >= numMovies) {
      for (let p = colPtr[i]!, end = colPtr[i + 1]!; p < end; p++) {
        const u = rowIdx[p]!;
        const w = userWeight[u]!;
        for (let q = rowPtr[u]!, last = rowPtr[u + 1]!; q < last; q++) acc[colIdx[q]!]! += w;
      }
      for (let j = 0; j < numMovies; j++) if (acc[j] !== 0) touched[count++] = j;
    } else {
      for (let p = colPtr[i]!, end = colPtr[i + 1]!; p < end; p++) {
        const u = rowIdx[p]!;
        const w = userWeight[u]!;
        for (let q = rowPtr[u]!, last = rowPtr[u + 1]!; q < last; q++) {
          const j = colIdx[q]!;
          if (acc[j] === 0) touched[count++] = j;
          acc[j]! += w;
        }
      }
    }
    const degree = colPtr[i + 1]! - colPtr[i]!;
    const departure = degree > 0 ? degree ** -params.alpha : 0;
    acc[i] = 0;
    let kept = 0;
    for (let t = 0; t < count; t++) {
      const j = touched[t]!;
      if (j === i) continue;
      acc[j] = acc[j]! * departure * arrival[j]!;
      touched[kept++] = j;
    }
    const best = topK(touched, kept, acc, params.neighbours);
    let sum = 0;
    for (const j of best) sum += acc[j]!;
    rows.push({ idx: best, weight: Float32Array.from(best, (j) => acc[j]! / sum) });
    ptr[i - from + 1] = ptr[i - from]! + best.length;
    for (let t = 0; t < kept; t++) acc[touched[t]!] = 0;
  }
  const idx = new Int32Array(ptr[to - from]!);
  const weight = new Float32Array(idx.length);
  rows.forEach((row, r) => {
    idx.set(row.idx, ptr[r]);
    weight.set(row.weight, ptr[r]);
  });
  return { ptr, idx, weight };
}

/** Joins the neighbour tables of consecutive movie ranges, in order. */
export function concatItemNeighbours(parts: readonly ItemNeighbours[]): ItemNeighbours {
  const rows = parts.reduce((n, p) => n + p.ptr.length - 1, 0);
  const entries = parts.reduce((n, p) => n + p.idx.length, 0);
  const joined: ItemNeighbours = { ptr: new Int32Array(rows + 1), idx: new Int32Array(entries), weight: new Float32Array(entries) };
  let row = 0;
  let offset = 0;
  for (const part of parts) {
    for (let r = 1; r < part.ptr.length; r++) joined.ptr[row + r] = offset + part.ptr[r]!;
    joined.idx.set(part.idx, offset);
    joined.weight.set(part.weight, offset);
    row += part.ptr.length - 1;
    offset += part.idx.length;
  }
  return joined;
}

/**
 * The recall of one profile: Σ over the profile's movies of their neighbour weights; `seen` marks the
 * profile's own movies, which are never candidates. The reason names the rated movie that contributed
 * most.
 */
export function itemCfRecall(neighbours: ItemNeighbours, profile: Profile, seen: Uint8Array, scratch: ItemCfScratch): Recall {
  const { ptr, idx, weight } = neighbours;
  const { mark, score, best, source, touched } = scratch;
  let count = 0;
  for (const i of profile.movies) {
    for (let q = ptr[i]!; q < ptr[i + 1]!; q++) {
      const c = idx[q]!;
      if (seen[c]) continue;
      const w = weight[q]!;
      if (mark[c] === 0) {
        mark[c] = 1;
        touched[count++] = c;
        score[c] = 0;
        best[c] = -1;
      }
      score[c]! += w;
      if (w > best[c]!) {
        best[c] = w;
        source[c] = i;
      }
    }
  }
  if (count === 0) return emptyRecall(false);
  const items = touched.slice(0, count);
  const recall = new Float64Array(count);
  const evidence = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    const c = items[t]!;
    recall[t] = score[c]!;
    evidence[t] = likedMovieEvidence(source[c]!);
    mark[c] = 0;
  }
  return { items, recall, absolute: false, evidence };
}

/** The item-cf recall over the model's neighbour table. */
export function itemCfRecaller(neighbours: ItemNeighbours): Recaller {
  return { recall: (profile, scratch) => itemCfRecall(neighbours, profile, scratch.seen, scratch.itemCf) };
}
