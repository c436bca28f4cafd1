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
  userPart: Float64Array;
  contentPart: Float64Array;
  userPosition: Int32Array;
  contentPosition: Int32Array;
}

export function mixScratch(numMovies: number): MixScratch {
  return {
    mark: new Uint8Array(numMovies),
    touched: new Int32Array(numMovies),
    userPart: new Float64Array(numMovies),
    contentPart: new Float64Array(numMovies),
    userPosition: new Int32Array(numMovies),
    contentPosition: new Int32Array(numMovies),
  };
}

/**
 * The hybrid recall: both lists, each min-max normalised within itself, mixed `w·user + (1−w)·content`;
 * the reason follows the larger share.
 */
export function mixRecalls(user: Recall, content: Recall, userWeight: number, scratch: MixScratch): Recall {
  const { mark, touched, userPart, contentPart, userPosition, contentPosition } = scratch;
  let count = 0;
  const visit = (list: Recall, weight: number, part: Float64Array, position: Int32Array): void => {
    const [min, max] = minMax(list.recall);
    for (let c = 0; c < list.items.length; c++) {
      const item = list.items[c]!;
      if (mark[item] === 0) {
        mark[item] = 1;
        touched[count++] = item;
        userPart[item] = 0;
        contentPart[item] = 0;
        userPosition[item] = -1;
        contentPosition[item] = -1;
      }
      part[item] = weight * (max > min ? (list.recall[c]! - min) / (max - min) : 1);
      position[item] = c;
    }
  };
  visit(user, userWeight, userPart, userPosition);
  visit(content, 1 - userWeight, contentPart, contentPosition);
  const items = touched.slice(0, count);
  const recall = new Float64Array(count);
  const evidence = new Float64Array(count);
  for (let p = 0; p < count; p++) {
    const item = items[p]!;
    recall[p] = userPart[item]! + contentPart[item]!;
    const fromUser = userPosition[item]! >= 0 && userPart[item]! >= contentPart[item]!;
    evidence[p] = fromUser ? user.evidence[userPosition[item]!]! : content.evidence[contentPosition[item]!]!;
    mark[item] = 0;
  }
  return { items, recall, absolute: false, evidence };
}
