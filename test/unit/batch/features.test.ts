import assert from 'node:assert/strict';
import { computeFeatures } from '../../../recommender/features';
import { toColumns, type Movie, type Rating } from '../../../recommender/types';

const movies: Movie[] = [
  { movieId: 1, title: 'Alien (1979)', genres: ['Horror', 'Sci-Fi'], year: 1979 },
  { movieId: 2, title: 'Heat (1995)', genres: ['Action', 'Crime'], year: 1995 },
  { movieId: 3, title: 'Unrated (2000)', genres: ['Drama'], year: 2000 },
];
const ratings: Rating[] = [
  { userId: 7, movieId: 1, rating: 5, timestamp: 1_000 },
  { userId: 7, movieId: 2, rating: 3, timestamp: 2_000 },
  { userId: 8, movieId: 1, rating: 4, timestamp: 1_500 },
];

describe('recommender/features: user and movie features', () => {
  const { users, movies: movieFeatures } = computeFeatures(toColumns(ratings), movies, 10);

  it('computes count, mean, std, first and last time and genre affinity per user', () => {
    const u7 = users.find((u) => u.user_id === 7)!;
    assert.equal(u7.rating_count, 2);
    assert.equal(u7.rating_mean, 4);
    assert.equal(u7.rating_std, 1);
    assert.equal(u7.first_rated_at, new Date(1_000_000).toISOString());
    assert.equal(u7.last_rated_at, new Date(2_000_000).toISOString());
    // (5 − 4) / (1 + 5) for Horror and Sci-Fi, (3 − 4) / (1 + 5) for Action and Crime.
    assert.equal(u7.genre_affinity.Horror, 0.166667);
    assert.equal(u7.genre_affinity.Action, -0.166667);
    assert.deepEqual(u7.top_genres, [], 'no genre was rated twice');
  });

  it('gives every catalog movie features, rated or not, with the rerank formulas', () => {
    assert.equal(movieFeatures.length, 3);
    const alien = movieFeatures.find((m) => m.movie_id === 1)!;
    assert.equal(alien.rating_count, 2);
    assert.equal(alien.rating_mean, 4.5);
    // Global mean 4, prior 10: (10·4 + 9) / 12 = 4.083333; popularity log(3)/log(3) = 1.
    assert.equal(alien.bayesian_mean, 4.083333);
    assert.equal(alien.popularity, 1);
    assert.equal(alien.title, 'Alien (1979)');
    const unrated = movieFeatures.find((m) => m.movie_id === 3)!;
    assert.equal(unrated.rating_count, 0);
    assert.equal(unrated.rating_mean, undefined);
    assert.equal(unrated.popularity, 0);
  });
});
