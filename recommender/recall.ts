import type { Profile } from './profile';
import type { RecommendScratch } from './scratch';

/**
 * What every recall hands the rerank: candidate movies (indices) with a recall value each, and the
 * evidence its reason is made of. Evidence is a number so that precomputed candidate lists can store
 * it in a typed array: ≥ 0 is the similar users' weighted rating ("similar users rated it 4.3"),
 * < 0 is −(1 + index of the rated movie that brought the candidate in) ("because you liked …").
 */
export interface Recall {
  items: Int32Array;
  recall: Float64Array;
  /** The recall is already a [0,1] score on a scale shared by all users; otherwise min-max within the pool. */
  absolute: boolean;
  evidence: Float64Array;
}

/**
 * One recall of the hybrid: the candidates of a profile. `scratch` is the caller's; its `seen` marks
 * the movies never to return (the profile's own, and any the request excludes).
 */
export interface Recaller {
  recall(profile: Profile, scratch: RecommendScratch): Recall;
}

export const emptyRecall = (absolute: boolean): Recall => ({ items: new Int32Array(0), recall: new Float64Array(0), absolute, evidence: new Float64Array(0) });

/** Evidence naming a rated movie. */
export const likedMovieEvidence = (movie: number): number => -(movie + 1);

/** Evidence of a weighted rating, rounded to the tenth the reason shows (so a stored float32 reads back the same). */
export const ratingEvidence = (rating: number): number => Math.round(rating * 10) / 10;

export function reasonText(evidence: number, titleOf: (movie: number) => string): string {
  return evidence >= 0 ? `similar users rated it ${evidence.toFixed(1)}` : `because you liked ${titleOf(-evidence - 1)}`;
}

function minMax(values: Float64Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** Scratch space of `mixRecalls`, one entry per movie. */
export interface MixScratch {
  mark: Uint8Array;
  touched: Int32Array;
  total: Float64Array;
  /** The largest share of an item so far, and the evidence of the list it came from. */
  share: Float64Array;
  evidence: Float64Array;
}

export function mixScratch(numMovies: number): MixScratch {
  return {
    mark: new Uint8Array(numMovies),
    touched: new Int32Array(numMovies),
    total: new Float64Array(numMovies),
    share: new Float64Array(numMovies),
    evidence: new Float64Array(numMovies),
  };
}

/**
 * The hybrid recall: every list min-max normalised within itself, mixed Σ weight·normalised; the
 * reason follows the largest share (the first list's on a tie). A list of weight 0 adds nothing.
 */
export function mixRecalls(parts: readonly { recall: Recall; weight: number }[], scratch: MixScratch): Recall {
  const { mark, touched, total, share, evidence } = scratch;
  let count = 0;
  for (const { recall: list, weight } of parts) {
    if (!(weight > 0)) continue;
    const [min, max] = minMax(list.recall);
    for (let c = 0; c < list.items.length; c++) {
      const item = list.items[c]!;
      if (mark[item] === 0) {
        mark[item] = 1;
        touched[count++] = item;
        total[item] = 0;
        share[item] = -1;
      }
      const part = weight * (max > min ? (list.recall[c]! - min) / (max - min) : 1);
      total[item]! += part;
      if (part > share[item]!) {
        share[item] = part;
        evidence[item] = list.evidence[c]!;
      }
    }
  }
  const items = touched.slice(0, count);
  const recall = new Float64Array(count);
  const mixedEvidence = new Float64Array(count);
  for (let p = 0; p < count; p++) {
    const item = items[p]!;
    recall[p] = total[item]!;
    mixedEvidence[p] = evidence[item]!;
    mark[item] = 0;
  }
  return { items, recall, absolute: false, evidence: mixedEvidence };
}

/**
 * The recall with a scorer's opinion of its own candidates added: recall(c) + weight·(score(c) min-max
 * normalised over the candidates), as `mixRecalls` weighs a list. The candidates and their reasons stay
 * the recall's.
 */
export function addScores(recall: Recall, scores: Float64Array, weight: number): Recall {
  const [min, max] = minMax(scores);
  const mixed = Float64Array.from(recall.recall, (r, c) => r + weight * (max > min ? (scores[c]! - min) / (max - min) : 1));
  return { ...recall, recall: mixed };
}
