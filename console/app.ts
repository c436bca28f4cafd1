/**
 * The operator console: one page (`/console`, plain HTML, CSS and a script module — nothing to build)
 * and the JSON it reads. It runs beside the API as a process of its own, so the API keeps its
 * read-only registry access and only the console (with the operator token) can roll back.
 *
 *   GET  /console                              the page
 *   GET  /console/api/overview                 replicas, the registry's versions, current and previous
 *   GET  /console/api/models/:version/report   a version's evaluation report (HTML, from S3)
 *   POST /console/api/rollback                 (Bearer operator token) {expected_current} → the previous version becomes current
 *   GET  /console/api/try/recommendations/:user_id?method&limit   the API's answer, passed through
 *   POST /console/api/try/ratings              (Bearer operator token) {user_id, movie_id, rating} → POST /events on the API
 *
 * The API replicas follow the registry by themselves, so a rollback reaches them within their poll
 * interval; the page shows each replica's served version as it changes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import { bearerTokenMatcher } from '../api/bearer-token';
import { API_KEY_HEADER } from '../api/client-auth';
import type { RequestState } from '../api/context';
import { jsonBodies, methodNotAllowed, problemErrors, requestContext } from '../api/middleware';
import { idParam, integerParam, invalidParameters, parameterProblems } from '../api/params';
import { MODEL_VERSION_PATTERN } from '../api/model-holder';
import { ProblemError } from '../api/problems';
import { incomingEventSchema } from '../domain/events';
import { evaluationHtmlKey, rollback, RollbackRefusedError } from '../domain/model-registry';
import type { ObjectStore, ReplicaRegistry } from '../domain/ports';
import { methods } from '../recommender/hybrid';
import { readOverview, type ConsoleLinks } from './overview';

export interface ConsoleDeps {
  /** The registry: read, and the pointer written by a rollback. */
  store: ObjectStore;
  replicas: ReplicaRegistry;
  links: ConsoleLinks;
  /** The operator token (RELOAD_TOKEN): rollbacks and ratings sent from the page need it. */
  operatorToken: string;
  /** Where "try it" sends its requests: an API replica (or the load balancer in front of them). */
  apiUrl: string;
  /** A client API key for the API, when it requires one. */
  apiKey?: string;
  logger: Logger;
  now?: () => Date;
}

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');
const STATIC_FILES: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
/** The page, its script and its style only: no inline script, nothing from elsewhere. */
const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** An evaluation report is inline-styled HTML and SVG, and runs no script. */
const REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";
const API_TIMEOUT_MS = 5_000;

const versionParam = z.string().regex(MODEL_VERSION_PATTERN, 'must be a model version');
const tryQuery = z.strictObject({
  method: z.enum(methods, { error: `must be one of ${methods.join(', ')}` }).default('hybrid'),
  limit: integerParam(1, 50).optional(),
});
const rollbackBody = z.strictObject({ expected_current: versionParam });
/** A rating as the event schema takes it; the console stamps the time. */
const ratingBody = incomingEventSchema.pick({ user_id: true, movie_id: true, rating: true });

function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'path' | 'query' | 'body'): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidParameters(parameterProblems(parsed.error, where));
  return parsed.data;
}

export function createConsoleApp(deps: ConsoleDeps): Koa<RequestState> {
  const now = deps.now ?? (() => new Date());
  const tokenMatches = bearerTokenMatcher(deps.operatorToken);
  const requireOperator = (header: string, action: string) => {
    if (!tokenMatches(header)) throw new ProblemError(401, 'Unauthorized', `${action} needs Authorization: Bearer <RELOAD_TOKEN>`, {}, { 'WWW-Authenticate': 'Bearer realm="movie-rec console"' });
  };
  const page = readFileSync(path.join(STATIC_DIR, 'index.html'), 'utf8');
  const assets = new Map(Object.entries(STATIC_FILES).map(([name, type]) => [name, { type, body: readFileSync(path.join(STATIC_DIR, name), 'utf8') }]));

  /** Calls the API and passes its status and JSON (or problem+json) body through. */
  const callApi = async (ctx: Koa.ParameterizedContext<RequestState>, pathAndQuery: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (deps.apiKey) headers.set(API_KEY_HEADER, deps.apiKey);
    let response: Response;
    try {
      response = await fetch(`${deps.apiUrl}${pathAndQuery}`, { ...init, headers, signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    } catch (err) {
      throw new ProblemError(502, 'API unreachable', `the API at ${deps.apiUrl} did not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
    ctx.status = response.status;
    ctx.type = response.headers.get('content-type') ?? 'application/json';
    ctx.body = await response.text();
  };

  const router = new Router<RequestState>();
  router.get('/', (ctx) => ctx.redirect('/console'));
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/console', (ctx) => {
    ctx.set('Content-Security-Policy', PAGE_POLICY);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page;
  });
  router.get('/console/static/:file', (ctx) => {
    const asset = assets.get(ctx.params.file ?? '');
    if (!asset) throw new ProblemError(404, 'Not Found', `no console file ${ctx.params.file}`);
    ctx.type = asset.type;
    ctx.body = asset.body;
  });
  router.get('/console/api/overview', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await readOverview(deps.store, deps.replicas, deps.links, now());
  });
  router.get('/console/api/models/:version/report', async (ctx) => {
    const version = parse(versionParam, ctx.params.version, 'path');
    const html = await deps.store.get(evaluationHtmlKey(version));
    if (html === undefined) throw new ProblemError(404, 'Not Found', `model ${version} has no evaluation report`);
    ctx.set('Content-Security-Policy', REPORT_POLICY);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = Buffer.from(html);
  });
  router.post('/console/api/rollback', async (ctx) => {
    requireOperator(ctx.get('authorization'), 'a rollback');
    const { expected_current: expected } = parse(rollbackBody, ctx.request.body ?? {}, 'body');
    try {
      // Only if `expected` is still current when the pointer is written: the operator confirmed rolling back that version.
      const pointer = await rollback(deps.store, now(), { from: expected });
      ctx.state.log.info({ version: pointer.version, rolled_back_from: pointer.previous }, 'rollback from the console');
      ctx.body = pointer;
    } catch (err) {
      if (err instanceof RollbackRefusedError) throw new ProblemError(409, 'Conflict', `${err.message}; reload the page and decide again`, { current_version: err.current ?? null });
      throw err;
    }
  });
  router.get('/console/api/try/recommendations/:user_id', async (ctx) => {
    const userId = parse(idParam, ctx.params.user_id, 'path');
    const query = parse(tryQuery, ctx.query, 'query');
    await callApi(ctx, `/recommendations/${userId}?method=${encodeURIComponent(query.method)}&limit=${query.limit ?? 10}`);
  });
  router.post('/console/api/try/ratings', async (ctx) => {
    requireOperator(ctx.get('authorization'), 'rating as a user');
    const rating = parse(ratingBody, ctx.request.body ?? {}, 'body');
    await callApi(ctx, '/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...rating, timestamp: now().toISOString() }) });
  });

  const app = new Koa<RequestState>();
  app.use(requestContext(deps.logger));
  app.use(problemErrors());
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    await next();
  });
  app.use(jsonBodies('16kb'));
  app.use(methodNotAllowed());
  app.use(router.routes());
  return app;
}
