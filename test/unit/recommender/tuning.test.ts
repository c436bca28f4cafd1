import assert from 'node:assert/strict';
import { buildUserItemMatrix, generateSynthetic, HybridRecommender } from '../../../recommender';
import { defaultAlsParams } from '../../../recommender/als';
import { defaultItemCfParams } from '../../../recommender/item-cf';
import { tuneHybrid, tunedBetas, tunedEaseLambdas, tunedWeights } from '../../../recommender/tuning';

describe('recommender: choosing the hybrid blend on a validation split', function () {
  this.timeout(60_000);
  const data = generateSynthetic({ ratings: 20_000, seed: 3, users: 300, movies: 400 });

  it('tries every β and blend, and chooses the one with the best validation NDCG@10', () => {
    // RP3β's table (EASE's has no β to try).
    const result = tuneHybrid(data.ratings, data.movies, { minCandidateRatings: 5, itemCf: { ...defaultItemCfParams, easeMaxMovies: 0 } }, { seed: 42, maxUsers: 120 });
    assert.equal(result.trials.length, tunedBetas.length * tunedWeights.length);
    assert.equal(result.validationUsers, 120);
    const best = Math.max(...result.trials.map((t) => t.ndcg));
    const chosen = result.trials.find((t) => t.ndcg === best)!;
    assert.equal(result.params.itemCf.beta, chosen.beta);
    assert.ok(result.trials.every((t) => t.easeLambda === defaultItemCfParams.easeLambda));
    assert.deepEqual(result.params.hybridWeights, chosen.weights);
    assert.ok(result.trials.every((t) => t.ndcg >= 0 && t.ndcg <= 1));
    assert.ok(best > 0, 'some blend finds validation movies');
  });

  it('tries EASE’s λ (not β) with EASE’s table, and keeps the chosen λ', () => {
    const easeLambdas = [tunedEaseLambdas[0]!, 500];
    const result = tuneHybrid(data.ratings, data.movies, { minCandidateRatings: 5, itemCf: { ...defaultItemCfParams, easeMaxMovies: 1000 } }, { seed: 42, maxUsers: 60, easeLambdas });
    assert.equal(result.trials.length, easeLambdas.length * tunedWeights.length);
    assert.deepEqual([...new Set(result.trials.map((t) => t.easeLambda))], easeLambdas);
    assert.ok(result.trials.every((t) => t.beta === defaultItemCfParams.beta));
    const best = Math.max(...result.trials.map((t) => t.ndcg));
    assert.equal(result.params.itemCf.easeLambda, result.trials.find((t) => t.ndcg === best)!.easeLambda);
  });

  it('tries blends that weigh ALS and blends that do not, and a model fitted with the choice has ALS’s factors only if it weighs them', () => {
    assert.ok(tunedWeights.some((w) => w.als > 0) && tunedWeights.some((w) => w.als === 0));
    const base = { minCandidateRatings: 5, itemCf: { ...defaultItemCfParams, easeMaxMovies: 0 }, als: { ...defaultAlsParams, factors: 8 } };
    const result = tuneHybrid(data.ratings, data.movies, base, { seed: 42, maxUsers: 80, betas: [0.7] });
    assert.deepEqual(
      result.trials.map((t) => t.weights),
      tunedWeights,
    );
    assert.ok(new Set(result.trials.map((t) => t.ndcg)).size > 1, 'the blends rank differently');
    const model = HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, { ...base, ...result.params });
    assert.equal(model.state.movieFactors.factors, result.params.hybridWeights.als > 0 ? 8 : 0);
  });

  it('is deterministic for a seed and depends on it', () => {
    const options = { betas: [0.5, 0.7], weights: tunedWeights.slice(0, 2), maxUsers: 80 };
    const once = tuneHybrid(data.ratings, data.movies, { minCandidateRatings: 5 }, { seed: 7, ...options });
    const again = tuneHybrid(data.ratings, data.movies, { minCandidateRatings: 5 }, { seed: 7, ...options });
    const other = tuneHybrid(data.ratings, data.movies, { minCandidateRatings: 5 }, { seed: 8, ...options });
    assert.deepEqual(again, once);
    assert.notDeepEqual(other.trials, once.trials);
  });
});
