import type { CatalogMovie } from '../domain/catalog';
import type { Movie } from '../recommender/types';

/** Catalog lines (as stored in bronze) ↔ the recommender's movies. */
export function toRecommenderMovies(catalog: CatalogMovie[]): Movie[] {
  return catalog.map((m) => ({
    movieId: m.movie_id,
    title: m.title,
    genres: m.genres,
    ...(m.year !== undefined ? { year: m.year } : {}),
    ...(m.tags !== undefined ? { tags: m.tags } : {}),
  }));
}

export function toCatalogMovies(movies: Movie[]): CatalogMovie[] {
  return movies.map((m) => ({
    movie_id: m.movieId,
    title: m.title,
    genres: m.genres,
    ...(m.year !== undefined ? { year: m.year } : {}),
    ...(m.tags !== undefined ? { tags: m.tags } : {}),
  }));
}
