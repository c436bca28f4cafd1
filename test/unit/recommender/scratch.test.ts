import assert from 'node:assert/strict';
import { buildUserItemMatrix, generateSynthetic, HybridRecommender, methods, type RecommendScratch } from '../../../recommender';
import { defaultAlsParams } from '../../../recommender/als';

/** The buffers a call marks or accumulates into, which it must leave as it found them (zero). */
function dirtyBuffers(scratch: RecommendScratch): string[] {
  const buffers: Record<string, ArrayLike<number>> = {
    seen: scratch.seen,
    acc: scratch.acc,
    simRow: scratch.simRow,
    'content.best': scratch.content.best,
    'content.mark': scratch.content.mark,
    'content.taste': scratch.content.taste,
    'content.featureContribution': scratch.content.featureContribution,
    'itemCf.mark': scratch.itemCf.mark,
    'mix.mark': scratch.mix.mark,
    'userCf.accumulators': scratch.userCf.accumulators,
    'userCf.estimates': scratch.userCf.estimates,
    'userCf.itemAcc': scratch.userCf.itemAcc,
    'userCf.itemSimSum': scratch.userCf.itemSimSum,
    'userCf.itemMark': scratch.userCf.itemMark,
    'userCf.inProfile': scratch.userCf.inProfile,
  };
  return Object.entries(buffers)
    .filter(([, values]) => Array.prototype.some.call(values, (v: number) => v !== 0))
    .map(([name]) => name);
}

describe('recommender: one read-only model, a scratch per caller', () => {
  const data = generateSynthetic({ ratings: 20_000, seed: 5, users: 300, movies: 400 });
  const params = { minCandidateRatings: 5, hybridWeights: { userCf: 0.2, itemCf: 0.4, content: 0.2, als: 0.2 }, als: { ...defaultAlsParams, factors: 8 } };
  const model = HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, params);
  const userIds = Array.from(model.matrix.userIds).filter((_, k) => k % 11 === 0);
  const movieIds = Array.from(model.matrix.movieIds).filter((_, k) => k % 37 === 0);

  it('answers the same with callers’ scratches taking turns as with one caller alone', () => {
    const [a, b] = [model.createScratch(), model.createScratch()];
    for (const [k, userId] of userIds.entries()) {
      const other = userIds[(k + 1) % userIds.length]!;
      for (const method of methods) {
        const alone = model.recommend(userId, { method });
        // Caller b serves another user, with fresh ratings, between a's calls.
        model.recommend(other, { method }, [{ movieId: movieIds[0]!, rating: 5 }], 'fold', b);
        assert.deepEqual(model.recommend(userId, { method }, undefined, 'fold', a), alone);
        for (const movieId of movieIds.slice(0, 3)) {
          const predicted = model.predictRating(userId, movieId, method);
          model.predictRating(other, movieId, method, b);
          assert.equal(model.predictRating(userId, movieId, method, a), predicted);
        }
      }
    }
  });

  it('leaves every mark and sum of the scratch at zero after each kind of call', () => {
    const scratch = model.createScratch();
    for (const userId of userIds.slice(0, 5)) {
      for (const method of methods) {
        model.recommend(userId, { method }, undefined, 'fold', scratch);
        model.recommend(userId, { method }, [{ movieId: movieIds[1]!, rating: 4 }, { movieId: movieIds[2]!, rating: 1 }], 'fold', scratch);
        model.recommend(userId, { method }, [{ movieId: movieIds[1]!, rating: 4 }], 'exclude', scratch);
        model.predictRating(userId, movieIds[3]!, method, scratch);
        assert.deepEqual(dirtyBuffers(scratch), [], `after user ${userId}, ${method}`);
      }
    }
    model.precomputeCandidates(0, 20, { scratch });
    model.similarMovies(movieIds[0]!, 10, scratch);
    model.hybridUnderBlends(userIds[1]!, [params.hybridWeights, { userCf: 1, itemCf: 0, content: 0, als: 0 }], 10, scratch);
    assert.deepEqual(dirtyBuffers(scratch), []);
  });

  it('does not carry one model’s user similarities into another model’s predictions through a shared scratch', () => {
    // Other ratings of as many users and movies: a scratch sized for one fits the other.
    const otherData = generateSynthetic({ ratings: 20_000, seed: 6, users: 300, movies: 400 });
    const other = HybridRecommender.fit(buildUserItemMatrix(otherData.ratings), otherData.movies, params);
    assert.deepEqual([other.matrix.numUsers, other.matrix.numMovies], [model.matrix.numUsers, model.matrix.numMovies]);
    const scratch = model.createScratch();
    const userId = userIds[2]!;
    for (const movieId of movieIds) {
      model.predictRating(userId, movieId, 'user-based', scratch);
      assert.equal(other.predictRating(userId, movieId, 'user-based', scratch), other.predictRating(userId, movieId, 'user-based'));
    }
  });
});
