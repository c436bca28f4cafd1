/**
 * GET /healthz: the process answers. GET /readyz: it can do its work — the broker producer is connected
 * and, when the app serves recommendations, a model is loaded.
 */
import Router from '@koa/router';
import type { RequestState } from '../context';
import { ProblemError } from '../problems';

export interface ReadinessChecks {
  brokerConnected: () => boolean;
  /** Absent on an ingest-only app. */
  modelLoaded?: () => boolean;
}

export function healthRouter(checks: ReadinessChecks): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', (ctx) => {
    const missing: string[] = [];
    if (!checks.brokerConnected()) missing.push('not connected to the message broker');
    if (checks.modelLoaded && !checks.modelLoaded()) missing.push('no recommendation model is loaded');
    if (missing.length > 0) throw new ProblemError(503, 'Not Ready', missing.join('; '), { checks: missing }, { 'Retry-After': '1' });
    ctx.body = { status: 'ready' };
  });
  return router;
}
