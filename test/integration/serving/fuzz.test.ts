/**
 * Seeded random malformed requests across every route: odd methods, paths, query strings, bodies and
 * headers. None may get a 5xx, every error must be problem+json, and the server must stay up.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRandom } from '../../../recommender/random';
import { createBatchEnvironment, type BatchEnvironment } from '../../support/batch';
import { fitMl100k, publishAndPromote, RELOAD_TOKEN, startServingApi, type ServingApi } from './harness';

const REQUESTS = 1500;
const SEED = 20260101;

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface RawAnswer {
  status: number;
  type: string;
  body: string;
}

function send(port: number, agent: http.Agent, request: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: request.method, path: request.path, headers: request.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

function generator(seed: number) {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const int = (max: number) => Math.floor(random() * max);

  const segments = [
    '1', '42', '0', '-1', '00012', '1.5', '1e3', '0x1f', 'abc', '', '%20', '%00', '%E0%A4%A', '%', '..', '%2e%2e', '99999999999999999999',
    '2147483648', 'NaN', 'Infinity', 'null', "'; DROP TABLE users;--", '<script>', 'é', '%C3%A9', 'a'.repeat(2000), '1/2', '1;2', '1%2F2',
  ];
  const templates = [
    (s: string) => `/recommendations/${s}`,
    (s: string) => `/movies/${s}/similar`,
    (s: string) => `/users/${s}/features`,
    () => '/models/current',
    () => '/reload',
    () => '/events',
    () => '/events/batch',
    () => '/healthz',
    () => '/readyz',
    () => '/metrics',
    () => '/openapi.json',
    (s: string) => `/${s}`,
    (s: string) => `/recommendations/${s}/${s}`,
    (s: string) => `/movies/${s}`,
    () => '/recommendations',
    () => '//recommendations//1',
    () => '/RECOMMENDATIONS/1',
  ];
  const queryKeys = ['method', 'limit', 'quality_weight', 'user_id', 'x', '', '__proto__', 'constructor', 'limit[]', 'method[a]', '%ff', 'limit%00'];
  const queryValues = ['hybrid', 'user-based', 'item-based', 'HYBRID', '', '0', '1', '100', '101', '-5', '0.5', '1.0000001', '1e-3', 'NaN', '%', '%zz', 'a'.repeat(300), '[]', '{}', '0x10', ' 5'];
  const bodies: (() => Buffer)[] = [
    () => Buffer.from(''),
    () => Buffer.from('{'),
    () => Buffer.from('null'),
    () => Buffer.from('[]'),
    () => Buffer.from('"text"'),
    () => Buffer.from('12'),
    () => Buffer.from('{"version": null}'),
    () => Buffer.from(`{"version": "${pick(['', 'x', '../x', 'v1', 'a'.repeat(200), '%00'])}"}`),
    () => Buffer.from('{"user_id": 1, "movie_id": 2, "rating": 4.5, "timestamp": 1700000000}'),
    () => Buffer.from('[{"user_id": 1, "movie_id": 2, "rating": 7, "timestamp": "yesterday"}]'),
    () => Buffer.from('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
    () => Buffer.from(JSON.stringify({ deep: JSON.parse('['.repeat(500) + ']'.repeat(500)) as unknown })),
    () => Buffer.from(Array.from({ length: 64 + int(512) }, () => int(256))),
    () => Buffer.alloc(1_100_000, 0x20),
    () => Buffer.from('\uFEFF{"version":"v1"}'),
  ];
  const contentTypes = ['application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/problem+json', '*/*', ''];
  const authorizations = ['', `Bearer ${RELOAD_TOKEN}`, 'Bearer', 'Bearer wrong', `bearer ${RELOAD_TOKEN} extra`, 'Basic Zm9vOmJhcg==', 'Bearer ' + 'x'.repeat(5000), `Bearer ${RELOAD_TOKEN}\t`];
  const methods = ['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'MKCOL'];

  return (): RawRequest => {
    let path = pick(templates)(pick(segments));
    if (chance(0.6)) {
      const pairs = Array.from({ length: 1 + int(4) }, () => `${pick(queryKeys)}${chance(0.9) ? `=${pick(queryValues)}` : ''}`);
      path += `?${pairs.join(chance(0.9) ? '&' : ';')}`;
    }
    if (chance(0.05)) path += '#fragment';
    // Node's client refuses raw spaces in a request line; everything else goes out as generated.
    path = path.replace(/ /g, '%20');
    const method = pick(methods);
    const headers: Record<string, string> = {};
    if (chance(0.5)) headers['content-type'] = pick(contentTypes);
    if (chance(0.4)) headers.authorization = pick(authorizations);
    if (chance(0.2)) headers['x-request-id'] = pick(['abc', '', '../../etc/passwd', 'x'.repeat(300), 'id with spaces']);
    if (chance(0.1)) headers.accept = pick(['application/xml', '*/*', 'text/html']);
    if (chance(0.1)) headers['content-encoding'] = pick(['gzip', 'br', 'identity', 'bogus']);
    const body = ['GET', 'HEAD'].includes(method) && chance(0.8) ? undefined : pick(bodies)();
    // Node's client frames a GET/DELETE/OPTIONS/TRACE body only when told its length.
    if (body !== undefined) headers['content-length'] = String(body.length);
    return { method, path, headers, ...(body === undefined ? {} : { body }) };
  };
}

