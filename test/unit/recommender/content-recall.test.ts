import assert from 'node:assert/strict';
import { buildUserItemMatrix, generateSynthetic, HybridRecommender, methods } from '../../../recommender';
import type { HybridParams, Movie } from '../../../recommender';
import { ContentRecaller, liftRecall, watchRecall } from '../../../recommender/content-recall';
import type { Profile } from '../../../recommender/profile';
import { likedMovieEvidence } from '../../../recommender/recall';
import { ratings } from './fixtures';

const params: Partial<HybridParams> = { minUserRatings: 1, minCandidateRatings: 0 };

/** A content recaller over a fitted model's state, taking the `mostWatched` most-watched movies too, and a user's row as its profile. */
function recallerOf(model: HybridRecommender, mostWatched = model.params.candidatePool) {
  const { content, derived, matrix } = model.state;
  const recaller = new ContentRecaller(content, derived.contentRows, derived.audienceCosine, derived.byRaters, derived.scale.min, mostWatched);
  const scratch = model.createScratch();
  const { seen } = scratch;
  return (userId: number) => {
    const u = matrix.userIndex.get(userId)!;
    const movies = matrix.colIdx.subarray(matrix.rowPtr[u], matrix.rowPtr[u + 1]);
    const profile: Profile = { user: u, fromModel: true, movies, ratings: matrix.values.subarray(matrix.rowPtr[u], matrix.rowPtr[u + 1]), centred: new Float32Array(movies.length) };
    for (const i of movies) seen[i] = 1;
    const candidates = recaller.candidates(profile, scratch);
    for (const i of movies) seen[i] = 0;
    return candidates;
  };
}

const idsOf = (model: HybridRecommender, items: Int32Array) => Array.from(items, (i) => model.matrix.movieIds[i]!);

