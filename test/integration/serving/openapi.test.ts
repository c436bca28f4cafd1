import assert from 'node:assert/strict';
import { createApp, registeredRoutes } from '../../../api/app';
import type { FreshRatingsReader } from '../../../api/fresh-ratings';
import { ModelHolder } from '../../../api/model-holder';
import { openApiDocument } from '../../../api/openapi';
import { parseEvent } from '../../../domain/events';
import { MAX_ID } from '../../../domain/ids';
import type { FeatureStore, ObjectStore } from '../../../domain/ports';
import { listenOnLoopback } from '../../support/http';
import { ackingPublisher, RELOAD_TOKEN, silentLogger } from './harness';

type Json = Record<string, unknown>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const PATH_ITEM_FIELDS = ['$ref', 'summary', 'description', 'servers', 'parameters', ...HTTP_METHODS];

/** No store or feature store is ever called here: these tests read documents and send methods no route has. */
const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used in this test')) });

function testApp(serving: boolean) {
  return createApp({
    publisher: ackingPublisher,
    logger: silentLogger,
    config: { bodyLimit: '1mb', maxBatchEvents: 1000, retryAfterSeconds: 1 },
    ...(serving
      ? { serving: { models: new ModelHolder(unused as ObjectStore), features: unused as FeatureStore, fresh: unused as FreshRatingsReader, reloadToken: RELOAD_TOKEN, recommendationCacheBytes: 0 } }
      : {}),
  });
}

function resolvePointer(document: Json, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `only local references are used (${ref})`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node !== null && typeof node === 'object' ? (node as Json)[part] : undefined), document);
}

function collectRefs(node: unknown, at: string, found: [string, string][]): void {
  if (Array.isArray(node)) node.forEach((item, i) => collectRefs(item, `${at}/${i}`, found));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push([at, value]);
      else collectRefs(value, `${at}/${key}`, found);
    }
  }
}

function deref(document: Json, node: unknown): Json {
  let current = node as Json;
  while (typeof current.$ref === 'string') current = resolvePointer(document, current.$ref) as Json;
  return current;
}

