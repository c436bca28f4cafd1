import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../config';
import { evaluate, generateSynthetic, loadMovieLens100k, methods, summarise, toColumns } from '../../../recommender';
import type { Dataset, EvaluationResult } from '../../../recommender';
import { stratifiedSplit, temporalSplit, kfoldSplits } from '../../../recommender/evaluation/split';
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
    assert.deepEqual(summary.results.map((r) => r.method), ['user-based', 'item-based', 'hybrid', 'most-popular']);
    assert.deepEqual(Object.keys(summary.results[0]!.metrics), ['precision@10', 'recall@10', 'ndcg@10', 'map@10', 'coverage']);
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
    for (const method of methods) assert.ok(ndcg(result, method) > popular, `${method} NDCG@10 ${ndcg(result, method)} vs most-popular ${popular}`);
    assert.ok(ndcg(result, 'hybrid') > 0.388, `hybrid NDCG@10 ${ndcg(result, 'hybrid')}`);
  });

  it('kfold (one of five folds): user-based RMSE below BaselineOnly (0.944)', () => {
    const result = evaluate(data, { protocol: 'kfold', runFolds: 1, methods: ['user-based'], seed: 42 });
    assert.ok(result.results[0]!.rmse! < 0.944, `RMSE ${result.results[0]!.rmse}`);
  });
});
