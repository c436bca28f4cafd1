import assert from 'node:assert/strict';
import { buildUserItemMatrix, toColumns, withExtraMovies } from '../../../recommender';
import type { Rating } from '../../../recommender';

describe('recommender: buildUserItemMatrix', () => {
  const input: Rating[] = [
    { userId: 20, movieId: 7, rating: 4, timestamp: 10 },
    { userId: 10, movieId: 9, rating: 2, timestamp: 10 },
    { userId: 20, movieId: 3, rating: 5, timestamp: 10 },
    { userId: 10, movieId: 7, rating: 1, timestamp: 30 },
    { userId: 10, movieId: 7, rating: 3, timestamp: 20 },
  ];

  it('maps ids both ways and stores rows sorted by movie, with the transposed index', () => {
    const m = buildUserItemMatrix(input);
    assert.deepEqual([...m.userIds], [10, 20]);
    assert.deepEqual([...m.movieIds], [3, 7, 9]);
    assert.equal(m.userIndex.get(20), 1);
    assert.equal(m.movieIndex.get(9), 2);
    assert.deepEqual([...m.rowPtr], [0, 2, 4]);
    assert.deepEqual([...m.colIdx], [1, 2, 0, 1]);
    assert.deepEqual([...m.colPtr], [0, 1, 3, 4]);
    assert.deepEqual([...m.rowIdx], [1, 0, 1, 0]);
    assert.deepEqual([...m.colValues], [5, 1, 4, 2]);
  });

  it('keeps the latest rating of a repeated (user, movie) pair', () => {
    const m = buildUserItemMatrix(input);
    assert.equal(m.values[0], 1);
  });

  it('gives the same matrix from columns as from objects', () => {
    const a = buildUserItemMatrix(input);
    const b = buildUserItemMatrix(toColumns(input));
    assert.deepEqual([...b.colIdx], [...a.colIdx]);
    assert.deepEqual([...b.values], [...a.values]);
  });

  it('appends catalog-only movies as empty columns', () => {
    const m = withExtraMovies(buildUserItemMatrix(input), [7, 42]);
    assert.equal(m.numMovies, 4);
    assert.equal(m.movieIndex.get(42), 3);
    assert.equal(m.colPtr[4]! - m.colPtr[3]!, 0);
  });
});
