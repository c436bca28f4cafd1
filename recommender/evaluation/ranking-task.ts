import type { HybridParams } from '../hybrid';
import { HybridRecommender } from '../hybrid';
import { buildUserItemMatrix } from '../matrix';
import type { Movie, RatingColumns } from '../types';
import { defaultTrainRatio, evaluatedMethods, popularOrder, rankedList, rankingMetrics, relevantMovies, splitPairs, type EvaluatedMethod, type MethodEvaluation } from './evaluate';
import { countByMovie } from './metrics';
import { groupByUser, sampleUsers } from './split';

/**
 * The batch's evaluation in parts that can run apart: `fitRankingTask` splits the ratings and fits
 * every method on the training part, and says what the scoring needs besides that model (small: the
 * users scored, their held-out movies, the training popularity); `taskLists` makes the lists of a range
 * of those users, on any worker that has the model; `taskMetrics` turns every user's lists into the
 * metrics. Together they compute what `evaluate` computes for one stratified or temporal split.
 */
export interface RankingTask {
  protocol: 'stratified' | 'temporal';
  seed: number;
  ks: number[];
  /** The users scored, ascending (a seeded sample of at most `maxTestUsers` of the test users). */
  users: number[];
  /** users[i]'s held-out movie ids. */
  relevant: number[][];
  /** Training ratings per movie id, as [id, count] pairs, and the training rows. */
  popularity: [number, number][];
  trainRows: number;
  catalogSize: number;
  testUsers: number;
  testRatings: number;
}

/** Lists per method (in `evaluatedMethods` order), list i being that of the range's i-th user. */
export type TaskLists = number[][][];

export function fitRankingTask(
  ratings: RatingColumns,
  movies: Movie[],
  options: { protocol: 'stratified' | 'temporal'; seed: number; ks: number[]; maxTestUsers: number; params?: Partial<HybridParams> },
): { model: HybridRecommender; task: RankingTask } {
  const { protocol, seed } = options;
  const { train, test } = splitPairs({ ratings, movies }, { protocol }, seed, defaultTrainRatio)[0]!();
  const model = HybridRecommender.fit(buildUserItemMatrix(train), movies, options.params);
  const byUser = sampleUsers(groupByUser(test), options.maxTestUsers, seed);
  const relevant = relevantMovies(byUser, test);
  const task: RankingTask = {
    protocol,
    seed,
    ks: [...options.ks].sort((a, b) => a - b),
    users: [...byUser.keys()],
    relevant: relevant.map((set) => [...set]),
    popularity: [...countByMovie(train.movieIds)],
    trainRows: train.userIds.length,
    catalogSize: model.matrix.numMovies,
    testUsers: byUser.size,
    testRatings: test.userIds.length,
  };
  return { model, task };
}

/** How often `taskLists` reports its progress, in users. */
const PROGRESS_EVERY = 100;

/**
 * Every method's lists for the task's users from .. to − 1. `onProgress` hears, every hundred users and
 * at the end of each method, how many lists are made of the `(to − from) × methods` in all.
 */
export function taskLists(model: HybridRecommender, task: RankingTask, from: number, to: number, onProgress?: (done: number) => void): TaskLists {
  const order = popularOrder(new Map(task.popularity));
  const maxK = task.ks[task.ks.length - 1]!;
  const users = task.users.slice(from, to);
  return evaluatedMethods.map((method, m) =>
    users.map((userId, k) => {
      const list = rankedList(model, method, userId, maxK, order);
      if (onProgress && ((k + 1) % PROGRESS_EVERY === 0 || k === users.length - 1)) onProgress(m * users.length + k + 1);
      return list;
    }),
  );
}

/** The metrics of every method from the lists of all the task's users (ranges joined in order). */
export function taskMetrics(task: RankingTask, lists: TaskLists): MethodEvaluation[] {
  const relevant = task.relevant.map((ids) => new Set(ids));
  const popularity = { counts: new Map(task.popularity), rows: task.trainRows };
  return evaluatedMethods.map((method: EvaluatedMethod, m) => {
    if (lists[m]!.length !== task.users.length) throw new RangeError(`${method}: ${lists[m]!.length} lists for ${task.users.length} users`);
    return { method, atK: rankingMetrics(task.ks, lists[m]!, relevant, task.catalogSize, popularity).map(([k, atK]) => ({ k, ...atK })) };
  });
}