describe('serving: fuzzing every route with malformed requests', function () {
  this.timeout(300_000);
  let env: BatchEnvironment;
  let api: ServingApi;
  let port: number;

  before(async () => {
    env = await createBatchEnvironment();
    await publishAndPromote(env.store, 'fuzz-model', fitMl100k(env.config, 4));
    await env.features.putUserFeatures([{ user_id: 1, rating_count: 3 }]);
    api = await startServingApi(env);
    await api.models.loadDeployed();
    port = Number(new URL(api.url).port);
  });
  after(async () => {
    await api?.close();
    env?.close();
  });

  it(`answers ${REQUESTS} seeded random requests without a 5xx, errors as problem+json, and stays up`, async () => {
    const next = generator(SEED);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    try {
      const requests = Array.from({ length: REQUESTS }, next);
      for (let start = 0; start < requests.length; start += 8) {
        await Promise.all(
          requests.slice(start, start + 8).map(async (request) => {
            let answer: RawAnswer;
            try {
              answer = await send(port, agent, request);
            } catch (err) {
              bad.push(`${request.method} ${request.path.slice(0, 80)}: connection error ${(err as Error).message}`);
              return;
            }
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            const what = `${request.method} ${request.path.slice(0, 80)} → ${answer.status}`;
            if (answer.status >= 500) bad.push(`${what}: ${answer.body.slice(0, 200)}`);
            // A raw non-ASCII byte makes the request line invalid HTTP: Node's parser answers a bare 400 and closes, before the app.
            const refusedByParser = answer.status === 400 && /[^\x21-\x7e]/.test(request.path);
            if (answer.status >= 400 && request.method !== 'HEAD' && !refusedByParser) {
              if (!answer.type.startsWith('application/problem+json')) bad.push(`${what}: content-type ${answer.type}`);
              else {
                const problem = JSON.parse(answer.body) as { status?: number };
                if (problem.status !== answer.status) bad.push(`${what}: problem status ${problem.status}`);
              }
            }
          }),
        );
      }
    } finally {
      agent.destroy();
    }
    assert.deepEqual(bad, []);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, REQUESTS);
    // Both outcomes occur: the generator reaches the handlers (200/202) and their checks (400).
    assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(200) ?? 0) + (statuses.get(202) ?? 0) > 0, JSON.stringify([...statuses]));
    const health = await fetch(`${api.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(api.models.current()?.version, 'fuzz-model');
  });
});