describe('recommender: content recall', () => {
  it('content method = watch prior · cos(user taste) / (cos(user taste) + cos(audience taste)); the hybrid’s list = (1 + lift) / 2', () => {
    const movies: Movie[] = [
      { movieId: 1, title: 'X1', genres: ['X'] },
      { movieId: 2, title: 'XY', genres: ['X', 'Y'] },
      { movieId: 3, title: 'Y', genres: ['Y'] },
      { movieId: 4, title: 'X2', genres: ['X'] },
    ];
    const taste = ratings([[1, 1, 5], [1, 3, 1], [2, 3, 5], [2, 2, 3], [3, 4, 4]]);
    const model = HybridRecommender.fit(buildUserItemMatrix(taste), movies, params);
    // Unit vectors over (X, Y) with idf = log(4 / df): X1 = X2 = (1, 0), Y = (0, 1), XY ∝ (log 4/3, log 2).
    const [x, y] = [Math.log(4 / 3), Math.log(2)];
    const xy = [x / Math.hypot(x, y), y / Math.hypot(x, y)] as const;
    // Audience weights (rating − 1 summed per movie): X1 4, XY 2, Y 0 + 4, X2 3.
    const audience = [4 + 3 + 2 * xy[0], 4 + 2 * xy[1]] as const;
    const audienceCos = (v: readonly [number, number]): number => (audience[0] * v[0] + audience[1] * v[1]) / Math.hypot(...audience);
    // User 1 rated X1 5 and Y 1: the bottom rating adds nothing, so their taste is X and cos(taste, v) = v_X.
    // XY and X2 have one rater each, Y the most (two): prior = log(1 + 1) / log(1 + 2).
    const prior = Math.log(2) / Math.log(3);
    const watch = new Map([
      [2, (prior * xy[0]) / (xy[0] + audienceCos(xy))],
      [4, (prior * 1) / (1 + audienceCos([1, 0]))],
    ]);
    const lift = new Map([
      [2, (1 + xy[0] - audienceCos(xy)) / 2],
      [4, (1 + 1 - audienceCos([1, 0])) / 2],
    ]);
    const candidates = recallerOf(model)(1);
    const content = watchRecall(candidates, model.state.derived.watchPrior);
    const hybrids = liftRecall(candidates);
    assert.deepEqual(idsOf(model, content.items).sort(), [2, 4]);
    idsOf(model, content.items).forEach((id, c) => assert.ok(Math.abs(content.recall[c]! - watch.get(id)!) < 1e-6, `content method, movie ${id}`));
    idsOf(model, hybrids.items).forEach((id, c) => assert.ok(Math.abs(hybrids.recall[c]! - lift.get(id)!) < 1e-6, `hybrid's list, movie ${id}`));
    const items = model.recommend(1, { method: 'item-based', limit: 2 }).items;
    for (const item of items) assert.ok(Math.abs(item.recall_score - watch.get(item.movieId)!) < 1e-6, `item-based answers with the content method's recall, movie ${item.movieId}`);
  });

  it('ranks the more-watched of two movies that fit the taste alike first, by the prior’s ratio, and not in the hybrid’s list', () => {
    const movies: Movie[] = [
      { movieId: 1, title: 'Liked', genres: ['X'] },
      { movieId: 2, title: 'Watched', genres: ['X'] },
      { movieId: 3, title: 'Rare', genres: ['X'] },
      { movieId: 4, title: 'Other', genres: ['Y'] },
    ];
    // Three people watched "Watched", one "Rare"; both have only genre X, like the movie user 1 liked.
    const data = ratings([[1, 1, 5], [1, 4, 1], [2, 2, 3], [3, 2, 3], [4, 2, 3], [5, 3, 3]]);
    const model = HybridRecommender.fit(buildUserItemMatrix(data), movies, params);
    const items = model.recommend(1, { method: 'item-based', limit: 2 }).items;
    assert.deepEqual(items.map((item) => item.movieId), [2, 3]);
    const [watched, rare] = items.map((item) => item.recall_score);
    assert.ok(Math.abs(watched! / rare! - Math.log(4) / Math.log(2)) < 1e-6, `recall ${watched} against ${rare}`);
    const flat = HybridRecommender.fit(buildUserItemMatrix(data), movies, { ...params, content: { ...model.params.content, popularityExponent: 0 } });
    const [a, b] = flat.recommend(1, { method: 'item-based', limit: 2 }).items.map((item) => item.recall_score);
    assert.equal(a, b, 'exponent 0: the fit alone, equal for equal movies');
    assert.equal(new Set(liftRecall(recallerOf(model)(1)).recall).size, 1, 'the hybrid’s list does not weigh watching');
  });

  it('takes the taste’s most-watched movies as candidates where top-K lists miss them, with a rated movie as the reason', () => {
    const movies: Movie[] = [
      { movieId: 1, title: 'Liked', genres: ['X', 'Y'] },
      { movieId: 2, title: 'Twin', genres: ['X', 'Y'] },
      { movieId: 3, title: 'Popular X', genres: ['X'] },
      { movieId: 4, title: 'Popular Z', genres: ['Z'] },
      { movieId: 5, title: 'Disliked', genres: ['Z'] },
    ];
    const data = ratings([[1, 1, 5], [1, 5, 1], [2, 3, 4], [3, 3, 4], [4, 3, 4], [5, 3, 4], [2, 4, 4], [3, 4, 4], [6, 2, 3]]);
    // One neighbour per movie: Liked's is its twin; Popular X, sharing genre X, is in no rated movie's list.
    const model = HybridRecommender.fit(buildUserItemMatrix(data), movies, { ...params, content: { denseMaxMovies: 0, neighboursPerMovie: 1, yearWidths: [], yearWeight: 0, popularityExponent: 1 } });
    assert.equal(model.state.content.kind, 'top-k');
    const candidates = recallerOf(model)(1);
    assert.deepEqual(idsOf(model, candidates.items), [2, 3], 'the twin by its link, then Popular X; Popular Z shares no feature with the taste');
    assert.equal(candidates.linked, 1);
    assert.equal(candidates.evidence[1], likedMovieEvidence(model.matrix.movieIndex.get(1)!));
    assert.deepEqual(idsOf(model, liftRecall(candidates).items), [2], 'the hybrid’s list keeps the linked candidates');
    assert.deepEqual(idsOf(model, recallerOf(model, 0)(1).items), [2]);
    const popular = model.recommend(1, { method: 'item-based', limit: 2 }).items.find((item) => item.movieId === 3);
    assert.equal(popular?.reason, 'because you liked Liked');
  });

  it('answers from the pools exactly as online in a catalog with top-K lists, most-watched candidates included', () => {
    const data = generateSynthetic({ ratings: 20_000, seed: 3, users: 300, movies: 400 });
    const model = HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, { minCandidateRatings: 5, content: { denseMaxMovies: 100, neighboursPerMovie: 20, yearWidths: [1, 5, 10], yearWeight: 0.5, popularityExponent: 1 } });
    const fast = model.withCandidates(model.precomputeCandidates());
    const userIds = Array.from(model.matrix.userIds).filter((_, k) => k % 5 === 0);
    const recall = recallerOf(model);
    assert.ok(userIds.some((userId) => recall(userId).linked < recall(userId).items.length), 'some users get most-watched candidates');
    for (const userId of userIds) {
      for (const method of methods) assert.deepEqual(fast.recommend(userId, { method, limit: 20 }), model.recommend(userId, { method, limit: 20 }));
    }
  });
});
