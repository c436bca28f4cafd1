import { fitAls } from './als';
import { ndcgAtK } from './evaluation/metrics';
import { groupByUser, sampleUsers, stratifiedSplit } from './evaluation/split';
import { HybridRecommender, mergeParams } from './hybrid';
import { fitItemCf, usesEase } from './item-cf';
import { buildUserItemMatrix } from './matrix';
import type { HybridParams, HybridWeights } from './model-state';
import type { Movie, RatingColumns } from './types';
import { selectRows } from './types';

/** One setting the tuner tried, with its validation NDCG@10. */
export interface TuningTrial {
  beta: number;
  easeLambda: number;
  weights: HybridWeights;
  ndcg: number;
}

export interface TuningResult {
  /** The chosen parameters, as overrides of the given ones. */
  params: Pick<HybridParams, 'itemCf' | 'hybridWeights'>;
  trials: TuningTrial[];
  validationUsers: number;
  validationRatings: number;
  trainRatio: number;
  seed: number;
}

export interface TuningOptions {
  seed: number;
  /** Share of each user's ratings that fits the validation model; the rest validates. */
  trainRatio?: number;
  /** Score at most this many users (a seeded sample): the fit still uses every training rating. */
  maxUsers?: number;
  betas?: readonly number[];
  easeLambdas?: readonly number[];
  weights?: readonly HybridWeights[];
}

/** The item-cf popularity penalties tried: the one parameter whose best value differs most between datasets. */
export const tunedBetas: readonly number[] = [0.5, 0.6, 0.7];
/**
 * EASE's regularisations tried. Each but the default is one more dense solve (4 s at ml-100k's 1,682
 * movies, 13 s at 2,500 on two busy cores), so two: 150 never won on validation where it was also tried
 * (ml-100k and ml-latest-small, seeds 42 and 1), 300 won on ml-latest-small, 300 and 500 on ml-100k.
 */
export const tunedEaseLambdas: readonly number[] = [300, 500];
/**
 * Hybrid blends tried: the library default (no ALS) first, then ALS's score of the candidates at 0.2 to
 * 0.5, taken from user-based and item-cf, content at 0.2. On the validation splits of ml-100k and
 * ml-latest-small (seeds 42 and 1, every validation user) the best blend with ALS beat the best
 * without it by 0.004 to 0.008 NDCG@10; ml-100k preferred ALS's heavier weights, ml-latest-small the
 * lighter ones. The earlier grid's other blends without ALS (more item-cf, more content, more
 * user-based) never came first, so they are not tried.
 */
export const tunedWeights: readonly HybridWeights[] = [
  { userCf: 0.2, itemCf: 0.6, content: 0.2, als: 0 },
  { userCf: 0.2, itemCf: 0.4, content: 0.2, als: 0.2 },
  { userCf: 0.1, itemCf: 0.5, content: 0.2, als: 0.2 },
  { userCf: 0.1, itemCf: 0.4, content: 0.2, als: 0.3 },
  { userCf: 0.2, itemCf: 0.3, content: 0.2, als: 0.3 },
  { userCf: 0.1, itemCf: 0.3, content: 0.2, als: 0.4 },
  { userCf: 0, itemCf: 0.4, content: 0.2, als: 0.4 },
  { userCf: 0.1, itemCf: 0.2, content: 0.2, als: 0.5 },
  { userCf: 0, itemCf: 0.3, content: 0.2, als: 0.5 },
];

/**
 * Chooses the hybrid's blend weights (ALS's among them: its factors are fitted once for every blend
 * that weighs them) and item-cf's one parameter that matters most (EASE's λ, or RP3β's popularity
 * penalty β) on a validation split carved
 * from `ratings` (per user, `trainRatio` fits and the rest validates, MS Recommenders' stratified
 * rule), by hybrid NDCG@10 over the validation users; ties keep the earlier setting. The caller passes
 * training data only — never the ratings a later evaluation tests on — so the choice cannot see them.
 * Deterministic for a seed.
 */
export function tuneHybrid(ratings: RatingColumns, movies: Movie[], base: Partial<HybridParams> | undefined, options: TuningOptions): TuningResult {
  const trainRatio = options.trainRatio ?? 0.8;
  const split = stratifiedSplit(ratings, trainRatio, options.seed);
  const fitPart = selectRows(ratings, split.train);
  const validation = selectRows(ratings, split.test);
  const merged = mergeParams(base);
  const model = HybridRecommender.fit(buildUserItemMatrix(fitPart), movies, merged);
  const users = [...sampleUsers(groupByUser(validation), options.maxUsers, options.seed)];
  const blends = options.weights ?? tunedWeights;
  // One ALS fit serves every blend and table that weighs it (the model has factors only if the given weights weigh ALS).
  const movieFactors = blends.some((weights) => weights.als > 0) && model.state.movieFactors.factors === 0 ? fitAls(model.matrix, merged.als) : model.state.movieFactors;
  const trials: TuningTrial[] = [];
  // β is RP3β's, λ EASE's: each table tries its own parameter, the other stays as given.
  const ease = usesEase(merged.itemCf);
  const tables = ease
    ? (options.easeLambdas ?? tunedEaseLambdas).map((easeLambda) => ({ ...merged.itemCf, easeLambda }))
    : (options.betas ?? tunedBetas).map((beta) => ({ ...merged.itemCf, beta }));
  for (const itemCf of tables) {
    const same = itemCf.beta === merged.itemCf.beta && itemCf.easeLambda === merged.itemCf.easeLambda;
    const itemNeighbours = same ? model.state.itemNeighbours : fitItemCf(model.matrix, itemCf);
    const candidate = HybridRecommender.fromCore({ ...model.state, itemNeighbours, movieFactors, params: { ...merged, itemCf } });
    const sums = blends.map(() => 0);
    for (const [userId, positions] of users) {
      const relevant = new Set(positions.map((p) => validation.movieIds[p]!));
      candidate.hybridUnderBlends(userId, blends, 10).forEach((list, b) => (sums[b]! += ndcgAtK(list, relevant, 10)));
    }
    blends.forEach((weights, b) => trials.push({ beta: itemCf.beta, easeLambda: itemCf.easeLambda, weights, ndcg: users.length === 0 ? 0 : sums[b]! / users.length }));
  }
  const best = trials.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  return {
    params: { itemCf: { ...merged.itemCf, beta: best.beta, easeLambda: best.easeLambda }, hybridWeights: best.weights },
    trials,
    validationUsers: users.length,
    validationRatings: validation.userIds.length,
    trainRatio,
    seed: options.seed,
  };
}
