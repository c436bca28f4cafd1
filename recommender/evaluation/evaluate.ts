import type { HybridParams, Method } from '../hybrid';
import { HybridRecommender } from '../hybrid';
import { buildUserItemMatrix } from '../matrix';
import { tuneHybrid, type TuningResult } from '../tuning';
import type { Dataset, RatingColumns } from '../types';
import { selectRows, toColumns } from '../types';
import { averagePopularity, catalogCoverage, countByMovie, mae, mapAtK, ndcgAtK, novelty, precisionAtK, recallAtK, rmse } from './metrics';
import type { Protocol, Split } from './split';
import { groupByUser, kfoldSplits, sampleUsers, stratifiedSplit, temporalSplit } from './split';

export type EvaluatedMethod = Method | 'most-popular';

/** Each user's share of ratings in the training part, under the stratified and temporal protocols. */
export const defaultTrainRatio = 0.75;
export const evaluatedMethods: readonly EvaluatedMethod[] = ['user-based', 'item-based', 'hybrid', 'item-cf', 'most-popular'];

export interface EvaluateOptions {
  protocol: Protocol;
  /**
   * Choose the hybrid's blend per split as the batch does (`tuneHybrid`), on a validation split
   * carved from that split's training part, scoring at most `maxUsers` validation users.
   */
  tune?: { maxUsers: number };
  /** Cut-offs K of the ranking metrics (default [10]). */
  ks?: number[];
  seed?: number;
  methods?: EvaluatedMethod[];
  params?: Partial<HybridParams>;
  /** Request quality_weight (default: the model's default). */
  qualityWeight?: number;
  /** kfold: number of folds (default 5), and how many of them to run (default all). */
  folds?: number;
  runFolds?: number;
  /** stratified / temporal: share of each user's ratings that trains (default 0.75). */
  trainRatio?: number;
  /** Score at most this many test users, a seeded random sample (large datasets: the fit still uses all training data). */
  maxTestUsers?: number;
  /**
   * Train and test ratings to use instead of the split the protocol makes (e.g. read back from an
   * export); the protocol then only decides what is scored (kfold: RMSE/MAE too). Movies come from
   * the dataset's catalog; the dataset's ratings are not used.
   */
  split?: RatingSplit;
  /** Also return the split's rows and every method's top-K lists (needs a single split). */
  keepLists?: boolean;
}

/** One train/test pair of ratings. */
export interface RatingSplit {
  train: RatingColumns;
  test: RatingColumns;
}

/** What `keepLists` returns: the rows used and each method's ranked lists, K = the largest K asked. */
export interface EvaluationLists extends RatingSplit {
  /** The test users scored, ascending. */
  users: Int32Array;
  k: number;
  /** Per method, `lists[i]` = the movie ids recommended to `users[i]`, best first (at most k). */
  recommendations: { method: EvaluatedMethod; lists: number[][] }[];
}

export interface MetricsAtK {
  k: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
  /** Mean self-information of the recommended movies in bits, −log2(share of training ratings); see `novelty`. */
  novelty: number;
  /** Average recommendation popularity: mean number of training ratings of the recommended movies. */
  arp: number;
}

export interface MethodEvaluation {
  method: EvaluatedMethod;
  /** Only for methods that predict ratings, under kfold. */
  rmse?: number;
  mae?: number;
  atK: MetricsAtK[];
}

export interface EvaluationResult {
  protocol: Protocol;
  ks: number[];
  seed: number;
  splits: number;
  testUsers: number;
  testRatings: number;
  fitSeconds: number;
  results: MethodEvaluation[];
  /** Only with `tune`: what each split's tuning tried and chose. */
  tuning?: TuningResult[];
  /** Only with `keepLists`. */
  lists?: EvaluationLists;
}

/** The JSON summary at one K: the shape `npm run evaluate -- --json` prints. */
export interface EvaluationSummary {
  dataset: string;
  protocol: Protocol;
  k: number;
  results: { method: EvaluatedMethod; metrics: Record<string, number> }[];
}

export type AtK = Omit<MetricsAtK, 'k'>;

interface Accumulator {
  rmse: number[];
  mae: number[];
  perK: Map<number, AtK[]>;
}

/**
 * Evaluates every method under one protocol; deterministic for a given seed. kfold scores rating
 * prediction (RMSE, MAE) and, like the other protocols, top-K ranking with the user's held-out
 * movies as the relevant set and their training movies excluded (the model's methods can recommend
 * every other movie of the catalog or the training data; most-popular, every other movie with
 * training ratings). Every user with a test rating is scored
 * (or a seeded sample of them, `maxTestUsers`): NDCG averages over all of them, a user with no hit or
 * an empty list counting 0; precision, recall and MAP average over the users whose list is not empty,
 * as MS Recommenders' `ndcg_at_k` and `precision_at_k` / `recall_at_k` / `map_at_k` do (our methods
 * always fill the list, so these are the same users unless a user has rated the whole catalog).
 * Figures are averaged over users within a split, then over splits.
 */
