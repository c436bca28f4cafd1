import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../config';
import { evaluate, evaluatedMethods, generateSynthetic, loadMovieLens100k, summarise, toColumns } from '../../../recommender';
import type { Dataset, EvaluationResult, RatingColumns } from '../../../recommender';
import { stratifiedSplit, temporalSplit, kfoldSplits, trainCount } from '../../../recommender/evaluation/split';
import { selectRows } from '../../../recommender/types';
import { ratings } from './fixtures';

const ml100kDir = path.join(loadConfig().movielensDir, 'ml-100k');

describe('recommender: evaluation protocols', () => {
  const columns = toColumns(ratings(Array.from({ length: 40 }, (_, k): [number, number, number] => [1 + (k % 4), 1 + k, 1 + (k % 5)])));

  it('stratified: per user, a seeded 75/25 split of their ratings', () => {
    const split = stratifiedSplit(columns, 0.75, 1);
    assert.equal(split.train.length, 4 * 8);
    assert.equal(split.test.length, 4 * 2);
    assert.deepEqual(stratifiedSplit(columns, 0.75, 1), split);
    assert.notDeepEqual(stratifiedSplit(columns, 0.75, 2).test, split.test);
  });

  it("temporal: each user's latest ratings are held out", () => {
    const split = temporalSplit(columns, 0.75);
    for (const p of split.test) {
      const user = columns.userIds[p]!;
      for (const q of split.train) if (columns.userIds[q] === user) assert.ok(columns.timestamps[q]! < columns.timestamps[p]!);
    }
  });

  it('kfold: disjoint test folds covering every rating', () => {
    const folds = kfoldSplits(columns, 5, 1);
    const tested = folds.flatMap((f) => [...f.test]).sort((a, b) => a - b);
    assert.deepEqual(tested, Array.from({ length: 40 }, (_, i) => i));
    for (const f of folds) assert.equal(f.train.length + f.test.length, 40);
  });

  it('is deterministic for a seed and reports metrics at every K', () => {
    const data = generateSynthetic({ ratings: 8000, seed: 5, users: 120, movies: 300 });
    const a = evaluate(data, { protocol: 'stratified', ks: [1, 5, 10], seed: 9 });
    const b = evaluate(data, { protocol: 'stratified', ks: [1, 5, 10], seed: 9 });
    assert.deepEqual(summarise(a, 'synthetic'), summarise(b, 'synthetic'));
    for (const r of a.results) assert.deepEqual(r.atK.map((m) => m.k), [1, 5, 10]);
    const summary = summarise(a, 'synthetic');
    assert.deepEqual(summary.results.map((r) => r.method), [...evaluatedMethods]);
    assert.deepEqual(Object.keys(summary.results[0]!.metrics), ['precision@10', 'recall@10', 'ndcg@10', 'map@10', 'coverage', 'novelty', 'arp']);
    for (const r of summary.results) {
      assert.ok(r.metrics.novelty! > 0 && r.metrics.arp! > 0, `${r.method} novelty ${r.metrics.novelty}, ARP ${r.metrics.arp}`);
    }
    const popular = summary.results.find((r) => r.method === 'most-popular')!.metrics;
    for (const r of summary.results) assert.ok(r.metrics.arp! <= popular.arp!, `${r.method} recommends more popular movies than most-popular`);
  });
});

/**
 * Users 1..6 with 1, 2, 3, 5, 6 and 22 ratings, interleaved; user 6's timestamps repeat. The expected
 * rows were printed by MS Recommenders 1.2.1 (`python_stratified_split(df, ratio=0.75, seed=…)` and
 * `python_chrono_split(df, ratio=0.75)`, pandas 2.3.3, NumPy 2.4.6) on the same rows in the same order.
 */
describe('recommender: splits equal MS Recommenders python_stratified_split / python_chrono_split', () => {
  const sizes: [number, number][] = [[1, 1], [2, 2], [3, 3], [4, 5], [5, 6], [6, 22]];
  const rows: [number, number, number, number][] = [];
  for (let r = 0; r < 22; r++) for (const [user, n] of sizes) if (r < n) rows.push([user, 100 + r, 1 + (r % 5), 1000 + ((r * 7) % 11)]);
  const columns: RatingColumns = {
    userIds: Int32Array.from(rows, (r) => r[0]),
    movieIds: Int32Array.from(rows, (r) => r[1]),
    ratings: Float32Array.from(rows, (r) => r[2]),
    timestamps: Float64Array.from(rows, (r) => r[3]),
  };

  it('stratified, seed 42: the same train and test rows, in the same order', () => {
    const split = stratifiedSplit(columns, 0.75, 42);
    assert.deepEqual(Array.from(split.train), [0, 6, 1, 2, 7, 15, 18, 3, 8, 21, 4, 13, 19, 10, 29, 32, 37, 5, 31, 14, 26, 22, 36, 23, 24, 27, 17, 28, 30]);
    assert.deepEqual(Array.from(split.test), [11, 12, 16, 9, 20, 38, 25, 35, 33, 34]);
  });

  it('stratified, seed 1: the same test rows', () => {
    assert.deepEqual(Array.from(stratifiedSplit(columns, 0.75, 1).test), [11, 15, 13, 21, 20, 37, 24, 29, 25, 32]);
  });

  it('temporal: the same test rows (equal timestamps keep row order)', () => {
    assert.deepEqual(Array.from(temporalSplit(columns, 0.75).test), [7, 15, 9, 16, 26, 37, 23, 34, 17, 31]);
  });

  it('train count = round(0.75 n), ties to even, as pandas rounds it', () => {
    const counts = [1, 2, 3, 4, 5, 6, 10, 20, 22, 26].map((n) => trainCount(n, 0.75));
    assert.deepEqual(counts, [1, 2, 2, 3, 4, 4, 8, 15, 16, 20]);
    assert.throws(() => stratifiedSplit(columns, 1, 42), RangeError);
    assert.throws(() => temporalSplit(columns, 0), RangeError);
  });
});

