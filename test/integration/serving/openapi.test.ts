import assert from 'node:assert/strict';
import { createApp, registeredRoutes } from '../../../api/app';
import type { FreshRatingsReader } from '../../../api/fresh-ratings';
import { ModelHolder } from '../../../api/model-holder';
import { openApiDocument } from '../../../api/openapi';
import type { FeatureStore, ObjectStore } from '../../../domain/ports';
import { ackingPublisher, RELOAD_TOKEN, silentLogger } from './harness';

type Json = Record<string, unknown>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const PATH_ITEM_FIELDS = ['$ref', 'summary', 'description', 'servers', 'parameters', ...HTTP_METHODS];

/** The document is only read here: no store or feature store is ever called. */
const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used in this test')) });

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
  const document = JSON.parse(JSON.stringify(openApiDocument())) as Json;
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

  it('lists exactly the routes the app registers, both ways', () => {
    const app = createApp({
      publisher: ackingPublisher,
      logger: silentLogger,
      config: { bodyLimit: '1mb', maxBatchEvents: 1000, retryAfterSeconds: 1 },
      serving: { models: new ModelHolder(unused as ObjectStore), features: unused as FeatureStore, fresh: unused as FreshRatingsReader, reloadToken: RELOAD_TOKEN, recommendationCacheBytes: 0 },
    });
    const routes = registeredRoutes(app)
      .map(({ method, path }) => `${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
      .sort();
    const documented = Object.entries(paths)
      .flatMap(([path, item]) => HTTP_METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.ok(routes.length >= 11, `${routes.length} routes`);
    assert.deepEqual(routes, documented);
  });

  it('takes its parameters from the routes’ zod schemas', () => {
    const parameters = ((paths['/recommendations/{user_id}'] as Json).get as Json).parameters as Json[];
    const byName = new Map(parameters.map((p) => [p.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['limit', 'method', 'quality_weight', 'user_id']);
    assert.deepEqual((byName.get('method')?.schema as Json).enum, ['user-based', 'item-based', 'hybrid']);
    assert.equal(byName.get('limit')?.required, false);
  });
});
