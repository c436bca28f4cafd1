import { latestPerPair, type RatingTable } from '../../recommender/ratings-table';
import { deserializeCore, serialize } from '../../recommender/artifact';
import { concatCandidateLists, decodeCandidateLists, encodeCandidateLists, type CandidateLists } from '../../recommender/candidates';
import { unchangedUsers, withCarriedPools, type PoolSource } from '../../recommender/carry-over';
import { defaultTrainRatio, evaluate, evaluatedMethods, type EvaluationResult } from '../../recommender/evaluation/evaluate';
import { fitRankingTask, taskLists, type RankingTask, type TaskLists } from '../../recommender/evaluation/ranking-task';
import { computeFeatures, type MovieFeatures, type UserFeatures } from '../../recommender/features';
import { HybridRecommender, type HybridParams } from '../../recommender/hybrid';
import { deriveState, type ModelState } from '../../recommender/model-state';
import { reviveState, shareState } from '../../recommender/shared-state';
import { buildUserItemMatrix, type UserItemMatrix } from '../../recommender/matrix';
import { stratifiedSplit, temporalSplit } from '../../recommender/evaluation/split';
import { tunedWeights, tuneHybrid, type TuningResult } from '../../recommender/tuning';
import { selectRows, toColumns } from '../../recommender/types';
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
  /**
   * Choose the hybrid's blend on a validation split carved from the training part of the split the
   * evaluation stage will test on (same protocol and seed), so the choice never sees its test ratings.
   */
  tuning?: { protocol: 'stratified' | 'temporal'; seed: number; maxUsers: number; alsMaxRatings: number };
  snapshotId: string;
  createdAt: string;
}
export interface TrainJobOutput {
  artifact: Uint8Array;
  /** Every parameter the model was fitted with. */
  params: HybridParams;
  tuning?: TuningResult;
  tuningSeconds?: number;
  fitSeconds: number;
  users: number;
  movies: number;
}

export interface ShareJobInput {
  /** The fitted model's artifact, in shared memory of its own. */
  artifact: Uint8Array;
}

export interface CandidatesJobInput {
  /** The fitted model's state in shared memory (`share`): every shard's thread of a process reads the same arrays. */
  state: ModelState;
  /** The users (dense indices) this shard precomputes: from .. to − 1. */
  from: number;
  to: number;
  /** Users of the range (indexed from `from`) whose pools the assembly carries over from an earlier model: left empty here. */
  carried?: Uint8Array;
}

export interface CarryPlanJobInput {
  /** The fitted core of this run. */
  artifact: Uint8Array;
  /** The earlier model's artifact, with its candidate pools. */
  base: Uint8Array;
}

export interface AssembleJobInput {
  artifact: Uint8Array;
  /** The candidate shards' encoded lists, as stored. */
  parts: Uint8Array[];
  /** The earlier model's artifact and the users (dense indices of this model) who keep its pools. */
  carry?: { base: Uint8Array; carried: Uint8Array };
  snapshotId: string;
  createdAt: string;
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

/** An earlier model's rows and pools, read in place from its artifact. */
function poolSource(artifact: Uint8Array): PoolSource {
  const { core, candidates } = deserializeCore(artifact, { views: true });
  if (!candidates) throw new RangeError('the earlier model has no candidate pools to carry over');
  return { matrix: core.matrix, candidates };
}

/**
 * The run's candidate pools: the shards' lists joined, with the carried users' pools from the earlier
 * model. It takes the shards' bytes and the earlier artifact out of `input`, so that each can go once
 * used, before the artifact is written beside them.
 */
function takePools(input: AssembleJobInput, matrix: UserItemMatrix): CandidateLists {
  const computed = concatCandidateLists(input.parts.splice(0).map(decodeCandidateLists));
  const carry = input.carry;
  delete input.carry;
  return carry ? withCarriedPools(computed, carry.carried, poolSource(carry.base), matrix) : computed;
}

/** The evaluation's refit, saved as an artifact for its list shards. */
export interface EvaluationFitJobInput extends EvaluateJobInput {
  snapshotId: string;
  createdAt: string;
}

export interface EvaluationListsJobInput {
  /** The evaluation's model (fitted on the training part) in shared memory, as `share` made it. */
  state: ModelState;
  task: RankingTask;
  from: number;
  to: number;
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
    const matrixMs = performance.now() - started;
    let tuning: TuningResult | undefined;
    let tuningSeconds: number | undefined;
    if (input.tuning && input.tuning.maxUsers > 0) {
      progress({ step: 'tune', users: input.tuning.maxUsers });
      const tuningStarted = performance.now();
      const columns = toColumns(input.table);
      const { protocol, seed, maxUsers, alsMaxRatings } = input.tuning;
      const evaluationTrain = (protocol === 'stratified' ? stratifiedSplit(columns, defaultTrainRatio, seed) : temporalSplit(columns, defaultTrainRatio)).train;
      // Above the bound only the blends without ALS are tried, and no ALS is fitted, now or in the final fit and the evaluation.
      const weights = evaluationTrain.length > alsMaxRatings ? tunedWeights.filter((blend) => blend.als === 0) : tunedWeights;
      tuning = tuneHybrid(selectRows(columns, evaluationTrain), input.movies, input.params, { seed, maxUsers, weights });
      tuningSeconds = (performance.now() - tuningStarted) / 1000;
    }
    progress({ step: 'fit', users: matrix.numUsers, movies: matrix.numMovies });
    const fitStarted = performance.now();
    const model = HybridRecommender.fit(matrix, input.movies, { ...input.params, ...tuning?.params });
    const fitSeconds = (matrixMs + performance.now() - fitStarted) / 1000;
    progress({ step: 'serialize' });
    const artifact = serialize(model, { snapshotId: input.snapshotId, createdAt: input.createdAt });
    return {
      output: { artifact, params: model.params, ...(tuning ? { tuning, tuningSeconds } : {}), fitSeconds, users: matrix.numUsers, movies: matrix.numMovies },
      transfer: [artifact.buffer as ArrayBuffer],
    };
  },

