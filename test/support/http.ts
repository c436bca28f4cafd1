import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves a Koa app on an ephemeral loopback port, as a test needs a real socket for its clients. */
export async function listenOnLoopback(app: { callback(): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> }): Promise<{ url: string; close(): Promise<void> }> {
  const handle = app.callback();
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
