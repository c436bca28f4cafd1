/**
 * GET /recommendations/:user_id?method=&limit=&quality_weight=
 * Unknown users are not an error: they get the cold-start fallback, and `path` says which path answered
 * (`personalised`, `content-from-few-ratings` or `popular`).
 *
 * The user's fresh ratings (accepted since the served model was trained) come first: none known → the
 * answer is a lookup in the model's precomputed candidate pools, on this thread; some → the recalls are
 * computed with them folded in, on a recommender thread; the recommender threads' queue full → the
 * model's own answer without the fresh-rated movies; the fresh store unreadable in time → the model's
 * own answer. `fresh` in the answer says which. Answers are cached by bytes per served model, keyed by
 * the request and the fresh ratings, so a new rating is a new key.
 */
import Router from '@koa/router';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { methods, type Recommendations } from '../../recommender/hybrid';
import type { RequestState } from '../context';
import type { FreshRead } from '../fresh-ratings';
import type { ApiMetrics } from '../metrics';
import type { LoadedModel } from '../model-holder';
import { decimalParam, idParam, integerParam, parseRequest } from '../params';
import { requireModel, type ServingDeps } from '../serving';

export const DEFAULT_LIMIT = 10;

export const recommendationsParams = {
  path: z.strictObject({ user_id: idParam }),
  query: z.strictObject({
    method: z.enum(methods, { error: `must be one of ${methods.join(', ')}` }).default('hybrid'),
    limit: integerParam(1, 100).optional().describe(`how many movies (default ${DEFAULT_LIMIT})`),
    quality_weight: decimalParam(0, 1).optional().describe('weight of the quality score against the recall score (default: the model’s)'),
  }),
};

export const recommendationsAnswer = z.object({
  user_id: z.number().int(),
  model_version: z.string(),
  method: z.enum(methods),
  path: z.enum(['personalised', 'content-from-few-ratings', 'popular']).describe('which path produced the list: CF/content recall, content from a few ratings, or the popular fallback'),
  fresh: z
    .object({
      status: z.enum(['ok', 'unavailable']).describe('`unavailable`: the fresh-rating store did not answer in time; the list comes from the model alone'),
      ratings: z.number().int().min(0).describe('ratings of this user accepted since the served model was trained (of movies it knows)'),
      folded: z.boolean().describe('whether they were folded into the profile; false with ratings > 0: the model’s own list without those movies (recommender threads busy)'),
      detail: z.string().optional(),
    })
    .describe('the ratings the served model does not contain yet; movies rated there are never recommended'),
  items: z.array(
    z.object({
      movie_id: z.number().int(),
      title: z.string(),
      score: z.number().describe('recall_score·(1−quality_weight) + quality_score·quality_weight'),
      recall_score: z.number().min(0).max(1),
      quality_score: z.number().min(0).max(1),
      reason: z.string(),
    }),
  ),
}).meta({ id: 'RecommendationList' });

type Query = z.output<typeof recommendationsParams.query>;

/** How an answer was made: the `fresh` object of the response. */
type FreshUse = z.output<typeof recommendationsAnswer>['fresh'];

