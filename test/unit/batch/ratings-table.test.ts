import assert from 'node:assert/strict';
import { RatingCollector, latestPerPair } from '../../../recommender/ratings-table';

describe('domain/ratings-table: the latest rating per (user, movie) wins', () => {
  it('keeps the rating with the greatest timestamp, and the one read last among equal timestamps', () => {
    const c = new RatingCollector();
    c.add(2, 10, 3, 100);
    c.add(1, 10, 1, 200);
    c.add(1, 10, 5, 300); // later: wins
    c.add(1, 10, 2, 250);
    c.add(2, 10, 4, 100); // same time as the first, read later: wins
    c.add(1, 5, 4.5, 50);
    const { table, replaced } = latestPerPair(c.collected());
    assert.equal(replaced, 3);
    assert.deepEqual([...table.userIds], [1, 1, 2]);
    assert.deepEqual([...table.movieIds], [5, 10, 10]);
    assert.deepEqual([...table.ratings], [4.5, 5, 4]);
    assert.deepEqual([...table.timestamps], [50, 300, 100]);
  });

  it('grows past its initial capacity without losing rows', () => {
    const c = new RatingCollector();
    for (let i = 0; i < 5000; i++) c.add(i % 50, i, 3, i);
    assert.equal(c.size, 5000);
    assert.equal(latestPerPair(c.collected()).table.userIds.length, 5000);
  });
});
