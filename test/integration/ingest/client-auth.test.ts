import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { testConfig } from '../../support/config';
import { isolatedConfig, startApi, type RunningApi } from './harness';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const event = { user_id: 1, movie_id: 2, rating: 4, timestamp: 1_700_000_000 };

/** API keys and quotas on the client routes, on the real app publishing to the real broker. */
describe('ingest: client API keys and per-key quotas (real app and Kafka)', function () {
  this.timeout(60_000);
  let api: RunningApi;
  const keys = { mobile: 'mobile-client-key-0123456789', batch: 'batch-client-key-abcdefghij' };

  before(async () => {
    const isolated = await isolatedConfig('client-auth');
    const config = testConfig({
      KAFKA_TOPIC: isolated.kafka.topic,
      KAFKA_DLQ_TOPIC: isolated.kafka.dlqTopic,
      API_KEYS: `mobile:${sha256(keys.mobile)}, batch:${sha256(keys.batch)}:3`,
      API_KEY_RATE_PER_S: '1000',
    });
    api = await startApi(config);
  });
  after(async () => {
    await api?.close();
  });

  const post = (key?: string) =>
    fetch(`${api.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'x-api-key': key }) }, body: JSON.stringify(event) });

  it('refuses a client route without a key or with a wrong one: 401 problem+json with WWW-Authenticate', async () => {
    for (const [key, detail] of [[undefined, 'this route needs an API key in the X-API-Key header'], ['not-a-key', 'the API key is not valid']] as const) {
      const res = await post(key);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(res.headers.get('www-authenticate'), 'ApiKey header="X-API-Key"');
      assert.equal(((await res.json()) as { detail: string }).detail, detail);
    }
    const unauthenticated = await fetch(`${api.url}/recommendations/1`);
    assert.equal(unauthenticated.status, 401, 'serving routes too');
  });

  it('accepts a configured key, and keeps health, metrics and the document open', async () => {
    assert.equal((await post(keys.mobile)).status, 202);
    for (const path of ['/healthz', '/metrics', '/openapi.json']) assert.equal((await fetch(`${api.url}${path}`)).status, 200, path);
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, { post?: { security?: unknown; responses: Record<string, unknown> } }>; components: { securitySchemes: Record<string, unknown> } };
    assert.deepEqual(document.paths['/events']?.post?.security, [{ apiKey: [] }]);
    assert.ok(document.paths['/events']?.post?.responses['429'], 'the document lists the quota answer');
    assert.deepEqual(document.components.securitySchemes.apiKey, { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'a client API key (API_KEYS holds its SHA-256)' });
  });

  it('answers 429 with Retry-After beyond a key’s own rate, without touching other keys', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await post(keys.batch);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    assert.deepEqual(statuses.slice(0, 3), [202, 202, 202]);
    assert.ok(statuses.slice(3).every((s) => s === 429), statuses.join(' '));
    assert.ok(Number(retryAfter) >= 1, 'Retry-After says when to try again');
    assert.equal((await post(keys.mobile)).status, 202, 'the other key keeps its quota');
  });
});
