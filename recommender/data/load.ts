import path from 'node:path';
import type { Dataset, RatingColumns } from '../types';
import { loadMovieLens100k, loadMovieLensLatestSmall } from './movielens';
import { generateSynthetic } from './synthetic';

/**
 * Resolves a dataset spec: `ml-100k` and `ml-latest-small` (folders under `movielensDir`),
 * `synthetic:N` (N ratings, e.g. synthetic:1e6, optional `:seed`), or a folder PATH in
 * ml-latest-small format.
 */
export function loadDataset(spec: string, movielensDir: string): Dataset & { ratings: RatingColumns } {
  if (spec === 'ml-100k') return loadMovieLens100k(path.join(movielensDir, 'ml-100k'));
  if (spec === 'ml-latest-small') return loadMovieLensLatestSmall(path.join(movielensDir, 'ml-latest-small'));
  const synthetic = /^synthetic:([0-9.e+]+)(?::(\d+))?$/i.exec(spec);
  if (synthetic) {
    const ratings = Number(synthetic[1]);
    if (!Number.isFinite(ratings) || ratings < 1) throw new RangeError(`bad synthetic size in ${spec}`);
    return generateSynthetic({ ratings, seed: synthetic[2] ? Number(synthetic[2]) : 42 });
  }
  return loadMovieLensLatestSmall(spec);
}
