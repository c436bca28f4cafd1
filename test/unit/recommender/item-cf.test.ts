import assert from 'node:assert/strict';
import { buildUserItemMatrix, HybridRecommender } from '../../../recommender';
import { concatItemNeighbours, fitItemNeighbours, itemCfRecall, itemCfScratch, type ItemNeighbours } from '../../../recommender/item-cf';
import { ratings, tinyMovies } from './fixtures';

// Movies 1 (A), 2 (B), 3 (C): user 1 rated A and B, user 2 A, B and C, user 3 B and C.
const walk = buildUserItemMatrix(ratings([[1, 1, 5], [1, 2, 3], [2, 1, 4], [2, 2, 2], [2, 3, 5], [3, 2, 4], [3, 3, 1]]));

function row(table: ItemNeighbours, i: number): [number, number][] {
  return Array.from(table.idx.subarray(table.ptr[i], table.ptr[i + 1]), (j, k) => [j, table.weight[table.ptr[i]! + k]!]);
}

function close(actual: [number, number][], expected: [number, number][]): void {
  assert.equal(actual.length, expected.length, JSON.stringify(actual));
  actual.forEach(([j, w], k) => {
    assert.equal(j, expected[k]![0]);
    assert.ok(Math.abs(w - expected[k]![1]) < 1e-6, `weight of ${j}: ${w}, expected ${expected[k]![1]}`);
  });
}

describe('recommender: collaborative item-to-item recall (item-cf)', () => {
  it('weighs the two-step walk by the users’ and movies’ degrees, best first, each row summing to 1', () => {
    // α = 1, β = 0: W(A,B) = ½·(½ + ⅓), W(A,C) = ½·⅓, then scaled to sum 1.
    const plain = fitItemNeighbours(walk, { neighbours: 10, alpha: 1, beta: 0 });
    close(row(plain, 0), [[1, 5 / 7], [2, 2 / 7]]);
    // W(B,A) = ⅓·(½ + ⅓) = W(B,C): a tie goes to the smaller index.
    close(row(plain, 1), [[0, 0.5], [2, 0.5]]);
    // β = 1 divides by the arrival's degree: B (3 raters) loses against A and C (2 each).
    const penalised = fitItemNeighbours(walk, { neighbours: 10, alpha: 1, beta: 1 });
    const ab = (5 / 6 / 2) / 3;
    const ac = (1 / 3 / 2) / 2;
    close(row(penalised, 0), [[1, ab / (ab + ac)], [2, ac / (ab + ac)]]);
  });

  it('keeps at most `neighbours` per movie and never the movie itself', () => {
    const table = fitItemNeighbours(walk, { neighbours: 1, alpha: 0.5, beta: 0.5 });
    for (let i = 0; i < walk.numMovies; i++) {
      const r = row(table, i);
      assert.equal(r.length, 1);
      assert.notEqual(r[0]![0], i);
      assert.ok(Math.abs(r[0]![1] - 1) < 1e-6);
    }
  });

  it('finds the same table for a movie whose walks outnumber the movies as for one whose walks do not', () => {
    // Movies 1–6 reached by user 5's long row take the pass over all movies; 7 and 8 (user 6 alone, two
    // steps each) take the per-step test. Both must match W(i, j) computed from the definition.
    const rows: Record<number, number[]> = { 1: [1, 2], 2: [1, 3], 3: [4], 4: [4, 5, 6], 5: [1, 2, 3, 4, 5, 6], 6: [7, 8] };
    const matrix = buildUserItemMatrix(ratings(Object.entries(rows).flatMap(([u, movies]) => movies.map((m): [number, number, number] => [Number(u), m, 4]))));
    const params = { neighbours: 10, alpha: 0.8, beta: 0.7 };
    const table = fitItemNeighbours(matrix, params);
    const raters = (movie: number) => Object.values(rows).filter((movies) => movies.includes(movie));
    for (let i = 0; i < matrix.numMovies; i++) {
      const movie = matrix.movieIds[i]!;
      const scores = Array.from(matrix.movieIds, (other, j): [number, number] => {
        const shared = raters(movie).filter((movies) => movies.includes(other));
        const walks = shared.reduce((sum, movies) => sum + movies.length ** -params.alpha, 0);
        return [j, other === movie ? 0 : raters(movie).length ** -params.alpha * raters(other).length ** -params.beta * walks];
      }).filter(([, w]) => w > 0);
      scores.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const total = scores.reduce((sum, [, w]) => sum + w, 0);
      close(row(table, i), scores.map(([j, w]) => [j, w / total]));
    }
  });

  it('fits movie ranges that join into the whole table', () => {
    const whole = fitItemNeighbours(walk);
    const joined = concatItemNeighbours([fitItemNeighbours(walk, undefined, 0, 1), fitItemNeighbours(walk, undefined, 1, 3)]);
    assert.deepEqual(joined, whole);
  });

  it('recalls the neighbours of what the profile rated, never a seen movie, naming the movie that brought each in', () => {
    const table = fitItemNeighbours(walk, { neighbours: 10, alpha: 1, beta: 0 });
    const seen = new Uint8Array(walk.numMovies);
    const profile = { user: -1, fromModel: false, movies: Int32Array.of(0, 1), ratings: Float32Array.of(5, 5), centred: new Float32Array(2) };
    seen[0] = 1;
    seen[1] = 1;
    const recall = itemCfRecall(table, profile, seen, itemCfScratch(walk.numMovies));
    assert.deepEqual(Array.from(recall.items), [2]);
    // C gets A's and B's weights; B's (½) is the larger share, so the reason names B.
    assert.ok(Math.abs(recall.recall[0]! - (2 / 7 + 0.5)) < 1e-6);
    assert.equal(recall.evidence[0], -(1 + 1));
    // The scratch space is left clean: the same call answers the same.
    assert.deepEqual(itemCfRecall(table, profile, seen, itemCfScratch(walk.numMovies)), itemCfRecall(table, profile, seen, itemCfScratch(walk.numMovies)));
  });

  it('answers the item-cf method from fresh ratings alone for a user the model does not know', () => {
    const data = ratings([
      [1, 1, 5], [1, 2, 4], [2, 1, 5], [2, 2, 5], [3, 1, 4], [3, 2, 4], [3, 6, 4],
      [4, 3, 5], [4, 4, 5], [5, 3, 4], [5, 4, 4], [6, 3, 5], [6, 4, 5], [6, 5, 3],
    ]);
    const model = HybridRecommender.fit(buildUserItemMatrix(data), tinyMovies, { minUserRatings: 1, minCandidateRatings: 0, qualityWeight: 0 });
    // Whoever rates movie 3 gets 4 first (its co-rated movie), never 1 or 2 above it.
    const answer = model.recommend(99, { method: 'item-cf', limit: 3 }, [{ movieId: 3, rating: 5 }]);
    assert.equal(answer.path, 'personalised');
    assert.equal(answer.freshRatingsUsed, 1);
    assert.equal(answer.items[0]!.movieId, 4);
    assert.ok(!answer.items.some((item) => item.movieId === 3));
    assert.match(answer.items[0]!.reason, /because you liked/);
  });
});
