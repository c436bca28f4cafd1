import type { UserItemMatrix } from './matrix';

/**
 * The rerank's quality signal (SPEC §2.8), each part normalised to [0,1]:
 *   popularity(i) = n_i / max_j n_j
 *   avg_rating(i) = ((C·μ + Σ r) / (C + n_i) − r_min) / (r_max − r_min)   (Bayesian-shrunk mean)
 *   quality(i)    = 0.4·popularity(i) + 0.6·avg_rating(i)
 * n_i = number of ratings of movie i, μ = global mean, C = prior weight in ratings.
 */
export interface QualityScores {
  popularity: Float32Array;
  avgRating: Float32Array;
  quality: Float32Array;
  /** Movie indices by quality, best first (ties: smaller index). */
  byQuality: Int32Array;
}

export function computeQuality(matrix: UserItemMatrix, priorWeight: number, scale: { min: number; max: number }): QualityScores {
  const { numMovies, colPtr, colValues } = matrix;
  let sum = 0;
  for (const v of colValues) sum += v;
  const mean = colValues.length > 0 ? sum / colValues.length : (scale.min + scale.max) / 2;
  let maxCount = 0;
  for (let i = 0; i < numMovies; i++) maxCount = Math.max(maxCount, colPtr[i + 1]! - colPtr[i]!);
  const popularity = new Float32Array(numMovies);
  const avgRating = new Float32Array(numMovies);
  const quality = new Float32Array(numMovies);
  const range = scale.max - scale.min || 1;
  for (let i = 0; i < numMovies; i++) {
    const n = colPtr[i + 1]! - colPtr[i]!;
    let s = 0;
    for (let k = colPtr[i]!; k < colPtr[i + 1]!; k++) s += colValues[k]!;
    popularity[i] = maxCount > 0 ? n / maxCount : 0;
    const shrunk = (priorWeight * mean + s) / (priorWeight + n);
    avgRating[i] = Math.min(1, Math.max(0, (shrunk - scale.min) / range));
    quality[i] = 0.4 * popularity[i]! + 0.6 * avgRating[i]!;
  }
  const byQuality = Int32Array.from({ length: numMovies }, (_, i) => i).sort((a, b) => quality[b]! - quality[a]! || a - b);
  return { popularity, avgRating, quality, byQuality };
}
