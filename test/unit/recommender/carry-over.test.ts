import assert from 'node:assert/strict';
import { buildUserItemMatrix, generateSynthetic, HybridRecommender, methods } from '../../../recommender';
import type { CandidateLists, Movie } from '../../../recommender';
import { candidatePool } from '../../../recommender/candidates';
import { unchangedUsers, withCarriedPools } from '../../../recommender/carry-over';
import { selectRows, type RatingColumns } from '../../../recommender/types';

/** A user's pool of one method in movie ids: what carrying it to another model must keep. */
function poolByIds(model: HybridRecommender, lists: CandidateLists, userId: number, method: number) {
  const pool = candidatePool(lists, model.matrix.userIndex.get(userId)!, method)!;
  const { movieIds } = model.matrix;
  return {
    movies: Array.from(pool.items, (i) => movieIds[i]),
    recall: Array.from(pool.recallScore),
    reasons: Array.from(pool.evidence, (e) => (e < 0 ? `movie ${movieIds[-e - 1]}` : `rating ${e}`)),
  };
}

describe('recommender: candidate pools carried over from an earlier model', () => {
  const data = generateSynthetic({ ratings: 20_000, seed: 5, users: 300, movies: 400 });
  const params = { minCandidateRatings: 3 };
  const earlier = HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, params);
  const earlierPools = earlier.precomputeCandidates();
  const base = { matrix: earlier.matrix, candidates: earlierPools };

  // The next night: three users re-rate a movie, one adds a rating, a new user arrives, and so does a
  // new movie whose id sorts before every other (so every movie's index moves by one).
  const userIds = Array.from(earlier.matrix.userIds);
  const [reRater1, reRater2, reRater3, adder] = [userIds[3]!, userIds[50]!, userIds[120]!, userIds[200]!];
  const newMovie: Movie = { movieId: 0, title: 'A New Movie', genres: ['Drama'], year: 2026 };
  const next = selectRows(data.ratings, Array.from({ length: data.ratings.userIds.length }, (_, k) => k));
  for (const user of [reRater1, reRater2, reRater3]) {
    const k = next.userIds.indexOf(user);
    next.ratings[k] = next.ratings[k]! >= 3 ? 1 : 5;
  }
  const added = [
    { userId: adder, movieId: newMovie.movieId, rating: 4 },
    { userId: 99_999, movieId: data.movies[0]!.movieId, rating: 5 },
  ];
  const laterRatings: RatingColumns = {
    userIds: Int32Array.of(...next.userIds, ...added.map((r) => r.userId)),
    movieIds: Int32Array.of(...next.movieIds, ...added.map((r) => r.movieId)),
    ratings: Float32Array.of(...next.ratings, ...added.map((r) => r.rating)),
    timestamps: Float64Array.of(...next.timestamps, ...added.map(() => 2e9)),
  };
  const current = HybridRecommender.fit(buildUserItemMatrix(laterRatings), [newMovie, ...data.movies], params);
  const flags = unchangedUsers(base, current.matrix);
  const changed = new Set([reRater1, reRater2, reRater3, adder, 99_999]);

  it('carries over exactly the users whose ratings did not change', () => {
    for (let u = 0; u < current.matrix.numUsers; u++) {
      assert.equal(flags[u], changed.has(current.matrix.userIds[u]!) ? 0 : 1, `user ${current.matrix.userIds[u]}`);
    }
  });

  it('computes only the others, and gives the carried ones the earlier pools in the new movie indices', () => {
    const computedOnly = current.precomputeCandidates(0, current.matrix.numUsers, { carried: flags });
    const everything = current.precomputeCandidates();
    const joined = withCarriedPools(computedOnly, flags, base, current.matrix);
    for (const userId of current.matrix.userIds) {
      const u = current.matrix.userIndex.get(userId)!;
      for (let m = 0; m < methods.length; m++) {
        if (flags[u] === 1) {
          assert.equal(candidatePool(computedOnly, u, m)!.items.length, 0, 'a carried user is not computed');
          assert.deepEqual(poolByIds(current, joined, userId, m), poolByIds(earlier, earlierPools, userId, m), `user ${userId}, ${methods[m]}: the earlier pool`);
        } else {
          assert.deepEqual(poolByIds(current, joined, userId, m), poolByIds(current, everything, userId, m), `user ${userId}, ${methods[m]}: computed`);
        }
      }
    }
    assert.ok(flags.includes(1) && flags.includes(0));
  });

  it('drops from the carried pools a movie the new model no longer has', () => {
    // The movie most often named as a reason in the earlier pools (so, rated by many and similar to many), withdrawn from the catalogue with its ratings.
    const named = new Map<number, number>();
    for (const e of earlierPools.evidence) if (e < 0) named.set(-e - 1, (named.get(-e - 1) ?? 0) + 1);
    const gone = earlier.matrix.movieIds[[...named].sort((a, b) => b[1] - a[1])[0]![0]]!;
    const kept = Array.from({ length: data.ratings.movieIds.length }, (_, k) => k).filter((k) => data.ratings.movieIds[k] !== gone);
    const without = HybridRecommender.fit(buildUserItemMatrix(selectRows(data.ratings, kept)), data.movies.filter((movie) => movie.movieId !== gone), params);
    const carried = unchangedUsers(base, without.matrix);
    const joined = withCarriedPools(without.precomputeCandidates(0, without.matrix.numUsers, { carried }), carried, base, without.matrix);
    let dropped = 0;
    for (let u = 0; u < without.matrix.numUsers; u++) {
      if (carried[u] !== 1) continue;
      const userId = without.matrix.userIds[u]!;
      for (let m = 0; m < methods.length; m++) {
        const earlierPool = poolByIds(earlier, earlierPools, userId, m);
        // A reason names a movie the user rated: whoever rated the withdrawn one changed and is not carried.
        const expected = earlierPool.movies.flatMap((movie, p) => (movie === gone ? [] : [{ movie, recall: earlierPool.recall[p], reason: earlierPool.reasons[p] }]));
        dropped += earlierPool.movies.length - expected.length;
        const pool = poolByIds(without, joined, userId, m);
        assert.deepEqual(pool.movies.map((movie, p) => ({ movie, recall: pool.recall[p], reason: pool.reasons[p] })), expected, `user ${userId}, ${methods[m]}`);
      }
    }
    assert.ok(dropped > 0, 'some carried pools held the withdrawn movie');
  });

  it('answers a carried user from the earlier pools, reranked and filtered by the new model', () => {
    const served = current.withCandidates(withCarriedPools(current.precomputeCandidates(0, current.matrix.numUsers, { carried: flags }), flags, base, current.matrix));
    const userId = userIds[10]!;
    const answer = served.recommend(userId, { method: 'hybrid', limit: 10 });
    const earlierPool = new Set(poolByIds(earlier, earlierPools, userId, methods.indexOf('hybrid')).movies);
    const rated = new Set(current.ratedMovies(userId));
    assert.ok(earlierPool.size >= 10);
    assert.equal(answer.items.length, 10);
    for (const item of answer.items) {
      assert.ok(!rated.has(item.movieId), 'never a rated movie');
      assert.ok(earlierPool.has(item.movieId), 'from the earlier pool');
    }
    // Reranked with the new model's quality scores, as a computed pool is.
    const quality = current.state.derived.quality.quality;
    for (const item of answer.items) assert.equal(item.quality_score, quality[current.matrix.movieIndex.get(item.movieId)!]);
  });
});