describe('recommender: evaluating a given split', () => {
  const data = generateSynthetic({ ratings: 6000, seed: 3, users: 100, movies: 250 });
  const columns = toColumns(data.ratings);

  it('scores the given rows exactly as it scores the split it would make', () => {
    const split = stratifiedSplit(columns, 0.75, 5);
    const given = { train: selectRows(columns, split.train), test: selectRows(columns, split.test) };
    const made = evaluate(data, { protocol: 'stratified', seed: 5, ks: [5, 10] });
    const scored = evaluate({ ratings: [], movies: data.movies }, { protocol: 'stratified', seed: 5, ks: [5, 10], split: given });
    assert.deepEqual(scored.results, made.results);
    assert.equal(scored.testRatings, given.test.userIds.length);
  });

  it('keepLists returns the rows and every method\'s top-K list per test user', () => {
    const result = evaluate(data, { protocol: 'stratified', seed: 5, ks: [3, 10], keepLists: true });
    const lists = result.lists!;
    assert.equal(lists.k, 10);
    assert.equal(lists.train.userIds.length + lists.test.userIds.length, columns.userIds.length);
    assert.deepEqual(Array.from(lists.users), [...new Set(lists.test.userIds)].sort((a, b) => a - b));
    assert.deepEqual(lists.recommendations.map((r) => r.method), [...evaluatedMethods]);
    for (const { lists: byUser } of lists.recommendations) {
      assert.equal(byUser.length, lists.users.length);
      for (const list of byUser) assert.ok(list.length === 10 && new Set(list).size === 10);
    }
    assert.throws(() => evaluate(data, { protocol: 'kfold', folds: 3, keepLists: true }), /single split/);
  });

  it('a user with an empty list counts 0 in NDCG but is left out of precision, recall and MAP (as MS Recommenders)', () => {
    // User 1 has rated every movie in training, so nothing can be recommended to them; their test
    // row repeats a training movie. User 2 is an ordinary user.
    const movies = data.movies.slice(0, 20);
    const train: [number, number][] = movies.map((m) => [1, m.movieId]);
    for (const m of movies.slice(0, 5)) train.push([2, m.movieId]);
    const test: [number, number][] = [[1, movies[0]!.movieId], [2, movies[5]!.movieId]];
    const toCols = (pairs: [number, number][]): RatingColumns => ({
      userIds: Int32Array.from(pairs, (p) => p[0]),
      movieIds: Int32Array.from(pairs, (p) => p[1]),
      ratings: Float32Array.from(pairs, () => 4),
      timestamps: Float64Array.from(pairs, (_, i) => i),
    });
    const result = evaluate({ ratings: [], movies }, { protocol: 'stratified', methods: ['most-popular'], split: { train: toCols(train), test: toCols(test) }, ks: [1], keepLists: true });
    assert.deepEqual(result.lists!.recommendations[0]!.lists[0], []);
    const at = result.results[0]!.atK[0]!;
    const user2 = result.lists!.recommendations[0]!.lists[1]!;
    const hit = user2[0] === movies[5]!.movieId ? 1 : 0;
    assert.equal(at.precision, hit);
    assert.equal(at.recall, hit);
    assert.equal(at.ndcg, hit / 2);
  });
});

describe('recommender: quality on ml-100k', function () {
  let data: Dataset;
  before(function () {
    if (!existsSync(ml100kDir)) this.skip();
    data = loadMovieLens100k(ml100kDir);
  });

  const ndcg = (result: EvaluationResult, method: string): number => result.results.find((r) => r.method === method)!.atK[0]!.ndcg;

  it('stratified 75/25, top-10: every method beats most-popular on NDCG@10, hybrid beats SAR (0.388)', () => {
    const result = evaluate(data, { protocol: 'stratified', seed: 42 });
    const popular = ndcg(result, 'most-popular');
    for (const method of evaluatedMethods.filter((m) => m !== 'most-popular')) assert.ok(ndcg(result, method) > popular, `${method} NDCG@10 ${ndcg(result, method)} vs most-popular ${popular}`);
    assert.ok(ndcg(result, 'hybrid') > 0.388, `hybrid NDCG@10 ${ndcg(result, 'hybrid')}`);
  });

  it('kfold (one of five folds): user-based RMSE below BaselineOnly (0.944)', () => {
    const result = evaluate(data, { protocol: 'kfold', runFolds: 1, methods: ['user-based'], seed: 42 });
    assert.ok(result.results[0]!.rmse! < 0.944, `RMSE ${result.results[0]!.rmse}`);
  });
});