export function evaluate(dataset: Dataset, options: EvaluateOptions): EvaluationResult {
  const ks = [...(options.ks ?? [10])].sort((a, b) => a - b);
  const seed = options.seed ?? 42;
  const methods = options.methods ?? [...evaluatedMethods];
  const ratio = options.trainRatio ?? defaultTrainRatio;
  const pairs = splitPairs(dataset, options, seed, ratio);
  if (options.keepLists && pairs.length !== 1) throw new RangeError(`keepLists needs a single split, the evaluation has ${pairs.length}`);

  const acc = new Map<EvaluatedMethod, Accumulator>(methods.map((m) => [m, { rmse: [], mae: [], perK: new Map(ks.map((k) => [k, []])) }]));
  let testUsers = 0;
  let testRatings = 0;
  let fitSeconds = 0;
  let lists: EvaluationLists | undefined;
  const tuning: TuningResult[] = [];
  for (const pair of pairs) {
    const { train, test } = pair();
    const started = performance.now();
    const tuned = options.tune ? tuneHybrid(train, dataset.movies, options.params, { seed, maxUsers: options.tune.maxUsers }) : undefined;
    if (tuned) tuning.push(tuned);
    const model = HybridRecommender.fit(buildUserItemMatrix(train), dataset.movies, { ...options.params, ...tuned?.params });
    fitSeconds += (performance.now() - started) / 1000;
    const byUser = sampleUsers(groupByUser(test), options.maxTestUsers, seed);
    testUsers += byUser.size;
    testRatings += test.userIds.length;
    const popularity: Popularity = { counts: countByMovie(train.movieIds), rows: train.userIds.length };
    const popularOrder = mostPopular(train, popularity.counts);
    const relevant = relevantMovies(byUser, test);
    if (options.keepLists) lists = { train, test, users: Int32Array.from(byUser.keys()), k: ks[ks.length - 1]!, recommendations: [] };
    for (const method of methods) {
      const a = acc.get(method)!;
      if (options.protocol === 'kfold' && method !== 'most-popular') {
        const predicted = new Float64Array(test.userIds.length);
        // Grouped by user so the user's similarities are computed once.
        for (const positions of byUser.values()) {
          for (const p of positions) predicted[p] = model.predictRating(test.userIds[p]!, test.movieIds[p]!, method);
        }
        a.rmse.push(rmse(predicted, test.ratings));
        a.mae.push(mae(predicted, test.ratings));
      }
      const userLists = Array.from(byUser.keys(), (userId) => rankedList(model, method, userId, ks[ks.length - 1]!, popularOrder, options.qualityWeight));
      for (const [k, atK] of rankingMetrics(ks, userLists, relevant, model.matrix.numMovies, popularity)) a.perK.get(k)!.push(atK);
      lists?.recommendations.push({ method, lists: userLists });
    }
  }
  const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
  const result: EvaluationResult = {
    protocol: options.protocol,
    ks,
    seed,
    splits: pairs.length,
    testUsers,
    testRatings,
    fitSeconds,
    results: methods.map((method) => {
      const a = acc.get(method)!;
      const result: MethodEvaluation = {
        method,
        atK: ks.map((k) => {
          const list = a.perK.get(k)!;
          return {
            k,
            precision: mean(list.map((x) => x.precision)),
            recall: mean(list.map((x) => x.recall)),
            ndcg: mean(list.map((x) => x.ndcg)),
            map: mean(list.map((x) => x.map)),
            coverage: mean(list.map((x) => x.coverage)),
            novelty: mean(list.map((x) => x.novelty)),
            arp: mean(list.map((x) => x.arp)),
          };
        }),
      };
      if (a.rmse.length > 0) {
        result.rmse = mean(a.rmse);
        result.mae = mean(a.mae);
      }
      return result;
    }),
  };
  if (lists) result.lists = lists;
  if (tuning.length > 0) result.tuning = tuning;
  return result;
}

/**
 * The train/test pairs to score, each made when asked for (k folds of a large dataset do not fit in
 * memory at once): the given split, or those the protocol makes from the dataset.
 */
export function splitPairs(dataset: Dataset, options: Pick<EvaluateOptions, 'protocol' | 'split' | 'folds' | 'runFolds'>, seed: number, ratio: number): (() => RatingSplit)[] {
  const given = options.split;
  if (given) return [() => given];
  const columns = toColumns(dataset.ratings);
  let splits: Split[];
  if (options.protocol === 'kfold') splits = kfoldSplits(columns, options.folds ?? 5, seed).slice(0, options.runFolds ?? Infinity);
  else if (options.protocol === 'stratified') splits = [stratifiedSplit(columns, ratio, seed)];
  else splits = [temporalSplit(columns, ratio)];
  return splits.map((split) => () => ({ train: selectRows(columns, split.train), test: selectRows(columns, split.test) }));
}

