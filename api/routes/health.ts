/**
 * GET /healthz: the process answers. GET /readyz: it can do its work — the broker producer is connected
 * and, when the app serves recommendations, a model is loaded.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { RequestState } from '../context';
import { ProblemError } from '../problems';

export interface ReadinessChecks {
  brokerConnected: () => boolean;
  /** Absent on an ingest-only app. */
  modelLoaded?: () => boolean;
}

export const liveAnswer = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const readyAnswer = z.object({ status: z.literal('ready') }).meta({ id: 'Ready' });

export function healthRouter(checks: ReadinessChecks): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' } satisfies z.output<typeof liveAnswer>;
  });
  router.get('/readyz', (ctx) => {
    const missing: string[] = [];
    if (!checks.brokerConnected()) missing.push('not connected to the message broker');
    if (checks.modelLoaded && !checks.modelLoaded()) missing.push('no recommendation model is loaded');
    if (missing.length > 0) throw new ProblemError(503, 'Not Ready', missing.join('; '), { checks: missing }, { 'Retry-After': '1' });
    ctx.body = { status: 'ready' } satisfies z.output<typeof readyAnswer>;
  });
  return router;
}