export function recommendationsRouter(deps: Pick<ServingDeps, 'models' | 'fresh' | 'recommendationCacheBytes'>, metrics: ApiMetrics): Router<RequestState> {
  const router = new Router<RequestState>();
  // Keyed by the model object: a reload brings a new object, hence an empty cache, and the old one is collected.
  const caches = new WeakMap<LoadedModel, LRUCache<string, string>>();
  const cacheOf = (model: LoadedModel) => {
    let cache = caches.get(model);
    if (cache === undefined) {
      cache = new LRUCache<string, string>({ maxSize: deps.recommendationCacheBytes, sizeCalculation: (value, key) => value.length + key.length });
      caches.set(model, cache);
    }
    return cache;
  };
  const hits = metrics.recommendationCache.labels('hit');
  const misses = metrics.recommendationCache.labels('miss');

  router.get('/recommendations/:user_id', async (ctx) => {
    const { path, query } = parseRequest(recommendationsParams, { path: ctx.params, query: ctx.query });
    const model = requireModel(deps.models);
    const fresh = await deps.fresh.read(path.user_id, model.manifest.data_snapshot?.bronze_watermark);
    metrics.freshReads.inc({ outcome: fresh.status === 'ok' ? fresh.source : 'unavailable' });
    if (fresh.status === 'unavailable') ctx.state.log.warn({ problem: fresh.problem }, 'fresh-rating store not read; answering from the model alone');
    const caching = deps.recommendationCacheBytes > 0;
    const key = caching ? `${path.user_id}|${query.method}|${query.limit ?? DEFAULT_LIMIT}|${query.quality_weight ?? ''}|${freshKey(fresh)}` : '';
    let answer = caching ? cacheOf(model).get(key) : undefined;
    if (answer === undefined) {
      if (caching) misses.inc();
      const { recommendations, use, how } = await recommend(model, path.user_id, query, fresh);
      metrics.answers.inc({ how });
      answer = JSON.stringify(toBody(model, recommendations, use));
      if (caching) cacheOf(model).set(key, answer);
    } else {
      hits.inc();
    }
    ctx.type = 'application/json';
    ctx.body = answer;
  });
  return router;
}

/** The identity of the fresh ratings: one user's events are ordered by offset, so count and newest offset name the set. */
function freshKey(fresh: FreshRead): string {
  if (fresh.status === 'unavailable') return 'unavailable';
  if (fresh.ratings.length === 0) return '0';
  return `${fresh.ratings.length}:${Math.max(...fresh.ratings.map((r) => r.kafka_offset))}`;
}

async function recommend(
  model: LoadedModel,
  userId: number,
  query: Query,
  fresh: FreshRead,
): Promise<{ recommendations: Recommendations; use: FreshUse; how: 'lookup' | 'computed' | 'excluded' }> {
  const options = { method: query.method, limit: query.limit ?? DEFAULT_LIMIT, ...(query.quality_weight === undefined ? {} : { qualityWeight: query.quality_weight }) };
  if (fresh.status === 'unavailable') {
    return { recommendations: model.recommender.recommend(userId, options), use: { status: 'unavailable', ratings: 0, folded: false, detail: fresh.problem }, how: 'lookup' };
  }
  const ratings = fresh.ratings.map((r) => ({ movieId: r.movie_id, rating: r.rating }));
  if (ratings.length === 0) return { recommendations: model.recommender.recommend(userId, options), use: { status: 'ok', ratings: 0, folded: false }, how: 'lookup' };
  if (model.pool === undefined || model.pool.saturated) {
    // No thread free soon: the model's own answer (a lookup) without the movies just rated.
    const answer = model.pool === undefined ? model.recommender.recommend(userId, options, ratings) : model.recommender.recommend(userId, options, ratings, 'exclude');
    const folded = model.pool === undefined;
    return { recommendations: answer, use: { status: 'ok', ratings: countKnown(model, ratings), folded }, how: folded ? 'computed' : 'excluded' };
  }
  let answer: Recommendations;
  try {
    answer = await model.pool.recommend({ userId, options, fresh: ratings });
  } catch {
    // The model was swapped out and its threads have stopped: its own answer without the fresh-rated movies.
    return { recommendations: model.recommender.recommend(userId, options, ratings, 'exclude'), use: { status: 'ok', ratings: countKnown(model, ratings), folded: false }, how: 'excluded' };
  }
  return { recommendations: answer, use: { status: 'ok', ratings: answer.freshRatingsUsed ?? 0, folded: true }, how: 'computed' };
}

function countKnown(model: LoadedModel, ratings: { movieId: number }[]): number {
  return new Set(ratings.filter((r) => model.recommender.hasMovie(r.movieId)).map((r) => r.movieId)).size;
}

function toBody(model: LoadedModel, answer: Recommendations, fresh: FreshUse): z.output<typeof recommendationsAnswer> {
  return {
    user_id: answer.userId,
    model_version: model.version,
    method: answer.method,
    path: answer.path,
    fresh,
    items: answer.items.map((item) => ({
      movie_id: item.movieId,
      title: item.title,
      score: item.score,
      recall_score: item.recall_score,
      quality_score: item.quality_score,
      reason: item.reason,
    })),
  };
}
