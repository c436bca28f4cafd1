import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createConsoleApp } from '../../../console/app';
import { promote, readCurrentPointer, writeManifest } from '../../../domain/model-registry';
import type { ReplicaRegistry } from '../../../domain/ports';
import { listenOnLoopback } from '../../support/http';
import { MemoryObjectStore } from '../../support/memory-store';
import { registryManifest } from '../../support/manifests';

const TOKEN = 'console-unit-operator-token';

/** The console's HTTP contract with an in-memory registry and a stand-in for the API that records what it was sent. */
describe('console: its endpoints (in-memory registry, a stand-in API)', () => {
  const store = new MemoryObjectStore();
  const replicas: ReplicaRegistry = { announce: () => Promise.resolve(), withdraw: () => Promise.resolve(), live: () => Promise.resolve([]) };
  const seenByApi: { url: string; apiKey: string | undefined; body: string }[] = [];
  let api: http.Server;
  let url: string;
  let server: { url: string; close(): Promise<void> };

  before(async () => {
    api = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seenByApi.push({ url: req.url ?? '', apiKey: req.headers['x-api-key'] as string | undefined, body });
        res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const app = createConsoleApp({
      store,
      replicas,
      links: { temporalUiUrl: 'http://127.0.0.1:8233', temporalNamespace: 'default', airflowUiUrl: 'http://127.0.0.1:8080' },
      operatorToken: TOKEN,
      apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      apiKey: 'client-key',
      logger: pino({ level: 'silent' }),
      now: () => new Date('2026-01-02T00:00:00.000Z'),
    });
    server = await listenOnLoopback(app);
    url = server.url;
    for (const version of ['a', 'b', 'c']) await writeManifest(store, registryManifest(version));
    await promote(store, 'a', new Date());
    await promote(store, 'b', new Date());
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => api.close(resolve));
  });

  const rollback = (body: unknown, token = TOKEN) =>
    fetch(`${url}/console/api/rollback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

  it('refuses a rollback without the operator token, or for a version that is no longer current', async () => {
    const unauthorised = await rollback({ expected_current: 'b' }, 'wrong-token-of-some-length');
    assert.equal(unauthorised.status, 401);
    assert.match(unauthorised.headers.get('content-type') ?? '', /application\/problem\+json/);
    await promote(store, 'c', new Date());
    const stale = await rollback({ expected_current: 'b' });
    assert.equal(stale.status, 409);
    assert.match(((await stale.json()) as { detail: string }).detail, /current version is c, not b/);
    assert.equal((await readCurrentPointer(store))?.version, 'c');
    assert.equal((await rollback({ version: 'c' })).status, 400, 'the body names the version rolled back from');
  });

  it('rolls back the version it was told is current', async () => {
    const done = await rollback({ expected_current: 'c' });
    assert.equal(done.status, 200);
    assert.deepEqual(((await done.json()) as { version: string; previous: string }).version, 'b');
    assert.equal((await readCurrentPointer(store))?.reason, 'rollback');
  });

  it('passes "try it" requests to the API with its client key, and validates them first', async () => {
    assert.equal((await fetch(`${url}/console/api/try/recommendations/7?method=item-cf&limit=5`)).status, 200);
    assert.deepEqual(seenByApi.at(-1), { url: '/recommendations/7?method=item-cf&limit=5', apiKey: 'client-key', body: '' });
    assert.equal((await fetch(`${url}/console/api/try/recommendations/0`)).status, 400);
    assert.equal((await fetch(`${url}/console/api/try/recommendations/7?method=nope`)).status, 400);
    const rate = (body: unknown, token = TOKEN) => fetch(`${url}/console/api/try/ratings`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    assert.equal((await rate({ user_id: 7, movie_id: 3, rating: 4.5 }, 'wrong-token-of-some-length')).status, 401);
    assert.equal((await rate({ user_id: 7, movie_id: 3, rating: 4.2 })).status, 400, 'ratings are in half steps');
    const sent = seenByApi.length;
    assert.equal((await rate({ user_id: 7, movie_id: 3, rating: 4.5 })).status, 202);
    assert.equal(seenByApi.length, sent + 1);
    assert.deepEqual(JSON.parse(seenByApi.at(-1)!.body), { user_id: 7, movie_id: 3, rating: 4.5, timestamp: '2026-01-02T00:00:00.000Z' });
  });

  it('serves a report only for a valid version that has one, with a policy that runs no script', async () => {
    assert.equal((await fetch(`${url}/console/api/models/c/report`)).status, 404);
    assert.equal((await fetch(`${url}/console/api/models/..%2Fsecrets/report`)).status, 400);
    await store.put('reports/c/evaluation.html', '<p>report</p>');
    const report = await fetch(`${url}/console/api/models/c/report`);
    assert.equal(await report.text(), '<p>report</p>');
    assert.match(report.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.doesNotMatch(report.headers.get('content-security-policy') ?? '', /script-src/);
  });
});