/** The training ratings per movie id, and the training rows: what the popularity measures weigh by. */
export interface Popularity {
  counts: ReadonlyMap<number, number>;
  rows: number;
}

/** Each user's held-out movies, in `byUser` order. */
export function relevantMovies(byUser: ReadonlyMap<number, readonly number[]>, test: RatingColumns): Set<number>[] {
  return Array.from(byUser.values(), (positions) => new Set(positions.map((p) => test.movieIds[p]!)));
}

/** One method's list for a test user, best first, at most `k` long: what the evaluation scores. */
export function rankedList(model: HybridRecommender, method: EvaluatedMethod, userId: number, k: number, popularOrder: readonly number[], qualityWeight?: number): number[] {
  if (method === 'most-popular') return topUnseen(popularOrder, new Set(model.ratedMovies(userId)), k);
  return model.recommend(userId, { method, limit: k, ...(qualityWeight !== undefined ? { qualityWeight } : {}) }).items.map((i) => i.movieId);
}

/**
 * The ranking metrics of one method at every K, from its lists (at the largest K) and the users'
 * held-out movies, list i being user i's. NDCG averages over every user (an empty list counts 0);
 * precision, recall and MAP over the users whose list is not empty (see `evaluate`).
 */
export function rankingMetrics(ks: readonly number[], lists: readonly (readonly number[])[], relevant: readonly ReadonlySet<number>[], catalogSize: number, popularity: Popularity): [number, AtK][] {
  const sums = ks.map(() => ({ precision: 0, recall: 0, ndcg: 0, map: 0 }));
  let listed = 0;
  lists.forEach((list, u) => {
    if (list.length > 0) listed++;
    ks.forEach((k, i) => {
      const s = sums[i]!;
      s.precision += precisionAtK(list, relevant[u]!, k);
      s.recall += recallAtK(list, relevant[u]!, k);
      s.ndcg += ndcgAtK(list, relevant[u]!, k);
      s.map += mapAtK(list, relevant[u]!, k);
    });
  });
  const over = (sum: number, n: number): number => (n === 0 ? 0 : sum / n);
  return ks.map((k, i) => {
    const s = sums[i]!;
    const atK = lists.map((l) => l.slice(0, k));
    return [
      k,
      {
        precision: over(s.precision, listed),
        recall: over(s.recall, listed),
        ndcg: over(s.ndcg, lists.length),
        map: over(s.map, listed),
        coverage: catalogCoverage(atK, catalogSize),
        novelty: novelty(atK, popularity.counts, popularity.rows),
        arp: averagePopularity(atK, popularity.counts),
      },
    ];
  });
}

/** The most-popular baseline: movies by number of training ratings (ties: smaller id). */
export function mostPopular(train: RatingColumns, counts: ReadonlyMap<number, number> = countByMovie(train.movieIds)): number[] {
  return popularOrder(counts);
}

/** Movie ids by their count, most first (ties: smaller id). */
export function popularOrder(counts: ReadonlyMap<number, number>): number[] {
  return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || a - b);
}

function topUnseen(order: readonly number[], seen: Set<number>, k: number): number[] {
  const out: number[] = [];
  for (const id of order) {
    if (out.length >= k) break;
    if (!seen.has(id)) out.push(id);
  }
  return out;
}

/**
 * The ranking metrics at one K as named in summaries, reports and manifests: precision@K, recall@K,
 * ndcg@K, map@K, coverage, novelty, arp (in that order).
 */
export function metricsAtKRecord(at: MetricsAtK): Record<string, number> {
  return {
    [`precision@${at.k}`]: at.precision,
    [`recall@${at.k}`]: at.recall,
    [`ndcg@${at.k}`]: at.ndcg,
    [`map@${at.k}`]: at.map,
    coverage: at.coverage,
    novelty: at.novelty,
    arp: at.arp,
  };
}

export function summarise(result: EvaluationResult, dataset: string, k = 10): EvaluationSummary {
  if (!result.ks.includes(k)) throw new RangeError(`the evaluation has no metrics at K=${k}`);
  return {
    dataset,
    protocol: result.protocol,
    k,
    results: result.results.map((r) => {
      const at = r.atK.find((m) => m.k === k)!;
      const metrics: Record<string, number> = {};
      if (r.rmse !== undefined && r.mae !== undefined) {
        metrics.rmse = r.rmse;
        metrics.mae = r.mae;
      }
      return { method: r.method, metrics: { ...metrics, ...metricsAtKRecord(at) } };
    }),
  };
}
