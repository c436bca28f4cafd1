import assert from 'node:assert/strict';
import { ModelHolder } from '../../../api/model-holder';
import { manifestKey, modelKey, readManifest } from '../../../domain/model-registry';
import type { ObjectStore } from '../../../domain/ports';
import { serialize } from '../../../recommender/artifact';
import type { HybridRecommender } from '../../../recommender/hybrid';
import { createBatchEnvironment, type BatchEnvironment } from '../../support/batch';
import { call, expectedRecommendations, fitMl100k, publishAndPromote, publishModel, reload, startServingApi, type ServingApi } from './harness';

const PROBE_USERS = [1, 7, 200, 943, 987654];

/** The served answers for a few users and methods, to compare before and after a refused reload. */
async function snapshot(api: ServingApi): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const userId of PROBE_USERS) {
    for (const method of ['user-based', 'item-based', 'hybrid']) answers.push((await call(`${api.url}/recommendations/${userId}?method=${method}`)).json);
  }
  answers.push((await call(`${api.url}/movies/50/similar`)).json, (await call(`${api.url}/models/current`)).json);
  return answers;
}

/** Counts how many artifact reads overlap, to show that reloads do not run side by side. */
function overlapCounting(store: ObjectStore): { store: ObjectStore; maxInFlight: () => number } {
  let inFlight = 0;
  let max = 0;
  return {
    maxInFlight: () => max,
    store: {
      put: (key, body, type) => store.put(key, body, type),
      get: (key) => store.get(key),
      head: (key) => store.head(key),
      list: (prefix) => store.list(prefix),
      lines: (key) => store.lines(key),
      delete: (key) => store.delete(key),
      async chunks(key) {
        const chunks = await store.chunks(key);
        if (!key.endsWith('model.bin') || chunks === undefined) return chunks;
        // An artifact download is in flight from the request until its last chunk.
        max = Math.max(max, ++inFlight);
        return (async function* () {
          try {
            yield* chunks;
          } finally {
            inFlight--;
          }
        })();
      },
    },
  };
}

