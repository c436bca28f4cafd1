import { latestPerPair, type RatingTable } from '../../recommender/ratings-table';
import { serialize } from '../../recommender/artifact';
import { evaluate, type EvaluationResult } from '../../recommender/evaluation/evaluate';
import { computeFeatures, type MovieFeatures, type UserFeatures } from '../../recommender/features';
import { HybridRecommender, type HybridParams } from '../../recommender/hybrid';
import { buildUserItemMatrix } from '../../recommender/matrix';
import type { Movie } from '../../recommender/types';

/** The CPU-heavy jobs the batch runs in a worker thread (see run-in-thread.ts). */

type Progress = (progress: Record<string, number | string>) => void;

const buffersOf = (table: RatingTable): ArrayBuffer[] =>
  [table.userIds, table.movieIds, table.ratings, table.timestamps].map((a) => a.buffer as ArrayBuffer);

export interface FeaturesJobInput {
  collected: RatingTable;
  movies: Movie[];
  priorWeight: number;
}
export interface FeaturesJobOutput {
  table: RatingTable;
  replaced: number;
  users: UserFeatures[];
  movies: MovieFeatures[];
}

export interface TrainJobInput {
  table: RatingTable;
  movies: Movie[];
  params?: Partial<HybridParams>;
  snapshotId: string;
  createdAt: string;
}
export interface TrainJobOutput {
  artifact: Uint8Array;
  fitSeconds: number;
  users: number;
  movies: number;
}

export interface EvaluateJobInput {
  table: RatingTable;
  movies: Movie[];
  protocol: 'stratified' | 'temporal';
  seed: number;
  ks: number[];
  maxTestUsers: number;
  params?: Partial<HybridParams>;
}

export const jobs = {
  features(input: FeaturesJobInput, progress: Progress): { output: FeaturesJobOutput; transfer: ArrayBuffer[] } {
    progress({ step: 'deduplicate' });
    const { table, replaced } = latestPerPair(input.collected);
    progress({ step: 'features', ratings: table.userIds.length });
    const { users, movies } = computeFeatures(table, input.movies, input.priorWeight);
    return { output: { table, replaced, users, movies }, transfer: buffersOf(table) };
  },

  train(input: TrainJobInput, progress: Progress): { output: TrainJobOutput; transfer: ArrayBuffer[] } {
    progress({ step: 'matrix', ratings: input.table.userIds.length });
    const started = performance.now();
    const matrix = buildUserItemMatrix(input.table, input.movies.map((m) => m.movieId));
    progress({ step: 'fit', users: matrix.numUsers, movies: matrix.numMovies });
    const model = HybridRecommender.fit(matrix, input.movies, input.params);
    const fitSeconds = (performance.now() - started) / 1000;
    progress({ step: 'serialize' });
    const artifact = serialize(model, { snapshotId: input.snapshotId, createdAt: input.createdAt });
    return { output: { artifact, fitSeconds, users: matrix.numUsers, movies: matrix.numMovies }, transfer: [artifact.buffer as ArrayBuffer] };
  },

  evaluate(input: EvaluateJobInput, progress: Progress): { output: EvaluationResult; transfer: ArrayBuffer[] } {
    progress({ step: 'evaluate', protocol: input.protocol });
    const result = evaluate({ ratings: input.table, movies: input.movies }, { protocol: input.protocol, seed: input.seed, ks: input.ks, maxTestUsers: input.maxTestUsers, ...(input.params ? { params: input.params } : {}) });
    return { output: result, transfer: [] };
  },
};

export type JobName = keyof typeof jobs;
export type JobInput<N extends JobName> = Parameters<(typeof jobs)[N]>[0];
export type JobOutput<N extends JobName> = ReturnType<(typeof jobs)[N]>['output'];

export type ThreadMessage<N extends JobName> =
  | { type: 'progress'; progress: Record<string, number | string> }
  | { type: 'done'; output: JobOutput<N> }
  | { type: 'error'; name: string; message: string; stack?: string };
