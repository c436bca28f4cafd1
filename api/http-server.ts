/**
 * The API's HTTP server with its limits from config: a client gets `headersTimeoutMs` to send a
 * request's headers and `requestTimeoutMs` for the whole request (so a slow client cannot hold a
 * connection and its memory), idle keep-alive connections close after `keepAliveTimeoutMs`, and at
 * most `maxConnections` are open at once (Node refuses more by closing them at once).
 */
import http from 'node:http';

export interface HttpLimits {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

/** Node checks the headers and request timeouts of open connections at this interval: a fraction of the headers timeout, so a slow client is cut off close to it. */
function checkingInterval(limits: HttpLimits): number {
  return Math.max(50, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4)));
}

export function createHttpServer(listener: http.RequestListener, limits: HttpLimits): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingInterval(limits),
    },
    listener,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}
