import { createRandom, shuffleInPlace } from '../random';
import type { RatingColumns } from '../types';

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
 * Per user, a seeded random `ratio` of their ratings trains (rounded) and the rest tests, as
 * MS Recommenders' python_stratified_split does.
 */
export function stratifiedSplit(columns: RatingColumns, ratio: number, seed: number): Split {
  const random = createRandom(seed);
  const byUser = positionsByUser(columns);
  const train: number[] = [];
  const test: number[] = [];
  for (const user of sortedUsers(byUser)) {
    const positions = byUser.get(user)!;
    shuffleInPlace(positions, random);
    const cut = Math.round(positions.length * ratio);
    for (let i = 0; i < positions.length; i++) (i < cut ? train : test).push(positions[i]!);
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/** Per user, the latest (1 − ratio) of their ratings by timestamp test; the earlier ones train. */
export function temporalSplit(columns: RatingColumns, ratio: number): Split {
  const byUser = positionsByUser(columns);
  const train: number[] = [];
  const test: number[] = [];
  for (const user of sortedUsers(byUser)) {
    const positions = byUser.get(user)!;
    positions.sort((a, b) => columns.timestamps[a]! - columns.timestamps[b]! || a - b);
    const cut = Math.round(positions.length * ratio);
    for (let i = 0; i < positions.length; i++) (i < cut ? train : test).push(positions[i]!);
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
