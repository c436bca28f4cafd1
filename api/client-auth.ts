/**
 * Client authentication and quotas on the client routes (events, recommendations, movies, users): each
 * request carries an API key in `X-API-Key`; the configuration holds only each key's SHA-256 with a
 * name, so a leaked configuration leaks no key. Each key has a request rate per second on this replica
 * (the configured default, or its own); beyond it the answer is 429 with `Retry-After`. Health,
 * metrics and the OpenAPI document stay open (a load balancer and a scraper need them), and operator
 * routes keep their own token. Without keys (only allowed on a loopback-only API) the client routes
 * are open.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { ApiKeyEntry } from '../config';
import type { RequestState } from './context';
import { ProblemError } from './problems';

export const API_KEY_HEADER = 'x-api-key';
const CLIENT_ROUTES = /^\/(events|recommendations|movies|users)(\/|$)/;
const CHALLENGE = { 'WWW-Authenticate': 'ApiKey header="X-API-Key"' };

export interface ClientAuthOptions {
  keys: ApiKeyEntry[];
  /** Requests per second per key on this replica, for keys without a rate of their own. */
  ratePerSecond: number;
}

export function clientAuth(options: ClientAuthOptions): Middleware<RequestState> {
  if (options.keys.length === 0) {
    return async (_ctx, next) => {
      await next();
    };
  }
  const keys = options.keys.map((key) => {
    const rate = key.ratePerSecond ?? options.ratePerSecond;
    return { name: key.name, digest: Buffer.from(key.sha256, 'hex'), rate, limiter: new RateLimiterMemory({ keyPrefix: key.name, points: rate, duration: 1 }) };
  });
  return async (ctx, next) => {
    if (!CLIENT_ROUTES.test(ctx.path)) {
      await next();
      return;
    }
    const presented = ctx.get(API_KEY_HEADER);
    if (presented === '') throw new ProblemError(401, 'Unauthorized', 'this route needs an API key in the X-API-Key header', {}, CHALLENGE);
    const digest = createHash('sha256').update(presented).digest();
    // Every key is compared, in constant time each, so the answer's timing says nothing about which keys exist.
    let matched: (typeof keys)[number] | undefined;
    for (const key of keys) if (timingSafeEqual(digest, key.digest)) matched = key;
    if (matched === undefined) throw new ProblemError(401, 'Unauthorized', 'the API key is not valid', {}, CHALLENGE);
    try {
      await matched.limiter.consume(matched.name);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new ProblemError(429, 'Too Many Requests', `the key ${matched.name} may make ${matched.rate} requests per second on this replica`, {}, { 'Retry-After': String(retryAfter) });
    }
    ctx.state.client = matched.name;
    await next();
  };
}
