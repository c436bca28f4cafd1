import { randomUUID } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import type { RouterContext } from '@koa/router';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { RequestState } from './context';
import { ProblemError, sendProblem } from './problems';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives each request an id (the caller's `x-request-id` when it is sane) and a child logger carrying it. */
export function requestContext(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ request_id: requestId });
    ctx.set('x-request-id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.state.log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  };
}

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  message?: string;
}

/** Turns every error into problem+json: ProblemErrors as they are, client errors from Koa and the body parser by status, the rest as 500. */
export function problemErrors(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        sendProblem(ctx, new ProblemError(404, 'Not Found', `no route for ${ctx.method} ${ctx.path}`));
      }
    } catch (err) {
      if (err instanceof ProblemError) {
        sendProblem(ctx, err);
        return;
      }
      const e = err as HttpishError;
      const status = e.status ?? e.statusCode;
      if (status !== undefined && status >= 400 && status < 500) {
        sendProblem(ctx, clientProblem(status, e));
        return;
      }
      ctx.state.log.error({ err }, 'unhandled error');
      sendProblem(ctx, new ProblemError(500, 'Internal Server Error', 'the server failed to handle the request'));
    }
  };
}

function clientProblem(status: number, e: HttpishError): ProblemError {
  if (status === 413) return new ProblemError(413, 'Payload Too Large', 'the request body exceeds the size limit');
  if (e.type === 'entity.parse.failed' || (status === 400 && /JSON/i.test(e.message ?? ''))) {
    return new ProblemError(400, 'Malformed JSON', 'the request body is not valid JSON');
  }
  return new ProblemError(status, e.expose && e.message ? e.message : 'Bad Request');
}

/**
 * JSON body parsing. A body that cannot even be decoded (say `Content-Encoding: gzip` over bytes that
 * are not gzip) fails inside the parser with a bare zlib error: that is the client's fault, so 400.
 * Errors from the routes below pass through untouched.
 */
export function jsonBodies(limit: string): Middleware<RequestState> {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limit });
  return async (ctx, next) => {
    let parsed = false;
    try {
      await parse(ctx, () => {
        parsed = true;
        return next();
      });
    } catch (err) {
      const e = err as HttpishError;
      if (parsed || e.status !== undefined || e.statusCode !== undefined) throw err;
      throw new ProblemError(400, 'Malformed body', 'the request body could not be decoded (check its Content-Encoding)');
    }
  };
}

/**
 * A path that some route serves, asked with a method none of its routes has: 405 with the `Allow` header
 * RFC 9110 requires (and OPTIONS: 204 with it). It sits before the routers and looks after them, when
 * `ctx.matched` holds the layers of every router whose path matched, whatever their method. A path no
 * route serves stays a 404, whatever the method.
 */
export function methodNotAllowed(): Middleware<RequestState> {
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    const routeMethods = ((ctx as unknown as RouterContext).matched ?? []).flatMap((layer) => layer.methods);
    if (routeMethods.length === 0) return;
    const allow = [...new Set([...routeMethods, 'OPTIONS'])].join(', ');
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      ctx.set('Allow', allow);
      return;
    }
    throw new ProblemError(405, 'Method Not Allowed', `${ctx.method} is not a method of ${ctx.path}; use ${allow}`, {}, { Allow: allow });
  };
}