  /**
   * A fitted model as the candidate shards of a process share it: the artifact's sections as views of
   * its shared bytes and the state the recalls derive from them moved into shared memory, so that each
   * shard's thread adds only its scratch space.
   */
  share(input: ShareJobInput, progress: Progress): { output: ModelState; transfer: ArrayBuffer[] } {
    progress({ step: 'derive' });
    const { core } = deserializeCore(input.artifact, { views: true });
    return { output: shareState(deriveState(core)), transfer: [] };
  },

  /** One shard of the serving precompute: the candidate pools of a range of users, encoded as the assembly takes them. */
  candidates(input: CandidatesJobInput, progress: Progress): { output: Uint8Array; transfer: ArrayBuffer[] } {
    const model = new HybridRecommender(reviveState(input.state));
    const lists = model.precomputeCandidates(input.from, input.to, { onProgress: (done) => progress({ step: 'candidates', users: done, of: input.to - input.from }), ...(input.carried ? { carried: input.carried } : {}) });
    const bytes = encodeCandidateLists(lists);
    return { output: bytes, transfer: [bytes.buffer as ArrayBuffer] };
  },

  /** The users whose ratings are what the earlier model holds for them: their pools are carried over (1), not computed. */
  carryPlan(input: CarryPlanJobInput, progress: Progress): { output: Uint8Array; transfer: ArrayBuffer[] } {
    progress({ step: 'compare' });
    const { core } = deserializeCore(input.artifact, { views: true });
    const flags = unchangedUsers(poolSource(input.base), core.matrix);
    return { output: flags, transfer: [flags.buffer as ArrayBuffer] };
  },

  /** The artifact again, with the shards' candidate pools and the pools carried over. */
  assemble(input: AssembleJobInput, progress: Progress): { output: Uint8Array; transfer: ArrayBuffer[] } {
    progress({ step: 'assemble', shards: input.parts.length });
    const { core } = deserializeCore(input.artifact);
    const candidates = takePools(input, core.matrix);
    const artifact = serialize({ ...core, candidates }, { snapshotId: input.snapshotId, createdAt: input.createdAt });
    return { output: artifact, transfer: [artifact.buffer as ArrayBuffer] };
  },

  /** The evaluation's split and its model fitted on the training part, saved as an artifact for the list shards. */
  evaluationFit(input: EvaluationFitJobInput, progress: Progress): { output: { artifact: Uint8Array; task: RankingTask }; transfer: ArrayBuffer[] } {
    progress({ step: 'fit', protocol: input.protocol });
    const { model, task } = fitRankingTask(input.table, input.movies, { protocol: input.protocol, seed: input.seed, ks: input.ks, maxTestUsers: input.maxTestUsers, ...(input.params ? { params: input.params } : {}) });
    progress({ step: 'serialize' });
    const artifact = serialize(model, { snapshotId: input.snapshotId, createdAt: input.createdAt });
    return { output: { artifact, task }, transfer: [artifact.buffer as ArrayBuffer] };
  },

  /** Every evaluated method's lists for a range of the evaluation's users. */
  evaluationLists(input: EvaluationListsJobInput, progress: Progress): { output: TaskLists; transfer: ArrayBuffer[] } {
    const of = (input.to - input.from) * evaluatedMethods.length;
    progress({ step: 'lists', lists: 0, of });
    return { output: taskLists(new HybridRecommender(reviveState(input.state)), input.task, input.from, input.to, (lists) => progress({ step: 'lists', lists, of })), transfer: [] };
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
