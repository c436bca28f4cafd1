import { ratingScale } from './baseline';
import { buildUserItemMatrix } from './matrix';
import { computeQuality } from './quality';
import type { Movie, RatingColumns } from './types';

/**
 * User and movie features for the feature store and the silver layer, computed from deduplicated
 * ratings. Movie popularity, Bayesian mean and quality use the same formulas as the rerank
 * (quality.ts), so a feature read from DynamoDB matches what the recommender ranks by.
 */

export interface UserFeatures {
  user_id: number;
  rating_count: number;
  rating_mean: number;
  rating_std: number;
  first_rated_at: string;
  last_rated_at: string;
  /**
   * Per genre, how much more (or less) than their own mean the user rates it:
   * Σ_{i∈g}(r_i − μ_u) / (n_g + GENRE_SHRINKAGE), so a genre rated once weighs little.
   */
  genre_affinity: Record<string, number>;
  /** Up to three genres with the highest affinity among those the user rated at least twice. */
  top_genres: string[];
}

export interface MovieFeatures {
  movie_id: number;
  title: string;
  genres: string[];
  year?: number;
  rating_count: number;
  rating_mean?: number;
  /** The rating mean shrunk toward the global mean by `priorWeight` pseudo-ratings. */
  bayesian_mean: number;
  /** n / max n, in [0, 1]. */
  popularity: number;
  /** 0.4 · popularity + 0.6 · (Bayesian mean scaled to [0, 1]). */
  quality_score: number;
}

export const GENRE_SHRINKAGE = 5;
const TOP_GENRES = 3;

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

export function computeFeatures(ratings: RatingColumns, movies: Movie[], priorWeight: number): { users: UserFeatures[]; movies: MovieFeatures[] } {
  const matrix = buildUserItemMatrix(ratings, movies.map((m) => m.movieId));
  const scale = ratingScale(matrix);
  const quality = computeQuality(matrix, priorWeight, scale);
  const byId = new Map(movies.map((m) => [m.movieId, m]));

  const firstSeen = new Float64Array(matrix.numUsers).fill(Infinity);
  const lastSeen = new Float64Array(matrix.numUsers).fill(-Infinity);
  for (let k = 0; k < ratings.userIds.length; k++) {
    const u = matrix.userIndex.get(ratings.userIds[k]!)!;
    const t = ratings.timestamps[k]!;
    if (t < firstSeen[u]!) firstSeen[u] = t;
    if (t > lastSeen[u]!) lastSeen[u] = t;
  }

  const users: UserFeatures[] = [];
  for (let u = 0; u < matrix.numUsers; u++) {
    const start = matrix.rowPtr[u]!;
    const end = matrix.rowPtr[u + 1]!;
    const n = end - start;
    let sum = 0;
    for (let k = start; k < end; k++) sum += matrix.values[k]!;
    const mean = sum / n;
    let squares = 0;
    const deviation = new Map<string, { sum: number; count: number }>();
    for (let k = start; k < end; k++) {
      const r = matrix.values[k]!;
      squares += (r - mean) ** 2;
      for (const genre of byId.get(matrix.movieIds[matrix.colIdx[k]!]!)?.genres ?? []) {
        const acc = deviation.get(genre) ?? { sum: 0, count: 0 };
        acc.sum += r - mean;
        acc.count++;
        deviation.set(genre, acc);
      }
    }
    const affinity = [...deviation.entries()]
      .map(([genre, acc]) => ({ genre, value: acc.sum / (acc.count + GENRE_SHRINKAGE), count: acc.count }))
      .sort((a, b) => b.value - a.value || b.count - a.count || a.genre.localeCompare(b.genre));
    users.push({
      user_id: matrix.userIds[u]!,
      rating_count: n,
      rating_mean: round(mean),
      rating_std: round(Math.sqrt(squares / n)),
      first_rated_at: new Date(firstSeen[u]! * 1000).toISOString(),
      last_rated_at: new Date(lastSeen[u]! * 1000).toISOString(),
      genre_affinity: Object.fromEntries(affinity.map((a) => [a.genre, round(a.value)])),
      top_genres: affinity.filter((a) => a.count >= 2).slice(0, TOP_GENRES).map((a) => a.genre),
    });
  }

  const range = scale.max - scale.min || 1;
  const movieFeatures: MovieFeatures[] = [];
  for (let i = 0; i < matrix.numMovies; i++) {
    const movieId = matrix.movieIds[i]!;
    const meta = byId.get(movieId);
    const n = matrix.colPtr[i + 1]! - matrix.colPtr[i]!;
    let sum = 0;
    for (let k = matrix.colPtr[i]!; k < matrix.colPtr[i + 1]!; k++) sum += matrix.colValues[k]!;
    movieFeatures.push({
      movie_id: movieId,
      title: meta?.title ?? `movie ${movieId}`,
      genres: meta?.genres ?? [],
      ...(meta?.year !== undefined ? { year: meta.year } : {}),
      rating_count: n,
      ...(n > 0 ? { rating_mean: round(sum / n) } : {}),
      bayesian_mean: round(scale.min + quality.avgRating[i]! * range),
      popularity: round(quality.popularity[i]!),
      quality_score: round(quality.quality[i]!),
    });
  }
  return { users, movies: movieFeatures };
}