describe('serving: the OpenAPI document', () => {
  const document = JSON.parse(JSON.stringify(openApiDocument({ serving: true, maxBatchEvents: 1000, bodyLimit: '1mb', apiKeys: false }))) as Json;
  const paths = document.paths as Record<string, Json>;

  it('is OpenAPI 3.1 shaped', () => {
    assert.match(String(document.openapi), /^3\.1\.\d+$/);
    const info = document.info as Json;
    assert.equal(typeof info.title, 'string');
    assert.equal(typeof info.version, 'string');
    assert.ok(Object.keys(paths).length > 0);
    for (const [path, item] of Object.entries(paths)) {
      assert.ok(path.startsWith('/'), path);
      for (const key of Object.keys(item)) assert.ok(PATH_ITEM_FIELDS.includes(key), `${path}: unexpected field ${key}`);
      for (const method of HTTP_METHODS.filter((m) => m in item)) {
        const operation = item[method] as Json;
        const where = `${method.toUpperCase()} ${path}`;
        const responses = operation.responses as Record<string, unknown>;
        assert.ok(Object.keys(responses).length > 0, `${where} has responses`);
        for (const [code, raw] of Object.entries(responses)) {
          assert.match(code, /^([1-5](\d\d|XX)|default)$/, `${where}: status ${code}`);
          assert.equal(typeof deref(document, raw).description, 'string', `${where} ${code} has a description`);
        }
        const parameters = ((operation.parameters ?? []) as unknown[]).map((p) => deref(document, p));
        for (const parameter of parameters) {
          assert.equal(typeof parameter.name, 'string');
          assert.ok(['query', 'header', 'path', 'cookie'].includes(String(parameter.in)), `${where}: parameter in`);
          assert.ok('schema' in parameter || 'content' in parameter, `${where}: ${String(parameter.name)} has a schema`);
        }
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const declared = parameters.filter((p) => p.in === 'path');
        assert.deepEqual(declared.map((p) => p.name).sort(), templated.sort(), `${where}: path parameters match the template`);
        for (const p of declared) assert.equal(p.required, true, `${where}: path parameter ${String(p.name)} is required`);
        const body = operation.requestBody as Json | undefined;
        if (body) assert.ok(Object.keys(deref(document, body).content as Json).length > 0, `${where}: request body has content`);
      }
    }
    const components = document.components as Json;
    for (const [name, schema] of Object.entries(components.schemas as Json)) assert.equal(typeof schema, 'object', `schema ${name}`);
    assert.deepEqual((components.securitySchemes as Json).reloadToken, { type: 'http', scheme: 'bearer', description: 'RELOAD_TOKEN' });
  });

  it('has every $ref resolve', () => {
    const refs: [string, string][] = [];
    collectRefs(document, '#', refs);
    assert.ok(refs.length > 10);
    for (const [at, ref] of refs) assert.notEqual(resolvePointer(document, ref), undefined, `${at}: ${ref} resolves`);
  });

  it('describes every error response as problem+json', () => {
    const responses = (document.components as Json).responses as Record<string, Json>;
    for (const [name, response] of Object.entries(responses)) {
      assert.deepEqual((response.content as Json)['application/problem+json'], { schema: { $ref: '#/components/schemas/Problem' } }, name);
    }
  });

  it('lists exactly the routes the app registers, both ways, with and without serving', async () => {
    for (const serving of [true, false]) {
      const app = testApp(serving);
      const routes = registeredRoutes(app)
        .map(({ method, path }) => `${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
        .sort();
      const served = await listenOnLoopback(app);
      try {
        const own = (await (await fetch(`${served.url}/openapi.json`)).json()) as { paths: Record<string, Json> };
        const documented = Object.entries(own.paths)
          .flatMap(([path, item]) => HTTP_METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`))
          .sort();
        assert.ok(routes.length >= (serving ? 11 : 6), `${routes.length} routes`);
        assert.deepEqual(routes, documented, serving ? 'serving app' : 'ingest-only app');
      } finally {
        await served.close();
      }
    }
  });

  it('documents every status each operation answers, errors as problem+json', () => {
    const statuses = Object.fromEntries(
      Object.entries(paths).flatMap(([path, item]) =>
        HTTP_METHODS.filter((m) => m in item).map((m) => [`${m.toUpperCase()} ${path}`, Object.keys((item[m] as Json).responses as Json).sort().join(' ')]),
      ),
    );
    assert.deepEqual(statuses, {
      'POST /events': '202 400 413 415 500 503',
      'POST /events/batch': '202 400 413 415 500 503',
      'GET /recommendations/{user_id}': '200 400 500 503',
      'GET /movies/{movie_id}/similar': '200 400 404 500 503',
      'GET /users/{user_id}/features': '200 400 404 500 503',
      'GET /models/current': '200 500 503',
      'POST /reload': '200 400 401 404 413 415 422 500 503',
      'GET /healthz': '200 500',
      'GET /readyz': '200 500 503',
      'GET /readyz/ingest': '200 500 503',
      'GET /readyz/serving': '200 500 503',
      'GET /metrics': '200 500',
      'GET /openapi.json': '200 500',
    });
    const retryAfter = (name: string) => ((((document.components as Json).responses as Json)[name] as Json).headers as Json)['Retry-After'] as Json;
    for (const name of ['NoModel', 'Unavailable', 'BrokerUnavailable', 'NotReady']) assert.equal(retryAfter(name).required, true, `${name} sends Retry-After`);
  });

  it('takes its parameters from the routes’ zod schemas, with the bounds the server checks', () => {
    const parameters = ((paths['/recommendations/{user_id}'] as Json).get as Json).parameters as Json[];
    const byName = new Map(parameters.map((p) => [p.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['limit', 'method', 'quality_weight', 'user_id']);
    assert.deepEqual((byName.get('method')?.schema as Json).enum, ['user-based', 'item-based', 'hybrid', 'item-cf']);
    assert.deepEqual(byName.get('user_id')?.schema, { type: 'integer', minimum: 1, maximum: MAX_ID });
    assert.equal(byName.get('user_id')?.required, true);
    const { description: _limit, ...limit } = byName.get('limit')?.schema as Json;
    assert.deepEqual(limit, { type: 'integer', minimum: 1, maximum: 100 });
    assert.notEqual(byName.get('limit')?.required, true);
    const { description: _weight, ...qualityWeight } = byName.get('quality_weight')?.schema as Json;
    assert.deepEqual(qualityWeight, { type: 'number', minimum: 0, maximum: 1 });
  });

  it('bounds event timestamps where the server does: each number range accepted at its ends, refused past them', () => {
    const event = (((document.components as Json).schemas as Json).Event as Json).properties as Json;
    const ranges = ((event.timestamp as Json).anyOf as Json[]).filter((branch) => branch.type === 'number') as { minimum: number; exclusiveMaximum: number }[];
    assert.equal(ranges.length, 2);
    const accepted = (timestamp: number) => parseEvent({ user_id: 1, movie_id: 1, rating: 3, timestamp }).ok;
    for (const { minimum, exclusiveMaximum } of ranges) {
      assert.ok(minimum > 0, 'timestamp 0 is outside the document');
      assert.equal(accepted(minimum), true, `${minimum}`);
      assert.equal(accepted(minimum - 0.001), false, `${minimum - 0.001}`);
      assert.equal(accepted(exclusiveMaximum - 0.001), true, `${exclusiveMaximum - 0.001}`);
      assert.equal(accepted(exclusiveMaximum), false, `${exclusiveMaximum}`);
    }
  });
});

describe('serving: a method that a path does not list', () => {
  let served: Awaited<ReturnType<typeof listenOnLoopback>>;
  before(async () => {
    served = await listenOnLoopback(testApp(true));
  });
  after(async () => {
    await served?.close();
  });

  it('gets 405 problem+json with Allow naming the path’s methods; OPTIONS gets 204 with Allow', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/healthz', 'HEAD, GET, OPTIONS'],
      ['PATCH', '/recommendations/1', 'HEAD, GET, OPTIONS'],
      ['GET', '/reload', 'POST, OPTIONS'],
      ['PROPFIND', '/events/batch', 'POST, OPTIONS'],
    ] as const) {
      const res = await fetch(`${served.url}${path}`, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(((await res.json()) as Json).status, 405);
      const options = await fetch(`${served.url}${path}`, { method: 'OPTIONS' });
      assert.equal(options.status, 204, `OPTIONS ${path}`);
      assert.equal(options.headers.get('allow'), allow, `OPTIONS ${path}`);
    }
  });

  it('leaves a path no route serves a 404, whatever the method', async () => {
    for (const method of ['GET', 'DELETE', 'PROPFIND', 'OPTIONS']) {
      const res = await fetch(`${served.url}/no-such-path`, { method });
      assert.equal(res.status, 404, method);
      assert.equal(res.headers.get('allow'), null, method);
    }
  });
});