describe('serving: hot reload (registry in MinIO)', function () {
  this.timeout(180_000);
  let env: BatchEnvironment;
  let api: ServingApi;
  let full: HybridRecommender;
  let half: HybridRecommender;
  const v1 = 'v1.reload-test';
  const v2 = 'v2.reload-test';
  const models = () => new Map([[v1, full], [v2, half]]);

  before(async () => {
    env = await createBatchEnvironment();
    full = fitMl100k(env.config);
    half = fitMl100k(env.config, 2);
    await publishAndPromote(env.store, v1, full);
    await publishModel(env.store, v2, half);
    const holder = new ModelHolder(env.store);
    const loaded = await holder.loadDeployed();
    assert.equal(loaded?.model.version, v1, 'start-up loads the registry’s current version');
    api = await startServingApi(env, holder);
  });
  after(async () => {
    await api?.close();
    env?.close();
  });

  it('start-up with nothing deployed loads nothing and does not fail', async () => {
    const empty = await createBatchEnvironment();
    try {
      assert.equal(await new ModelHolder(empty.store).loadDeployed(), undefined);
    } finally {
      empty.close();
    }
  });

  it('reloads a named version and serves its answers; the same version again changes nothing', async () => {
    const res = await reload(api, { version: v2 });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.version, v2);
    assert.equal(res.json.previous_version, v1);
    assert.equal(res.json.changed, true);
    assert.deepEqual((await call(`${api.url}/recommendations/7?method=hybrid`)).json, expectedRecommendations(half, v2, 7, 'hybrid'));
    const again = await reload(api, { version: v2 });
    assert.equal(again.status, 200);
    assert.equal(again.json.changed, false);
    const back = await reload(api, { version: v1 });
    assert.equal(back.json.version, v1);
    assert.deepEqual((await call(`${api.url}/recommendations/7?method=hybrid`)).json, expectedRecommendations(full, v1, 7, 'hybrid'));
  });

  it('refuses an unknown version with 404 and keeps serving', async () => {
    const before = await snapshot(api);
    const res = await reload(api, { version: 'no-such-version' });
    assert.equal(res.status, 404);
    assert.equal(res.json.served_version, v1);
    assert.deepEqual(await snapshot(api), before);
  });

  it('refuses corrupt artifacts with 422 and the old model keeps serving identical answers', async () => {
    const good = serialize(half, { snapshotId: 'corrupt-test' });
    const flipped = good.slice();
    flipped[flipped.length - 100]! ^= 0xff;
    const truncated = good.slice(0, good.length - 64);
    const notAModel = new TextEncoder().encode('definitely not a model artifact');
    const cases: [string, string, (version: string) => Promise<unknown>, RegExp][] = [
      ['bytes differ from the manifest’s sha256', 'bad-sha', (v) => publishModel(env.store, v, half, { bytes: flipped, describedBytes: good }), /sha256/],
      ['flipped bytes with a matching sha256 (caught by the artifact checksum)', 'bad-crc', (v) => publishModel(env.store, v, half, { bytes: flipped }), /checksum mismatch/],
      ['truncated artifact', 'bad-truncated', (v) => publishModel(env.store, v, half, { bytes: truncated }), /truncated/],
      ['not an artifact at all', 'bad-magic', (v) => publishModel(env.store, v, half, { bytes: notAModel }), /not a movie-rec model/],
      ['artifact missing', 'bad-missing', async (v) => {
        await publishModel(env.store, v, half);
        await env.store.delete(modelKey(v));
      }, /missing/],
      ['manifest not JSON', 'bad-manifest', (v) => env.store.put(manifestKey(v), '{"version": ', 'application/json'), /not valid JSON/],
      ['manifest without artifact', 'bad-shape', (v) => env.store.put(manifestKey(v), JSON.stringify({ version: v, created_at: 'x' }), 'application/json'), /malformed/],
    ];
    const before = await snapshot(api);
    for (const [label, version, setUp, detail] of cases) {
      await setUp(version);
      const res = await reload(api, { version });
      assert.equal(res.status, 422, `${label}: ${JSON.stringify(res.json)}`);
      assert.match(res.type, /^application\/problem\+json/);
      assert.match(String(res.json.detail), detail, label);
      assert.equal(res.json.served_version, v1);
      assert.deepEqual(await snapshot(api), before, `${label}: answers unchanged`);
    }
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`movie_rec_model_reloads_total\\{outcome="invalid"\\} ${cases.length}`));
  });

  it('refuses a missing, wrong or non-bearer token with 401 and changes nothing', async () => {
    const before = await snapshot(api);
    for (const [label, headers] of [
      ['missing', {}],
      ['wrong', { authorization: 'Bearer not-the-token' }],
      ['empty', { authorization: 'Bearer ' }],
      ['basic', { authorization: `Basic ${Buffer.from('x:serving-test-reload-token').toString('base64')}` }],
    ] as [string, Record<string, string>][]) {
      const res = await call(`${api.url}/reload`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ version: v2 }) });
      assert.equal(res.status, 401, label);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    assert.equal(api.models.current()?.version, v1);
    assert.deepEqual(await snapshot(api), before);
  });

  it('refuses a malformed body with 400 naming the field', async () => {
    for (const body of [{ version: 3 }, { version: '../secrets' }, { model: v2 }, [v2]]) {
      const res = await reload(api, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok((res.json.errors as unknown[]).length > 0);
    }
  });

  it('swaps under concurrent recommendation traffic without a failed or mixed answer', async () => {
    const expected = new Map<string, unknown>();
    const users = [1, 2, 3, 50, 100, 300, 600, 900];
    for (const [version, model] of models()) for (const userId of users) expected.set(`${version}/${userId}`, expectedRecommendations(model, version, userId, 'hybrid'));
    let stop = false;
    let answered = 0;
    const failures: string[] = [];
    const versionsSeen = new Set<string>();
    const client = async (c: number) => {
      for (let k = 0; !stop; k++) {
        const userId = users[(c + k) % users.length]!;
        const res = await call(`${api.url}/recommendations/${userId}?method=hybrid`);
        answered++;
        if (res.status !== 200) {
          failures.push(`${res.status} ${JSON.stringify(res.json)}`);
          continue;
        }
        const version = String(res.json.model_version);
        versionsSeen.add(version);
        if (JSON.stringify(res.json) !== JSON.stringify(expected.get(`${version}/${userId}`))) failures.push(`user ${userId}: answer is not ${version}'s`);
      }
    };
    const traffic = Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
    const outcomes: number[] = [];
    for (const version of [v2, v1, v2, v1]) outcomes.push((await reload(api, { version })).status);
    stop = true;
    await traffic;
    assert.deepEqual(outcomes, [200, 200, 200, 200]);
    assert.deepEqual(failures, []);
    assert.ok(answered > 0);
    assert.deepEqual([...versionsSeen].sort(), [v1, v2]);
  });

  it('serialises concurrent reloads: in arrival order, never overlapping', async () => {
    const counting = overlapCounting(env.store);
    const holder = new ModelHolder(counting.store);
    const order = [v1, v2, v1, v2, v1];
    const results = await Promise.all(order.map((version) => holder.reload(version)));
    assert.deepEqual(results.map((r) => r.model.version), order);
    assert.deepEqual(results.map((r) => r.previousVersion), [undefined, ...order.slice(0, -1)]);
    assert.equal(counting.maxInFlight(), 1);
    assert.equal(holder.current()?.version, v1);
    const manifest = await readManifest(env.store, v1);
    assert.equal(holder.current()?.manifest.artifact.sha256, manifest?.artifact.sha256);
  });

  it('start-up loading does not override a reload that got in first', async () => {
    const holder = new ModelHolder(env.store);
    const [reloaded, deployed] = await Promise.all([holder.reload(v2), holder.loadDeployed()]);
    assert.equal(reloaded.model.version, v2);
    assert.equal(deployed, undefined);
    assert.equal(holder.current()?.version, v2);
  });

  it('POST /reload without a version loads the registry’s current one (a rollback target, say)', async () => {
    await reload(api, { version: v2 });
    const res = await reload(api);
    assert.equal(res.status, 200);
    assert.equal(res.json.version, v1);
  });
});
