import assert from 'node:assert/strict';
import { buildUserItemMatrix, concatCandidateLists, decodeCandidateLists, defaultUserCfParams, encodeCandidateLists, deserialize, fitBaselines, generateSynthetic, HybridRecommender, IdIndex, methods, serialize, UserBasedCF } from '../../../recommender';
import type { Movie } from '../../../recommender';
import { defaultAlsParams } from '../../../recommender/als';

describe('recommender: serving from precomputed pools and fresh ratings', () => {
  const data = generateSynthetic({ ratings: 30_000, seed: 11, users: 400, movies: 500 });
  // The hybrid weighs ALS, so its pools and its fresh answers solve ALS's user factors too.
  const model = HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, {
    minCandidateRatings: 5,
    hybridWeights: { userCf: 0.2, itemCf: 0.4, content: 0.2, als: 0.2 },
    als: { ...defaultAlsParams, factors: 16 },
  });
  const lists = model.precomputeCandidates();
  const fast = model.withCandidates(lists);
  const userIds = Array.from(model.matrix.userIds);
  const horror = new Set(data.movies.filter((m) => m.genres.includes('Horror')).map((m) => m.movieId));

  it('answers every user, method, limit and quality weight from the pools exactly as the recalls compute it', () => {
    for (const userId of userIds.filter((_, k) => k % 7 === 0)) {
      for (const method of methods) {
        for (const options of [{ limit: 10 }, { limit: 100, qualityWeight: 0 }, { limit: 3, qualityWeight: 1 }]) {
          assert.deepEqual(fast.recommend(userId, { method, ...options }), model.recommend(userId, { method, ...options }));
        }
      }
    }
  });

  it('joins pools computed in shards into the pools of one run, and keeps them through the artifact', () => {
    const shards = [model.precomputeCandidates(0, 150), model.precomputeCandidates(150, 151), model.precomputeCandidates(151, model.matrix.numUsers)];
    const joined = concatCandidateLists(shards.reverse());
    assert.deepEqual(joined, lists);
    const loaded = deserialize(serialize(fast, { snapshotId: 'pools' }));
    assert.deepEqual(loaded.state.candidates, lists);
    for (const userId of userIds.slice(0, 20)) assert.deepEqual(loaded.recommend(userId, { method: 'hybrid' }), model.recommend(userId, { method: 'hybrid' }));
  });

  it('stores a shard’s pools as bytes that decode to the same pools, and refuses bytes that do not add up', () => {
    const shard = model.precomputeCandidates(150, 200);
    const bytes = encodeCandidateLists(shard);
    assert.deepEqual(decodeCandidateLists(bytes), shard);
    const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
    unaligned.set(bytes);
    assert.deepEqual(decodeCandidateLists(unaligned), shard, 'bytes at any offset');
    assert.throws(() => decodeCandidateLists(bytes.subarray(0, bytes.length - 4)), /do not match their header/);
    const decreasing = bytes.slice();
    new Int32Array(decreasing.buffer, 16, 2)[1] = -1;
    assert.throws(() => decodeCandidateLists(decreasing), /decrease at slot 0/);
  });

  it('never returns a movie rated fresh, and says how many fresh ratings it used', () => {
    const userId = userIds[3]!;
    for (const method of methods) {
      const before = fast.recommend(userId, { method, limit: 10 });
      const fresh = before.items.slice(0, 3).map((item) => ({ movieId: item.movieId, rating: 4 }));
      const after = fast.recommend(userId, { method, limit: 10 }, [...fresh, { movieId: 999_999, rating: 5 }]);
      assert.equal(after.freshRatingsUsed, 3, 'the unknown movie is not used');
      for (const f of fresh) assert.ok(!after.items.some((item) => item.movieId === f.movieId), `${method} returned fresh-rated movie ${f.movieId}`);
      assert.equal(after.items.length, 10);
    }
  });

  it('gives a new user with five fresh ratings personalised answers from their own tastes, and fewer the few-ratings path', () => {
    const liked = data.movies.filter((m) => horror.has(m.movieId) && model.hasMovie(m.movieId)).slice(0, 5);
    const fresh = liked.map((m) => ({ movieId: m.movieId, rating: 5 }));
    const newUser = 9_000_001;
    assert.equal(model.recommend(newUser, { method: 'hybrid' }).path, 'popular');
    for (const method of methods) {
      const answer = fast.recommend(newUser, { method, limit: 10 }, fresh);
      assert.equal(answer.path, 'personalised', method);
      assert.equal(answer.freshRatingsUsed, 5);
      assert.ok(answer.items.every((item) => !fresh.some((f) => f.movieId === item.movieId)));
    }
    assert.equal(fast.recommend(newUser, { method: 'user-based' }, fresh.slice(0, 3)).path, 'content-from-few-ratings');
    const horrorShare = (answer: { items: { movieId: number }[] }) => answer.items.filter((item) => horror.has(item.movieId)).length;
    assert.ok(horrorShare(fast.recommend(newUser, { method: 'item-based', limit: 10 }, fresh)) > horrorShare(fast.recommend(newUser, { method: 'item-based', limit: 10 })));
  });

  it('shows a known user who rates three horror films more horror in the next answer', () => {
    const moviesById = new Map<number, Movie>(data.movies.map((m) => [m.movieId, m]));
    const horrorShare = (items: { movieId: number }[]) => items.filter((item) => moviesById.get(item.movieId)?.genres.includes('Horror')).length;
    let improved = 0;
    const users = userIds.filter((_, k) => k % 10 === 0);
    for (const userId of users) {
      const shown = fast.recommend(userId, { method: 'item-based', limit: 10 }).items;
      const excluded = new Set([...model.ratedMovies(userId), ...shown.map((item) => item.movieId)]);
      const fresh = [...horror].filter((id) => !excluded.has(id) && model.hasMovie(id)).slice(0, 3).map((movieId) => ({ movieId, rating: 5 }));
      const before = horrorShare(shown);
      const after = horrorShare(fast.recommend(userId, { method: 'item-based', limit: 10 }, fresh).items);
      if (after > before) improved++;
      assert.ok(after >= before, `user ${userId}: ${before} horror movies before, ${after} after three horror ratings`);
    }
    assert.ok(improved >= users.length / 2, `only ${improved} of ${users.length} users were shown more horror`);
  });

  it('answers exactly as without fresh ratings when they repeat what the model holds', () => {
    const userId = userIds[10]!;
    const repeated = model.ratedMovies(userId).slice(0, 4).map((movieId) => ({ movieId, rating: model.matrix.values[model.matrix.rowPtr[model.matrix.userIndex.get(userId)!]! + model.ratedMovies(userId).indexOf(movieId)]! }));
    for (const method of ['user-based', 'hybrid'] as const) {
      const { freshRatingsUsed: _used, ...withRepeats } = model.recommend(userId, { method }, repeated);
      assert.deepEqual(withRepeats, model.recommend(userId, { method }), method);
    }
  });

  it('scores the neighbours it finds through thinned rater lists with their exact similarity', () => {
    const matrix = buildUserItemMatrix(data.ratings);
    const baselines = fitBaselines(matrix);
    const thinned = new UserBasedCF(matrix, baselines, { ...defaultUserCfParams, maxRatersScanned: 60, rescoredNeighbours: 80 }, { min: 0.5, max: 5 });
    const exact = new UserBasedCF(matrix, baselines, { ...defaultUserCfParams, maxRatersScanned: 0 }, { min: 0.5, max: 5 });
    let overlap = 0;
    for (let u = 0; u < 40; u++) {
      const found = thinned.neighbours(u, 20);
      const best = new Set(exact.neighbours(u, 20).users);
      found.users.forEach((v, k) => {
        assert.ok(Math.abs(found.sims[k]! - exact.similarity(u, v)) < 1e-9);
        if (best.has(v)) overlap++;
      });
    }
    assert.ok(overlap > 0.5 * 40 * 20, `the thinned search found ${overlap} of the ${40 * 20} best neighbours`);
  });
});

describe('recommender: IdIndex', () => {
  it('maps ids to their positions, sorted or not, and misses what it does not hold', () => {
    const index = IdIndex.of(Int32Array.from([40, 7, 19, 2_147_483_647, 1]));
    assert.deepEqual([40, 7, 19, 2_147_483_647, 1].map((id) => index.get(id)), [0, 1, 2, 3, 4]);
    assert.equal(index.get(8), undefined);
    assert.equal(index.has(0), false);
    assert.equal(IdIndex.of(Int32Array.from([1, 2, 3])).get(3), 2);
  });
});
