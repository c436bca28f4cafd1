/**
 * GET /healthz: the process answers (liveness). Readiness comes in two parts, because ingest needs only
 * the broker while answers need a model, and a fresh deployment has no model until a batch runs:
 * - GET /readyz/ingest: the broker producer is connected and not failing its sends;
 * - GET /readyz/serving (apps that serve recommendations): a model is loaded;
 * - GET /readyz: the process can take traffic, i.e. ingest is ready. Its answer also says whether
 *   serving is, so one check tells the whole state; serving routes without a model answer 503 with
 *   Retry-After on their own.
 * A load balancer with one pool of replicas checks /readyz; one that routes by path checks
 * /readyz/ingest for the ingest routes and /readyz/serving for the serving routes.
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

const NOT_CONNECTED = 'not connected to the message broker, or its producer is failing its sends';
const NO_MODEL = 'no recommendation model is loaded';

export const liveAnswer = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const readyAnswer = z
  .object({
    status: z.literal('ready'),
    serving: z.enum(['ready', 'no model loaded']).optional().describe('apps that serve recommendations: whether a model is loaded (see /readyz/serving)'),
  })
  .meta({ id: 'Ready' });

function notReady(missing: string[]): ProblemError {
  return new ProblemError(503, 'Not Ready', missing.join('; '), { checks: missing }, { 'Retry-After': '1' });
}

export function healthRouter(checks: ReadinessChecks): Router<RequestState> {
  const router = new Router<RequestState>();
  const { modelLoaded } = checks;
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' } satisfies z.output<typeof liveAnswer>;
  });
  router.get('/readyz', (ctx) => {
    if (!checks.brokerConnected()) throw notReady([NOT_CONNECTED]);
    ctx.body = { status: 'ready', ...(modelLoaded ? { serving: modelLoaded() ? 'ready' : 'no model loaded' } : {}) } satisfies z.output<typeof readyAnswer>;
  });
  router.get('/readyz/ingest', (ctx) => {
    if (!checks.brokerConnected()) throw notReady([NOT_CONNECTED]);
    ctx.body = { status: 'ready' } satisfies z.output<typeof readyAnswer>;
  });
  if (modelLoaded) {
    router.get('/readyz/serving', (ctx) => {
      if (!modelLoaded()) throw notReady([NO_MODEL]);
      ctx.body = { status: 'ready' } satisfies z.output<typeof readyAnswer>;
    });
  }
  return router;
}
