/** GET /metrics: this app's Prometheus registry in the text exposition format. */
import Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { RequestState } from '../context';

export function metricsRouter(registry: Registry): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}
