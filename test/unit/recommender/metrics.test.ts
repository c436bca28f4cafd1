import assert from 'node:assert/strict';
import { averagePopularity, catalogCoverage, countByMovie, mae, mapAtK, ndcgAtK, novelty, precisionAtK, recallAtK, rmse } from '../../../recommender';

describe('recommender: metrics', () => {
  // Hits at ranks 1 and 3 of 4; three relevant movies.
  const list = [10, 20, 30, 40];
  const relevant = new Set([10, 30, 99]);

  it('precision@K = hits / K and recall@K = hits / |relevant|', () => {
    assert.equal(precisionAtK(list, relevant, 4), 2 / 4);
    assert.equal(precisionAtK(list, relevant, 2), 1 / 2);
    assert.equal(recallAtK(list, relevant, 4), 2 / 3);
  });

  it('NDCG@K with binary relevance and the ideal over min(K, |relevant|)', () => {
    const dcg = 1 / Math.log2(2) + 1 / Math.log2(4);
    const idcg = 1 / Math.log2(2) + 1 / Math.log2(3) + 1 / Math.log2(4);
    assert.ok(Math.abs(ndcgAtK(list, relevant, 4) - dcg / idcg) < 1e-12);
    assert.ok(Math.abs(ndcgAtK(list, relevant, 2) - 1 / (1 + 1 / Math.log2(3))) < 1e-12);
  });

  it('MAP@K = Σ precision at hit ranks / min(K, |relevant|)', () => {
    assert.ok(Math.abs(mapAtK(list, relevant, 4) - (1 / 1 + 2 / 3) / 3) < 1e-12);
    assert.ok(Math.abs(mapAtK(list, relevant, 2) - 1 / 2) < 1e-12);
  });

  it('RMSE, MAE and catalog coverage', () => {
    assert.ok(Math.abs(rmse([3, 4], [4, 2]) - Math.sqrt((1 + 4) / 2)) < 1e-12);
    assert.equal(mae([3, 4], [4, 2]), 1.5);
    assert.equal(catalogCoverage([[1, 2], [2, 3]], 6), 0.5);
  });

  it('novelty = mean −log2(share of training ratings), an unrated movie adding 0 (MS Recommenders); ARP = mean training ratings', () => {
    // Training: movie 1 rated 4 times, movie 2 twice, movie 3 once, movie 4 once: 8 rows.
    const counts = countByMovie([1, 1, 2, 1, 3, 2, 1, 4]);
    assert.deepEqual([...counts].sort((a, b) => a[0] - b[0]), [[1, 4], [2, 2], [3, 1], [4, 1]]);
    const lists = [[1, 2], [3, 99]];
    assert.ok(Math.abs(novelty(lists, counts, 8) - (1 + 2 + 3 + 0) / 4) < 1e-12);
    assert.equal(averagePopularity(lists, counts), (4 + 2 + 1 + 0) / 4);
    assert.equal(novelty([[], []], counts, 8), 0);
    assert.equal(averagePopularity([], counts), 0);
  });

  it('a list shorter than K: precision still divides by K, the ideal DCG by min(K, |relevant|)', () => {
    assert.equal(precisionAtK([10], relevant, 4), 1 / 4);
    assert.ok(Math.abs(ndcgAtK([30], relevant, 4) - 1 / (1 + 1 / Math.log2(3) + 1 / Math.log2(4))) < 1e-12);
    assert.equal(ndcgAtK([], relevant, 4), 0);
  });
});
