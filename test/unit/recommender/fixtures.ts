import type { Movie, Rating } from '../../../recommender';

/** Builds Rating objects from [user, movie, rating] triples; timestamps follow the order given. */
export function ratings(triples: [number, number, number][]): Rating[] {
  return triples.map(([userId, movieId, rating], i) => ({ userId, movieId, rating, timestamp: 1_000_000 + i }));
}

export const tinyMovies: Movie[] = [
  { movieId: 1, title: 'Alien (1979)', genres: ['Horror', 'Sci-Fi'], year: 1979 },
  { movieId: 2, title: 'Aliens (1986)', genres: ['Action', 'Horror', 'Sci-Fi'], year: 1986 },
  { movieId: 3, title: 'Annie Hall (1977)', genres: ['Comedy', 'Romance'], year: 1977 },
  { movieId: 4, title: 'Manhattan (1979)', genres: ['Comedy', 'Drama', 'Romance'], year: 1979 },
  { movieId: 5, title: 'The Thing (1982)', genres: ['Horror', 'Sci-Fi'], year: 1982 },
  { movieId: 6, title: 'Heat (1995)', genres: ['Action', 'Crime'], year: 1995 },
];
