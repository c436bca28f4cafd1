import { createRandom, shuffleInPlace } from '../random';
import type { RatingColumns } from '../types';
import { numpyRand } from './numpy-random';

export type Protocol = 'kfold' | 'stratified' | 'temporal';
export const protocols: readonly Protocol[] = ['kfold', 'stratified', 'temporal'];

/** Train and test row positions into a columnar rating set. */
export interface Split {
  train: Int32Array;
  test: Int32Array;
}

/** Each user's row positions, in row order. */
export function positionsByUser(columns: RatingColumns): Map<number, number[]> {
  const byUser = new Map<number, number[]>();
  for (let p = 0; p < columns.userIds.length; p++) {
    const id = columns.userIds[p]!;
    const list = byUser.get(id);
    if (list) list.push(p);
    else byUser.set(id, [p]);
  }
  return byUser;
}

/** Each user's row positions, users in ascending id order. */
export function groupByUser(columns: RatingColumns): Map<number, number[]> {
  return new Map([...positionsByUser(columns)].sort((x, y) => x[0] - y[0]));
}

/** At most `max` of the users (all when `max` is undefined), a seeded random sample, in ascending id order. */
export function sampleUsers(byUser: Map<number, number[]>, max: number | undefined, seed: number): Map<number, number[]> {
  if (max === undefined || byUser.size <= max) return byUser;
  const ids = Int32Array.from(byUser.keys());
  shuffleInPlace(ids, createRandom(seed));
  const chosen = ids.subarray(0, max).sort();
  return new Map(Array.from(chosen, (id) => [id, byUser.get(id)!]));
}

function sortedUsers(byUser: Map<number, number[]>): number[] {
  return [...byUser.keys()].sort((a, b) => a - b);
}

/** k folds over all ratings: a seeded shuffle cut into k near-equal parts; fold f tests on part f. */
export function kfoldSplits(columns: RatingColumns, folds: number, seed: number): Split[] {
  const n = columns.userIds.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, createRandom(seed));
  return Array.from({ length: folds }, (_, f) => {
    const from = Math.floor((f * n) / folds);
    const to = Math.floor(((f + 1) * n) / folds);
    const test = order.slice(from, to);
    const train = new Int32Array(n - test.length);
    train.set(order.subarray(0, from));
    train.set(order.subarray(to), from);
    return { train, test };
  });
}

/**
 * How many of a user's n ranked rows train, as MS Recommenders' `_do_stratification` (releases 1.2.0
 * and 1.2.1) decides it: the row of rank r (1-based) trains when `r <= round(ratio * n)`, where `round`
 * of a pandas Series is NumPy's round half to even (0.75 · 22 = 16.5 → 16, 0.75 · 26 = 19.5 → 20).
 * The other rows test (`r > round(ratio * n)` and `r <= round(1.0 * n)`). So a user with one or two
 * ratings (for 0.75) has no test row; under a lower ratio such users can also have no training row.
 */
export function trainCount(n: number, ratio: number): number {
  return Math.min(n, roundHalfEven(ratio * n));
}

/** NumPy's `np.round(x)` / `np.rint(x)` for a double: to the nearest integer, ties to the even one. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function checkRatio(ratio: number): void {
  if (!(ratio > 0 && ratio < 1)) throw new RangeError(`the train ratio must be between 0 and 1 (exclusive), got ${ratio}`);
}

/** Cuts each user's ranked rows (users ascending) into train and test by `trainCount`. */
function cutRanked(byUser: Map<number, number[]>, ratio: number): Split {
  const train: number[] = [];
  const test: number[] = [];
  for (const user of sortedUsers(byUser)) {
    const positions = byUser.get(user)!;
    const cut = trainCount(positions.length, ratio);
    for (let i = 0; i < positions.length; i++) (i < cut ? train : test).push(positions[i]!);
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/**
 * MS Recommenders' `python_stratified_split(data, ratio, seed=seed)`, row for row: one NumPy
 * uniform per input row in row order (`np.random.seed(seed); np.random.rand(len(data))`), each user's
 * rows sorted by it (users ascending), and the first `trainCount(n, ratio)` of them train, the rest
 * test. Given the same rows in the same order (ml-100k: `u.data` order; ml-latest-small:
 * `ratings.csv` order, as loaded), train and test hold exactly the rows that function returns, each
 * listed in its order (user, then the random key). Equal random keys (never seen in practice) keep
 * input order.
 */
export function stratifiedSplit(columns: RatingColumns, ratio: number, seed: number): Split {
  checkRatio(ratio);
  const keys = numpyRand(seed, columns.userIds.length);
  const byUser = positionsByUser(columns);
  for (const positions of byUser.values()) positions.sort((a, b) => keys[a]! - keys[b]! || a - b);
  return cutRanked(byUser, ratio);
}

/**
 * Per user, the latest ratings by timestamp test and the earlier ones train, with the count rule of
 * `trainCount`: MS Recommenders' `python_chrono_split(data, ratio)` (equal timestamps keep input order,
 * as pandas' stable multi-column sort does).
 */
export function temporalSplit(columns: RatingColumns, ratio: number): Split {
  checkRatio(ratio);
  const byUser = positionsByUser(columns);
  for (const positions of byUser.values()) positions.sort((a, b) => columns.timestamps[a]! - columns.timestamps[b]! || a - b);
  return cutRanked(byUser, ratio);
}
