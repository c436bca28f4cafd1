/**
 * The Koa application, built from its dependencies so that tests, benchmarks and the entry point wire it
 * the same way. Middleware order: request context (id + logger), request metrics (sees the final
 * status), problem+json errors, client API keys and quotas, body parsing, 405 for a method a path does
 * not list, then one router per resource.
 *
 * Without `serving` the app is ingest-only (events, health, metrics, OpenAPI): the ingest tests and the
 * ingest benchmark run it that way.
 */
import type Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { EventPublisher } from '../domain/event-publisher';
import { clientAuth, type ClientAuthOptions } from './client-auth';
import type { RequestState } from './context';
import { createApiMetrics, requestMetrics } from './metrics';
import { jsonBodies, methodNotAllowed, problemErrors, requestContext } from './middleware';
import { eventsRouter } from './routes/events';
import { healthRouter } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { modelsRouter } from './routes/models';
import { moviesRouter } from './routes/movies';
import { openApiRouter } from './routes/openapi';
import { recommendationsRouter } from './routes/recommendations';
import { usersRouter } from './routes/users';
import type { ServingDeps } from './serving';

export interface AppDeps {
  publisher: EventPublisher;
  logger: Logger;
  config: {
    /** Largest request body, e.g. `1mb` (larger gets 413). */
    bodyLimit: string;
    /** Clients' API keys and their rate on the client routes; none: those routes are open (loopback only). */
    clientAuth?: ClientAuthOptions;
    maxBatchEvents: number;
    /** Seconds a client should wait before retrying after a 503. */
    retryAfterSeconds: number;
  };
  /** The recommendation, feature and model routes; absent on an ingest-only app. */
  serving?: ServingDeps;
  /** This app's Prometheus registry (a fresh one when absent); never the global registry. */
  metricsRegistry?: Registry;
}

const routersByApp = new WeakMap<Koa<RequestState>, Router<RequestState>[]>();

export function createApp(deps: AppDeps): Koa<RequestState> {
  const registry = deps.metricsRegistry ?? new Registry();
  const metrics = createApiMetrics(registry, deps.serving?.models);
  const app = new Koa<RequestState>();
  const clientAuthOptions = deps.config.clientAuth ?? { keys: [], ratePerSecond: 1 };
  app.use(requestContext(deps.logger));
  app.use(requestMetrics(metrics));
  app.use(problemErrors());
  // Before the body is parsed: an unauthenticated or over-quota request costs no parsing.
  app.use(clientAuth(clientAuthOptions));
  app.use(jsonBodies(deps.config.bodyLimit));
  app.use(methodNotAllowed());
  const { serving } = deps;
  const routers = [
    healthRouter({
      brokerConnected: () => deps.publisher.isReady(),
      ...(serving ? { modelLoaded: () => serving.models.current() !== undefined } : {}),
    }),
    eventsRouter({ publisher: deps.publisher, maxBatchEvents: deps.config.maxBatchEvents, retryAfterSeconds: deps.config.retryAfterSeconds }),
    ...(serving ? [recommendationsRouter(serving, metrics), moviesRouter(serving), usersRouter(serving), modelsRouter(serving, metrics)] : []),
    metricsRouter(registry),
    openApiRouter({ serving: serving !== undefined, maxBatchEvents: deps.config.maxBatchEvents, bodyLimit: deps.config.bodyLimit, apiKeys: clientAuthOptions.keys.length > 0 }),
  ];
  for (const router of routers) app.use(router.routes());
  routersByApp.set(app, routers);
  return app;
}

/** Every route the app answers, as `METHOD /pattern` pairs (HEAD, implied by GET, left out). */
export function registeredRoutes(app: Koa<RequestState>): { method: string; path: string }[] {
  return (routersByApp.get(app) ?? []).flatMap((router) =>
    router.stack.flatMap((layer) => layer.methods.filter((method) => method !== 'HEAD').map((method) => ({ method, path: String(layer.path) }))),
  );
}
