import { methods, type HybridRecommender } from '../../recommender/hybrid';

/**
 * What a model must do before it is served: every method answers with finite scores for a known and an
 * unknown user, from the candidate pools and with a fresh rating folded in, and similar movies work.
 * Returns what is wrong, or undefined.
 */
export function smokeTestProblem(recommender: HybridRecommender): string | undefined {
  const { userIds, movieIds } = recommender.matrix;
  if (movieIds.length === 0) return 'the model knows no movies';
  const users = userIds.length > 0 ? [userIds[0]!, -1] : [-1];
  const fresh = [{ movieId: movieIds[0]!, rating: recommender.state.derived.scale.max }];
  for (const userId of users) {
    for (const method of methods) {
      for (const answer of [recommender.recommend(userId, { method, limit: 10 }), recommender.recommend(userId, { method, limit: 10 }, fresh)]) {
        if (answer.items.length === 0) return `smoke test: ${method} recommended nothing for user ${userId}`;
        for (const item of answer.items) {
          if (![item.score, item.recall_score, item.quality_score].every(Number.isFinite)) return `smoke test: ${method} gave a non-finite score for movie ${item.movieId}`;
        }
      }
    }
  }
  recommender.similarMovies(movieIds[0]!, 10);
  return undefined;
}
