/**
 * The consumer's liveness endpoint: `GET /healthz` answers 200 while every consumer loop is alive
 * (see `liveness.ts`) and 503 naming the one that is not, so a supervisor (a Docker or Kubernetes
 * health check) can restart a consumer that stopped making progress without exiting.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsumerLiveness } from './liveness';

export async function startHealthServer(host: string, port: number, loops: ConsumerLiveness[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/healthz') {
      res.writeHead(req.method !== 'GET' && path === '/healthz' ? 405 : 404, { 'content-type': 'application/problem+json', ...(path === '/healthz' ? { allow: 'GET' } : {}) });
      res.end(JSON.stringify({ type: 'about:blank', title: path === '/healthz' ? 'Method Not Allowed' : 'Not Found', status: path === '/healthz' ? 405 : 404 }));
      return;
    }
    const consumers = loops.map((loop) => loop.report());
    const alive = consumers.every((c) => c.alive);
    res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: alive ? 'ok' : 'stalled', consumers }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
