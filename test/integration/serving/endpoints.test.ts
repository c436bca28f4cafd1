import assert from 'node:assert/strict';
import { HttpModelServer } from '../../../adapters/http/model-server';
import type { ModelManifest } from '../../../domain/model-registry';
import type { HybridRecommender } from '../../../recommender/hybrid';
import { createBatchEnvironment, type BatchEnvironment } from '../../support/batch';
import { call, expectedRecommendations, fitMl100k, publishAndPromote, RELOAD_TOKEN, reload, startServingApi, type ServingApi } from './harness';

describe('serving: every endpoint against a registry in MinIO and features in DynamoDB Local', function () {
  this.timeout(120_000);
  let env: BatchEnvironment;
  let api: ServingApi;
  let model: HybridRecommender;
  let manifest: ModelManifest;
  const version = 'v2026-01-01.endpoints';

  before(async () => {
    env = await createBatchEnvironment();
    model = fitMl100k(env.config);
    api = await startServingApi(env);
  });
  after(async () => {
    await api?.close();
    env?.close();
  });

  describe('before any model is deployed', () => {
    it('answers the recommendation and model routes with 503 problem+json and Retry-After', async () => {
      for (const path of ['/recommendations/1', '/movies/1/similar', '/models/current']) {
        const res = await call(`${api.url}${path}`);
        assert.equal(res.status, 503, path);
        assert.match(res.type, /^application\/problem\+json/);
        assert.equal(res.json.title, 'No model loaded');
        assert.ok(Number(res.headers.get('retry-after')) > 0, `${path} sends Retry-After`);
      }
    });

    it('is live and ready for ingest but not for serving, and ingest works', async () => {
      assert.equal((await call(`${api.url}/healthz`)).status, 200);
      assert.deepEqual((await call(`${api.url}/readyz`)).json, { status: 'ready', serving: 'no model loaded' }, 'a load balancer keeps sending it events');
      assert.equal((await call(`${api.url}/readyz/ingest`)).status, 200);
      const serving = await call(`${api.url}/readyz/serving`);
      assert.equal(serving.status, 503);
      assert.deepEqual(serving.json.checks, ['no recommendation model is loaded']);
      assert.ok(Number(serving.headers.get('retry-after')) > 0);
      const posted = await call(`${api.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 1, movie_id: 2, rating: 4, timestamp: 1_700_000_000 }) });
      assert.equal(posted.status, 202);
    });

    it('still validates parameters before saying there is no model', async () => {
      const res = await call(`${api.url}/recommendations/abc`);
      assert.equal(res.status, 400);
    });

    it('answers POST /reload without a version with 404 when nothing is deployed', async () => {
      const res = await reload(api);
      assert.equal(res.status, 404);
      assert.equal(api.models.current(), undefined);
    });
  });

  describe('with a deployed model', () => {
    before(async () => {
      manifest = await publishAndPromote(env.store, version, model, { metrics: { 'ndcg@10': 0.41, 'precision@10': 0.35 } });
      const res = await reload(api);
      assert.equal(res.status, 200, JSON.stringify(res.json));
    });

    it('GET /models/current answers version, created_at and metrics from the manifest', async () => {
      const res = await call(`${api.url}/models/current`);
      assert.equal(res.status, 200);
      assert.equal(res.json.version, version);
      assert.equal(res.json.created_at, manifest.created_at);
      assert.deepEqual(res.json.metrics, manifest.metrics);
      assert.deepEqual(res.json.artifact, { sha256: manifest.artifact.sha256, bytes: manifest.artifact.bytes });
    });

    it('keeps the batch worker’s contract (HttpModelServer reload + servedVersion)', async () => {
      const server = new HttpModelServer(api.url, RELOAD_TOKEN);
      await server.reload(version);
      assert.equal(await server.servedVersion(), version);
    });

    it('GET /recommendations answers what the model recommends, for each method', async () => {
      for (const method of ['user-based', 'item-based', 'hybrid'] as const) {
        for (const userId of [1, 13, 405]) {
          const res = await call(`${api.url}/recommendations/${userId}?method=${method}&limit=7`);
          assert.equal(res.status, 200);
          assert.deepEqual(res.json, expectedRecommendations(model, version, userId, method, 7));
          assert.equal((res.json.items as unknown[]).length, 7);
          assert.equal(res.json.path, 'personalised');
        }
      }
    });

    it('defaults to hybrid, 10 items, and never returns a movie the user rated', async () => {
      const res = await call(`${api.url}/recommendations/42`);
      assert.equal(res.json.method, 'hybrid');
      const items = res.json.items as { movie_id: number }[];
      assert.equal(items.length, 10);
      const rated = new Set(model.ratedMovies(42));
      assert.ok(items.every((i) => !rated.has(i.movie_id)));
    });

    it('quality_weight moves the scores toward the quality score', async () => {
      const res = await call(`${api.url}/recommendations/42?quality_weight=1`);
      const items = res.json.items as { score: number; quality_score: number }[];
      assert.ok(items.length > 0);
      for (const item of items) assert.equal(item.score, item.quality_score);
    });

    it('gives an unknown user the popular fallback, not a 404', async () => {
      const res = await call(`${api.url}/recommendations/987654?method=user-based`);
      assert.equal(res.status, 200);
      assert.equal(res.json.path, 'popular');
      assert.deepEqual(res.json, expectedRecommendations(model, version, 987654, 'user-based'));
    });

    it('answers bad parameters with 400 problem+json naming each one', async () => {
      const cases: [string, string[]][] = [
        ['/recommendations/1?limit=0', ['limit']],
        ['/recommendations/1?limit=101', ['limit']],
        ['/recommendations/1?limit=1e1', ['limit']],
        ['/recommendations/1?method=svd', ['method']],
        ['/recommendations/1?quality_weight=1.5', ['quality_weight']],
        ['/recommendations/1?quality_weight=', ['quality_weight']],
        ['/recommendations/1?limit=5&limit=6', ['limit']],
        ['/recommendations/1?qualityWeight=0.5', ['qualityWeight']],
        ['/recommendations/0', ['user_id']],
        ['/recommendations/x?limit=-1&method=', ['user_id', 'limit', 'method']],
        ['/movies/abc/similar?limit=1000', ['movie_id', 'limit']],
        ['/users/-3/features', ['user_id']],
      ];
      for (const [path, names] of cases) {
        const res = await call(`${api.url}${path}`);
        assert.equal(res.status, 400, path);
        assert.match(res.type, /^application\/problem\+json/);
        const errors = res.json.errors as { field: string; message: string }[];
        assert.deepEqual([...new Set(errors.map((e) => e.field))].sort(), [...names].sort(), path);
        for (const name of names) assert.ok(String(res.json.detail).includes(name), `${path}: detail names ${name}`);
      }
    });

    it('GET /movies/:id/similar answers the model’s similar movies; 404 for an unknown movie', async () => {
      const res = await call(`${api.url}/movies/1/similar?limit=5`);
      assert.equal(res.status, 200);
      assert.equal(res.json.model_version, version);
      assert.equal(res.json.title, model.movie(1)?.title);
      assert.deepEqual(
        res.json.items,
        model.similarMovies(1, 5).map((s) => ({ movie_id: s.movieId, title: s.title, similarity: s.similarity })),
      );
      const unknown = await call(`${api.url}/movies/99999/similar`);
      assert.equal(unknown.status, 404);
      assert.match(unknown.type, /^application\/problem\+json/);
    });

    it('GET /users/:id/features answers the stored item; 404 when there is none', async () => {
      const item = { user_id: 77, rating_count: 12, mean_rating: 3.75, top_genres: ['Drama', 'Comedy'], updated_at: '2026-01-01T00:00:00.000Z', run_date: '2026-01-01' };
      await env.features.putUserFeatures([item]);
      const res = await call(`${api.url}/users/77/features`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, item);
      const missing = await call(`${api.url}/users/78/features`);
      assert.equal(missing.status, 404);
      assert.match(missing.type, /^application\/problem\+json/);
    });

    it('is ready, and /healthz answers', async () => {
      assert.deepEqual((await call(`${api.url}/readyz`)).json, { status: 'ready', serving: 'ready' });
      assert.deepEqual((await call(`${api.url}/readyz/serving`)).json, { status: 'ready' });
      assert.deepEqual((await call(`${api.url}/healthz`)).json, { status: 'ok' });
    });

    it('GET /openapi.json answers the OpenAPI document', async () => {
      const res = await call(`${api.url}/openapi.json`);
      assert.equal(res.status, 200);
      assert.equal(res.json.openapi, '3.1.0');
    });

    it('GET /metrics exposes request counts by route pattern, the served version and ingest counters', async () => {
      await call(`${api.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user_id": 0}' });
      const res = await fetch(`${api.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.match(text, /movie_rec_http_requests_total\{method="GET",route="\/recommendations\/:user_id",status="200"\} \d+/);
      assert.match(text, /movie_rec_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/movies\/:movie_id\/similar"\} \d+/);
      assert.doesNotMatch(text, /route="\/recommendations\/42"/);
      assert.match(text, new RegExp(`movie_rec_model_info\\{version="${version.replace(/\./g, '\\.')}"\\} 1`));
      assert.match(text, /movie_rec_ingest_events_accepted_total [1-9]/);
      assert.match(text, /movie_rec_ingest_requests_rejected_total\{status="400"\} [1-9]/);
      assert.match(text, /movie_rec_model_reloads_total\{outcome="loaded"\} 1/);
    });
  });
});
