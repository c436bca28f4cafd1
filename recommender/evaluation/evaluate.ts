import type { HybridParams, Method } from '../hybrid';
import { HybridRecommender } from '../hybrid';
import { buildUserItemMatrix } from '../matrix';
import type { Dataset, RatingColumns } from '../types';
import { selectRows, toColumns } from '../types';
import { createRandom, shuffleInPlace } from '../random';
import { catalogCoverage, mae, mapAtK, ndcgAtK, precisionAtK, recallAtK, rmse } from './metrics';
import type { Protocol, Split } from './split';
import { kfoldSplits, positionsByUser, stratifiedSplit, temporalSplit } from './split';

export type EvaluatedMethod = Method | 'most-popular';
export const evaluatedMethods: readonly EvaluatedMethod[] = ['user-based', 'item-based', 'hybrid', 'most-popular'];

export interface EvaluateOptions {
  protocol: Protocol;
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
}

export interface MetricsAtK {
  k: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
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
}

/** The JSON summary at one K: the shape `npm run evaluate -- --json` prints. */
export interface EvaluationSummary {
  dataset: string;
  protocol: Protocol;
  k: number;
  results: { method: EvaluatedMethod; metrics: Record<string, number> }[];
}

interface Accumulator {
  rmse: number[];
  mae: number[];
  perK: Map<number, { precision: number; recall: number; ndcg: number; map: number; coverage: number }[]>;
}

/**
 * Evaluates every method under one protocol; deterministic for a given seed. kfold scores rating
 * prediction (RMSE, MAE) and, like the other protocols, top-K ranking with the user's held-out
 * movies as the relevant set and their training movies excluded. Figures are averaged over users
 * within a split, then over splits.
 */
export function evaluate(dataset: Dataset, options: EvaluateOptions): EvaluationResult {
  const columns = toColumns(dataset.ratings);
  const ks = [...(options.ks ?? [10])].sort((a, b) => a - b);
  const seed = options.seed ?? 42;
  const methods = options.methods ?? [...evaluatedMethods];
  const ratio = options.trainRatio ?? 0.75;
  let splits: Split[];
  if (options.protocol === 'kfold') splits = kfoldSplits(columns, options.folds ?? 5, seed).slice(0, options.runFolds ?? Infinity);
  else if (options.protocol === 'stratified') splits = [stratifiedSplit(columns, ratio, seed)];
  else splits = [temporalSplit(columns, ratio)];

  const acc = new Map<EvaluatedMethod, Accumulator>(methods.map((m) => [m, { rmse: [], mae: [], perK: new Map(ks.map((k) => [k, []])) }]));
  let testUsers = 0;
  let testRatings = 0;
  let fitSeconds = 0;
  for (const split of splits) {
    const train = selectRows(columns, split.train);
    const test = selectRows(columns, split.test);
    const started = performance.now();
    const model = HybridRecommender.fit(buildUserItemMatrix(train), dataset.movies, options.params);
    fitSeconds += (performance.now() - started) / 1000;
    const byUser = sampleUsers(groupByUser(test), options.maxTestUsers, seed);
    testUsers += byUser.size;
    testRatings += test.userIds.length;
    const popularOrder = mostPopular(train);
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
      scoreRanking(a, ks, byUser, test, model.matrix.numMovies, (userId, k) =>
        method === 'most-popular'
          ? topUnseen(popularOrder, new Set(model.ratedMovies(userId)), k)
          : model.recommend(userId, { method, limit: k, ...(options.qualityWeight !== undefined ? { qualityWeight: options.qualityWeight } : {}) }).items.map((i) => i.movieId),
      );
    }
  }
  const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
  return {
    protocol: options.protocol,
    ks,
    seed,
    splits: splits.length,
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
}

function scoreRanking(
  a: Accumulator,
  ks: number[],
  byUser: Map<number, number[]>,
  test: RatingColumns,
  catalogSize: number,
  recommend: (userId: number, k: number) => number[],
): void {
  const maxK = ks[ks.length - 1]!;
  const lists: number[][] = [];
  const sums = ks.map(() => ({ precision: 0, recall: 0, ndcg: 0, map: 0 }));
  for (const [userId, positions] of byUser) {
    const relevant = new Set(positions.map((p) => test.movieIds[p]!));
    const list = recommend(userId, maxK);
    lists.push(list);
    ks.forEach((k, i) => {
      const s = sums[i]!;
      s.precision += precisionAtK(list, relevant, k);
      s.recall += recallAtK(list, relevant, k);
      s.ndcg += ndcgAtK(list, relevant, k);
      s.map += mapAtK(list, relevant, k);
    });
  }
  const users = byUser.size;
  ks.forEach((k, i) => {
    const s = sums[i]!;
    a.perK.get(k)!.push({
      precision: s.precision / users,
      recall: s.recall / users,
      ndcg: s.ndcg / users,
      map: s.map / users,
      coverage: catalogCoverage(lists.map((l) => l.slice(0, k)), catalogSize),
    });
  });
}

function sampleUsers(byUser: Map<number, number[]>, max: number | undefined, seed: number): Map<number, number[]> {
  if (max === undefined || byUser.size <= max) return byUser;
  const ids = Int32Array.from(byUser.keys());
  shuffleInPlace(ids, createRandom(seed));
  const chosen = ids.subarray(0, max).sort();
  return new Map(Array.from(chosen, (id) => [id, byUser.get(id)!]));
}

function groupByUser(test: RatingColumns): Map<number, number[]> {
  return new Map([...positionsByUser(test)].sort((x, y) => x[0] - y[0]));
}

/** The most-popular baseline: movies by number of training ratings (ties: smaller id). */
export function mostPopular(train: RatingColumns): number[] {
  const counts = new Map<number, number>();
  for (const id of train.movieIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || a - b);
}

function topUnseen(order: number[], seen: Set<number>, k: number): number[] {
  const out: number[] = [];
  for (const id of order) {
    if (out.length >= k) break;
    if (!seen.has(id)) out.push(id);
  }
  return out;
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
      metrics[`precision@${k}`] = at.precision;
      metrics[`recall@${k}`] = at.recall;
      metrics[`ndcg@${k}`] = at.ndcg;
      metrics[`map@${k}`] = at.map;
      metrics.coverage = at.coverage;
      return { method: r.method, metrics };
    }),
  };
}
