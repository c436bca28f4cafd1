/**
 * Prometheus metrics of one app instance, in its own Registry (never the global one, so that several
 * apps in one process — tests, benchmarks — keep separate counts). Requests are labelled with the
 * router's matched route pattern (`/recommendations/:user_id`), never the raw path, so label values
 * stay few whatever clients send.
 */
import type { Middleware } from 'koa';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestState } from './context';
import type { ModelHolder } from './model-holder';

/** Requests no route matched share one label value. */
export const UNMATCHED_ROUTE = '(unmatched)';

export function createApiMetrics(registry: Registry, models: ModelHolder | undefined) {
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'movie_rec_http_requests_total', help: 'HTTP requests by method, matched route and status', labelNames: ['method', 'route', 'status'] as const, registers }),
    duration: new Histogram({
      name: 'movie_rec_http_request_duration_seconds',
      help: 'HTTP request latency by method and matched route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    modelVersion: new Gauge({
      name: 'movie_rec_model_info',
      help: 'The served model: 1 with its version as a label; no series while none is loaded',
      labelNames: ['version'] as const,
      registers,
      collect() {
        this.reset();
        const version = models?.current()?.version;
        if (version !== undefined) this.set({ version }, 1);
      },
    }),
    freshReads: new Counter({
      name: 'movie_rec_fresh_reads_total',
      help: "How a recommendation learnt the user's fresh ratings: from the replica's index of the event topic (index), the store was read (store), or the store did not answer in time (unavailable)",
      labelNames: ['outcome'] as const,
      registers,
    }),
    answers: new Counter({
      name: 'movie_rec_recommendation_answers_total',
      help: 'Recommendation answers by how they were made: a lookup in the candidate pools, computed with fresh ratings on a recommender thread, or the lookup without the fresh-rated movies (threads busy)',
      labelNames: ['how'] as const,
      registers,
    }),
    recommendationCache: new Counter({ name: 'movie_rec_recommendation_cache_total', help: 'Recommendation answers served from the per-model cache (hit) or computed (miss)', labelNames: ['result'] as const, registers }),
    reloads: new Counter({ name: 'movie_rec_model_reloads_total', help: 'POST /reload outcomes', labelNames: ['outcome'] as const, registers }),
    eventsAccepted: new Counter({ name: 'movie_rec_ingest_events_accepted_total', help: 'Events acknowledged by the broker (202)', registers }),
    ingestRejected: new Counter({ name: 'movie_rec_ingest_requests_rejected_total', help: 'Ingest requests refused as invalid (4xx), nothing published', labelNames: ['status'] as const, registers }),
    ingestUnavailable: new Counter({ name: 'movie_rec_ingest_requests_unavailable_total', help: 'Ingest requests answered 503 (broker did not acknowledge)', registers }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

const INGEST_ROUTES = new Set(['/events', '/events/batch']);

function acceptedEvents(route: string, body: unknown): number {
  if (route === '/events') return 1;
  const accepted = (body as { accepted?: unknown } | null)?.accepted;
  return typeof accepted === 'number' ? accepted : 0;
}

/** Outermost after the request context: it sees the final status, including problem+json errors. */
export function requestMetrics(metrics: ApiMetrics): Middleware<RequestState> {
  return async (ctx, next) => {
    const stop = performance.now();
    try {
      await next();
    } finally {
      const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const route = matched === undefined ? UNMATCHED_ROUTE : String(matched);
      const status = ctx.status;
      metrics.requests.inc({ method: ctx.method, route, status: String(status) });
      metrics.duration.observe({ method: ctx.method, route }, (performance.now() - stop) / 1000);
      if (INGEST_ROUTES.has(route) && ctx.method === 'POST') {
        if (status === 202) metrics.eventsAccepted.inc(acceptedEvents(route, ctx.body));
        else if (status === 503) metrics.ingestUnavailable.inc();
        else if (status >= 400 && status < 500) metrics.ingestRejected.inc({ status: String(status) });
      }
    }
  };
}
