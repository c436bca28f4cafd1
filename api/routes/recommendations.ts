/**
 * GET /recommendations/:user_id?method=&limit=&quality_weight=
 * Unknown users are not an error: they get the cold-start fallback, and `path` says which path answered
 * (`personalised`, `content-from-few-ratings` or `popular`).
 * Answers are cached per served model (see AnswerCache): computing one costs the recommender
 * milliseconds of CPU on the event loop, serving it again costs microseconds.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { methods } from '../../recommender/hybrid';
import { AnswerCache } from '../answer-cache';
import type { RequestState } from '../context';
import type { ApiMetrics } from '../metrics';
import type { LoadedModel } from '../model-holder';
import { decimalParam, idParam, integerParam, parseRequest } from '../params';
import { requireModel, type ServingDeps } from '../serving';

export const DEFAULT_LIMIT = 10;

export const recommendationsParams = {
  path: z.strictObject({ user_id: idParam }),
  query: z.strictObject({
    method: z.enum(methods, { error: `must be one of ${methods.join(', ')}` }).default('hybrid'),
    limit: integerParam(1, 100).optional(),
    quality_weight: decimalParam(0, 1).optional(),
  }),
};

export function recommendationsRouter(deps: Pick<ServingDeps, 'models' | 'recommendationCacheSize'>, metrics: ApiMetrics): Router<RequestState> {
  const router = new Router<RequestState>();
  // Keyed by the model object: a reload brings a new object, hence an empty cache, and the old one is collected.
  const caches = new WeakMap<LoadedModel, AnswerCache<string>>();
  const hits = metrics.recommendationCache.labels('hit');
  const misses = metrics.recommendationCache.labels('miss');
  router.get('/recommendations/:user_id', (ctx) => {
    const { path, query } = parseRequest(recommendationsParams, { path: ctx.params, query: ctx.query });
    const model = requireModel(deps.models);
    let cache = caches.get(model);
    if (cache === undefined) {
      cache = new AnswerCache(deps.recommendationCacheSize);
      caches.set(model, cache);
    }
    const key = `${path.user_id}|${query.method}|${query.limit ?? DEFAULT_LIMIT}|${query.quality_weight ?? ''}`;
    // Kept serialised: a hit then costs no JSON encoding either.
    let answer = cache.get(key);
    if (answer === undefined) {
      misses.inc();
      answer = JSON.stringify(recommend(model, path.user_id, query));
      cache.set(key, answer);
    } else {
      hits.inc();
    }
    ctx.type = 'application/json';
    ctx.body = answer;
  });
  return router;
}

function recommend(model: LoadedModel, userId: number, query: z.output<typeof recommendationsParams.query>) {
  const answer = model.recommender.recommend(userId, {
    method: query.method,
    limit: query.limit ?? DEFAULT_LIMIT,
    ...(query.quality_weight === undefined ? {} : { qualityWeight: query.quality_weight }),
  });
  return {
    user_id: answer.userId,
    model_version: model.version,
    method: answer.method,
    path: answer.path,
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
