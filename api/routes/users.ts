/** GET /users/:user_id/features: the user's features from the feature store (DynamoDB); 404 when it has none. */
import Router from '@koa/router';
import { z } from 'zod';
import type { RequestState } from '../context';
import { idParam, parseRequest } from '../params';
import { ProblemError } from '../problems';
import type { ServingDeps } from '../serving';

export const userFeaturesParams = { path: z.strictObject({ user_id: idParam }) };

export const userFeaturesAnswer = z.looseObject({ user_id: z.number().int() }).meta({ id: 'UserFeatures', description: 'the feature item as stored in DynamoDB (features, updated_at, run date)' });

export function usersRouter(deps: Pick<ServingDeps, 'features'>): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/users/:user_id/features', async (ctx) => {
    const { path } = parseRequest(userFeaturesParams, { path: ctx.params, query: {} });
    let item;
    try {
      item = await deps.features.getUserFeatures(path.user_id);
    } catch (err) {
      ctx.state.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'feature store read failed');
      throw new ProblemError(503, 'Feature store unavailable', 'the feature store could not be read; retry later', {}, { 'Retry-After': '1' });
    }
    if (item === undefined) throw new ProblemError(404, 'Unknown user', `no features are stored for user ${path.user_id}`, { user_id: path.user_id });
    ctx.body = item;
  });
  return router;
}
