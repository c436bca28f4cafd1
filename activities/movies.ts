import type { CatalogMovie } from '../domain/catalog';
import type { Movie } from '../recommender/types';

export function toRecommenderMovies(catalog: CatalogMovie[]): Movie[] {
  return catalog.map((m) => ({
    movieId: m.movie_id,
    title: m.title,
    genres: m.genres,
    ...(m.year !== undefined ? { year: m.year } : {}),
    ...(m.tags !== undefined ? { tags: m.tags } : {}),
  }));
}
