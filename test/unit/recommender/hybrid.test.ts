import assert from 'node:assert/strict';
import { buildUserItemMatrix, HybridRecommender, methods, UnknownMovieError } from '../../../recommender';
import type { HybridParams } from '../../../recommender';
import { alsScores, alsScratch, alsUserFactors, defaultAlsParams } from '../../../recommender/als';
import { ratings, tinyMovies } from './fixtures';

const data = ratings([
  [1, 1, 5], [1, 2, 4], [1, 3, 1],
  [2, 1, 5], [2, 2, 5], [2, 5, 4], [2, 3, 2],
  [3, 1, 4], [3, 5, 5], [3, 6, 3], [3, 2, 4],
  [4, 3, 5], [4, 4, 5], [4, 1, 2],
  [5, 4, 4],
]);
const params: Partial<HybridParams> = {
  minUserRatings: 2,
  minCandidateRatings: 0,
  hybridMinCandidateRatings: 0,
  userCf: { centring: 'none', similarityThreshold: 0, minCoRated: 1, shrinkage: 0, overlapWeighting: false, maxNeighbours: 10, recallNeighbours: 10, maxRatersScanned: 0, rescoredNeighbours: 10 },
};
const model = HybridRecommender.fit(buildUserItemMatrix(data), tinyMovies, params);

