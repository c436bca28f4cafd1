import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type http from 'node:http';
import { createHttpServer, type HttpLimits } from '../../../api/http-server';

const limits: HttpLimits = { keepAliveTimeoutMs: 5_000, headersTimeoutMs: 400, requestTimeoutMs: 800, maxConnections: 2 };

/** A raw client: what the server sent, and when it closed the connection. */
function connect(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => {
    const opened = performance.now();
    socket.on('close', () => resolve(performance.now() - opened));
  });
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, connected, closed, received: () => received };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `start`, then `chunk` every 100 ms, until the server closes the connection; how long that took (Infinity: not within 5 s). */
async function trickleUntilClosed(port: number, start: string, chunk: string) {
  const client = connect(port);
  await client.connected;
  client.socket.write(start);
  const trickle = setInterval(() => client.socket.write(chunk), 100);
  const closedAfter = await Promise.race([client.closed, sleep(5_000).then(() => Infinity)]);
  clearInterval(trickle);
  return { closedAfter, received: client.received() };
}
const request = 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n';

describe('api/http-server: the HTTP server limits', () => {
  let server: http.Server;
  let port: number;

  before(async () => {
    server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    }, limits);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('cuts off a client that sends its headers too slowly, with 408', async () => {
    const { closedAfter, received } = await trickleUntilClosed(port, 'GET / HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n');
    assert.ok(closedAfter < 5_000, 'the connection was closed');
    assert.ok(closedAfter >= limits.headersTimeoutMs, `not before the headers timeout (closed after ${closedAfter.toFixed(0)} ms)`);
    assert.match(received, /^HTTP\/1\.1 408 /);
  });

  it('cuts off a client that sends its body too slowly', async () => {
    const { closedAfter, received } = await trickleUntilClosed(port, 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n', 'x');
    assert.ok(closedAfter < 5_000 && closedAfter >= limits.requestTimeoutMs, `closed after the request timeout (${closedAfter.toFixed(0)} ms)`);
    assert.doesNotMatch(received, /200 OK/);
  });

  it('keeps an idle keep-alive connection open past the headers timeout and serves its next request', async () => {
    const client = connect(port);
    await client.connected;
    client.socket.write(request);
    await sleep(limits.headersTimeoutMs * 3);
    client.socket.write(request);
    await sleep(200);
    assert.equal(client.received().match(/HTTP\/1\.1 200 OK/g)?.length, 2);
    client.socket.destroy();
    await client.closed;
  });

  it('refuses connections beyond the cap and takes new ones once below it', async () => {
    const held = [connect(port), connect(port)];
    await Promise.all(held.map((c) => c.connected));
    for (const c of held) c.socket.write(request);
    await sleep(200);
    const extra = connect(port);
    const closedAfter = await Promise.race([extra.closed, sleep(3_000).then(() => Infinity)]);
    assert.ok(closedAfter < 3_000, 'the connection over the cap was closed');
    assert.equal(extra.received(), '', 'and got no answer');

    held[0]!.socket.destroy();
    await held[0]!.closed;
    await sleep(100);
    const next = connect(port);
    await next.connected;
    next.socket.write(request);
    await sleep(200);
    assert.match(next.received(), /^HTTP\/1\.1 200 OK/);
    for (const c of [held[1]!, next]) c.socket.destroy();
  });
});
