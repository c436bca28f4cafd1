import assert from 'node:assert/strict';
import { buildUserItemMatrix, fitBaselines, UserBasedCF } from '../../../recommender';
import type { UserCfParams } from '../../../recommender';
import { ratings } from './fixtures';

// User 1 rated movies 1,2,3; user 2 shares 1,2 with them; user 3 shares 1,3; user 4 shares nothing.
const matrix = buildUserItemMatrix(
  ratings([
    [1, 1, 5], [1, 2, 3], [1, 3, 4],
    [2, 1, 4], [2, 2, 2], [2, 4, 4], [2, 6, 5],
    [3, 1, 1], [3, 3, 5], [3, 4, 2],
    [4, 5, 3], [4, 4, 1],
  ]),
);
const plain: UserCfParams = {
  centring: 'none',
  similarityThreshold: 0,
  minCoRated: 1,
  shrinkage: 0,
  overlapWeighting: false,
  maxNeighbours: 10,
  recallNeighbours: 10,
  maxRatersScanned: 0,
  rescoredNeighbours: 10,
};
const cf = (params: Partial<UserCfParams> = {}): UserBasedCF =>
  new UserBasedCF(matrix, fitBaselines(matrix), { ...plain, ...params }, { min: 1, max: 5 });
const u = (id: number): number => matrix.userIndex.get(id)!;
const m = (id: number): number => matrix.movieIndex.get(id)!;
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-6, `${a} ≠ ${b}`);

// Cosine over the co-rated movies only.
const sim12 = (5 * 4 + 3 * 2) / Math.sqrt((25 + 9) * (16 + 4));
const sim13 = (5 * 1 + 4 * 5) / Math.sqrt((25 + 16) * (1 + 25));

describe('recommender: user-based CF', () => {
  it('computes cosine over co-rated movies only', () => {
    const model = cf();
    close(model.similarity(u(1), u(2)), sim12);
    close(model.similarity(u(1), u(3)), sim13);
    assert.equal(model.similarity(u(1), u(4)), 0);
    // The cosine over full rating vectors would differ: movie 3 is not co-rated by users 1 and 2.
    assert.notEqual(sim12.toFixed(6), ((5 * 4 + 3 * 2) / Math.sqrt((25 + 9 + 16) * (16 + 4 + 16 + 25))).toFixed(6));
  });

  it('sorts neighbours by similarity and drops those at or below the threshold', () => {
    assert.deepEqual([...cf().neighbours(u(1), 10).users], [u(2), u(3)]);
    assert.deepEqual([...cf({ similarityThreshold: 0.9 }).neighbours(u(1), 10).users], [u(2)]);
    assert.deepEqual([...cf({ minCoRated: 3 }).neighbours(u(1), 10).users], []);
  });

  it('predicts the similarity-weighted rating of the neighbours who rated the movie', () => {
    close(cf().predict(u(1), m(4)), (sim12 * 4 + sim13 * 2) / (sim12 + sim13));
    close(cf({ similarityThreshold: 0.9 }).predict(u(1), m(4)), 4);
    close(cf({ maxNeighbours: 1 }).predict(u(1), m(4)), 4);
  });

  it('applies shrinkage n/(n+β) and overlap weighting n/√(|R_u|·|R_v|)', () => {
    close(cf({ shrinkage: 2 }).similarity(u(1), u(2)), sim12 * (2 / 4));
    close(cf({ overlapWeighting: true }).similarity(u(1), u(2)), sim12 * (2 / Math.sqrt(3 * 4)));
  });

  it('recalls unseen movies of the neighbours with the weighted rating, non-raters counting 0', () => {
    const seen = new Uint8Array(matrix.numMovies);
    for (const id of [1, 2, 3]) seen[m(id)] = 1;
    const recall = cf().recall(u(1), seen);
    const byMovie = new Map([...recall.items].map((item, c) => [matrix.movieIds[item]!, { recall: recall.recall[c]!, evidence: recall.evidence[c]! }]));
    assert.deepEqual([...byMovie.keys()].sort(), [4, 6]);
    close(byMovie.get(4)!.recall, (sim12 * 4 + sim13 * 2) / (sim12 + sim13));
    close(byMovie.get(6)!.recall, (sim12 * 5) / (sim12 + sim13));
    close(byMovie.get(6)!.evidence, 5);
  });

  it('centres on the baseline and falls back to it without neighbours', () => {
    const baselines = fitBaselines(matrix);
    const model = new UserBasedCF(matrix, baselines, { ...plain, centring: 'baseline', minCoRated: 5 }, { min: 1, max: 5 });
    close(model.predict(u(1), m(4)), baselines.globalMean + baselines.userBias[u(1)]! + baselines.itemBias[m(4)]!);
  });
});