describe('recommender: HybridRecommender', () => {
  it('never returns movies the user rated, for every method', () => {
    for (const method of methods) {
      const result = model.recommend(1, { method, limit: 10 });
      assert.equal(result.path, 'personalised');
      const ids = result.items.map((i) => i.movieId);
      for (const seen of [1, 2, 3]) assert.ok(!ids.includes(seen), `${method} returned seen movie ${seen}`);
      assert.deepEqual(ids.sort(), [4, 5, 6]);
    }
  });

  it('scores = recall·(1−qw) + quality·qw, quality = 0.4·popularity + 0.6·shrunk mean, recall min-max within the list', () => {
    const qw = 0.25;
    const result = model.recommend(1, { method: 'user-based', limit: 10, qualityWeight: qw });
    // Movie 5: 2 ratings (4, 5); the most rated movie (1) has 4. Prior weight C = 10 at the global mean.
    const global = data.reduce((s, r) => s + r.rating, 0) / data.length;
    const popularity = 2 / 4;
    const shrunk = (10 * global + 4 + 5) / (10 + 2);
    const quality = 0.4 * popularity + 0.6 * ((shrunk - 1) / (5 - 1));
    const movie5 = result.items.find((i) => i.movieId === 5)!;
    assert.ok(Math.abs(movie5.quality_score - quality) < 1e-6);
    for (const item of result.items) assert.ok(Math.abs(item.score - (item.recall_score * (1 - qw) + item.quality_score * qw)) < 1e-12);
    const recalls = result.items.map((i) => i.recall_score);
    assert.equal(Math.max(...recalls), 1);
    assert.equal(Math.min(...recalls), 0);
    const scores = result.items.map((i) => i.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  });

  it('fits ALS only when the hybrid weighs it, and adds ALS’s score of the recalls’ candidates, reasons kept', () => {
    assert.equal(model.state.movieFactors.factors, 0, 'the library default does not weigh ALS');
    const weights = { userCf: 0.5, itemCf: 0, content: 0, als: 2 };
    const withAls = HybridRecommender.fit(buildUserItemMatrix(data), tinyMovies, { ...params, qualityWeight: 0, hybridWeights: weights, als: { ...defaultAlsParams, factors: 3, regularisation: 1 } });
    const { movieFactors, derived, matrix } = withAls.state;
    assert.equal(movieFactors.values.length, matrix.numMovies * 3);
    const u = matrix.userIndex.get(1)!;
    const profile = { user: u, fromModel: true, movies: matrix.colIdx.subarray(matrix.rowPtr[u], matrix.rowPtr[u + 1]), ratings: new Float32Array(3), centred: new Float32Array(3) };
    const user = alsUserFactors(movieFactors, derived.alsGram, defaultAlsParams.confidence, profile, alsScratch(3));
    // User-based finds 4, 5 and 6: its recall scores are its list min-max normalised, ALS's are normalised the same way.
    const userBased = withAls.recommend(1, { method: 'user-based', limit: 3 }).items;
    const als = alsScores(movieFactors, user, Int32Array.from(userBased, (item) => matrix.movieIndex.get(item.movieId)!));
    const normalised = (values: number[]) => values.map((v) => (v - Math.min(...values)) / (Math.max(...values) - Math.min(...values)));
    const alsShare = normalised(Array.from(als));
    const expected = normalised(userBased.map((item, k) => weights.userCf * item.recall_score + weights.als * alsShare[k]!));
    const hybrid = withAls.recommend(1, { method: 'hybrid', limit: 3 }).items;
    userBased.forEach((item, k) => {
      const mixed = hybrid.find((h) => h.movieId === item.movieId)!;
      assert.ok(Math.abs(mixed.recall_score - expected[k]!) < 1e-6, `movie ${item.movieId}: ${mixed.recall_score} against ${expected[k]}`);
      assert.equal(mixed.reason, item.reason, 'ALS brings no reason of its own');
    });
  });

  it('filters the hybrid’s candidates by a minimum of ratings of their own', () => {
    // User 1 can be recommended movies 4 and 5 (two ratings each) and 6 (one).
    const strict = HybridRecommender.fit(buildUserItemMatrix(data), tinyMovies, { ...params, minCandidateRatings: 3, hybridMinCandidateRatings: 2 });
    const userBased = strict.recommend(1, { method: 'user-based', limit: 3 });
    assert.equal(userBased.path, 'popular');
    assert.ok(userBased.items.every((item) => item.reason === 'popular with high ratings'));
    const hybrid = strict.recommend(1, { method: 'hybrid', limit: 3 });
    assert.equal(hybrid.path, 'personalised');
    assert.deepEqual(hybrid.items.slice(0, 2).map((item) => item.movieId).sort(), [4, 5]);
    assert.deepEqual(hybrid.items[2], userBased.items.find((item) => item.movieId === 6), 'movie 6 only as the popular fill');
  });

  it('explains items by similar users, liked movies or popularity', () => {
    assert.match(model.recommend(1, { method: 'user-based' }).items[0]!.reason, /^similar users rated it \d\.\d$/);
    assert.match(model.recommend(1, { method: 'item-based' }).items[0]!.reason, /^because you liked (Alien \(1979\)|Aliens \(1986\))$/);
  });

  it('falls back to popular movies for an unknown user, best quality first', () => {
    const result = model.recommend(999, { limit: 3 });
    assert.equal(result.path, 'popular');
    assert.equal(result.items.length, 3);
    assert.ok(result.items.every((i) => i.reason === 'popular with high ratings'));
    const q = result.items.map((i) => i.quality_score);
    assert.deepEqual(q, [...q].sort((a, b) => b - a));
  });

  it('uses content from the few ratings of a user below the minimum, then fills with popular movies', () => {
    const result = model.recommend(5, { limit: 5 });
    assert.equal(result.path, 'content-from-few-ratings');
    assert.ok(!result.items.some((i) => i.movieId === 4));
    assert.match(result.items[0]!.reason, /^because you liked Manhattan \(1979\)$/);
    assert.equal(result.items.length, 5);
  });

  it('finds similar movies by metadata and refuses unknown movies with a typed error', () => {
    const similar = model.similarMovies(1, 2).map((s) => s.movieId);
    assert.deepEqual(similar.sort(), [2, 5]);
    assert.throws(() => model.similarMovies(12345), UnknownMovieError);
    assert.throws(() => model.predictRating(1, 12345), UnknownMovieError);
  });

  it('predicts ratings within the rating scale and answers lookups', () => {
    const p = model.predictRating(1, 5);
    assert.ok(p >= 1 && p <= 5);
    assert.ok(model.hasUser(1) && !model.hasUser(999));
    assert.ok(model.hasMovie(6) && !model.hasMovie(999));
    assert.equal(model.movie(1)?.title, 'Alien (1979)');
  });

  it('rejects bad request options', () => {
    assert.throws(() => model.recommend(1, { limit: 0 }), RangeError);
    assert.throws(() => model.recommend(1, { qualityWeight: 2 }), RangeError);
  });
});
