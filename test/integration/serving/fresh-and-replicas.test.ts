import assert from 'node:assert/strict';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDocumentClient } from '../../../adapters/dynamodb/client';
import { DynamoReplicaRegistry } from '../../../adapters/dynamodb/replicas';
import { HttpModelServer } from '../../../adapters/http/model-server';
import { createKafka } from '../../../adapters/kafka/client';
import { ensureTopics } from '../../../adapters/kafka/topics';
import { createReloadApi } from '../../../activities/reload-api';
import { batchSettings } from '../../../activities/settings';
import type { ReloadSummary } from '../../../activities/types';
import { promote } from '../../../domain/model-registry';
import { serialize } from '../../../recommender/artifact';
import { loadMovieLens100k } from '../../../recommender/data/movielens';
import { HybridRecommender, methods } from '../../../recommender/hybrid';
import { buildUserItemMatrix } from '../../../recommender/matrix';
import type { RatingColumns } from '../../../recommender/types';
import { startPlatformProcess, waitForHttp, type PlatformProcess } from '../../../scripts/platform/processes';
import { readPidRecord } from '../../../scripts/services/processes';
import { servicesLayout } from '../../../scripts/services/layout';
import { createBatchEnvironment, type BatchEnvironment } from '../../support/batch';
import { uniqueName } from '../../support/config';
import { freePort } from '../../support/ports';
import { call, publishModel, RELOAD_TOKEN } from './harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  model_version: string;
  path: string;
  fresh: { status: string; ratings: number; folded: boolean };
  items: { movie_id: number }[];
}

/** Polls `probe` until it returns true, or fails after `ms` with the last state described. */
async function within(ms: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

/**
 * The online side on the real stack: three API processes and the consumer process in their own topic,
 * bucket and tables; ratings posted to one replica reach every replica's answers through Kafka: two
 * replicas read them from their own index of the topic, the third (without one) through the consumer
 * and DynamoDB; a deployment reaches every replica, and the reload stage waits for them.
 */
describe('serving: fresh ratings through each replica’s index of the topic or DynamoDB, on three replicas that follow the registry', function () {
  this.timeout(300_000);
  const id = uniqueName('replicas');
  let env: BatchEnvironment;
  let overrides: Record<string, string>;
  const processes: PlatformProcess[] = [];
  const replicas: string[] = [];
  let ratings: RatingColumns;
  let movies: ReturnType<typeof loadMovieLens100k>['movies'];
  let first: HybridRecommender;

  const fit = (extra: { userId: number; movieId: number; rating: number }[] = []) => {
    const n = ratings.userIds.length;
    const all: RatingColumns = {
      userIds: Int32Array.from([...ratings.userIds, ...extra.map((e) => e.userId)]),
      movieIds: Int32Array.from([...ratings.movieIds, ...extra.map((e) => e.movieId)]),
      ratings: Float32Array.from([...ratings.ratings, ...extra.map((e) => e.rating)]),
      timestamps: Float64Array.from([...ratings.timestamps, ...extra.map((_, k) => 2e9 + k)]),
    };
    assert.equal(all.userIds.length, n + extra.length);
    const model = HybridRecommender.fit(buildUserItemMatrix(all), movies);
    return model.withCandidates(model.precomputeCandidates());
  };
  const deploy = async (version: string, model: HybridRecommender, options: Parameters<typeof publishModel>[3] = {}) => {
    await publishModel(env.store, version, model, options);
    await promote(env.store, version, new Date());
  };
  const recommend = async (url: string, userId: number, method: string): Promise<Answer> => {
    const res = await call(`${url}/recommendations/${userId}?method=${method}&limit=20`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json as unknown as Answer;
  };
  const served = async (url: string) => (await call(`${url}/models/current`)).json.version;
  const post = (body: unknown) => call(`${replicas[0]}/events/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const reloadStage = () => {
    const activity = createReloadApi({
      store: env.store,
      features: env.features,
      replicas: new DynamoReplicaRegistry(createDocumentClient(env.dynamo), env.config.dynamodb.replicasTable),
      modelServerAt: (url) => new HttpModelServer(url, RELOAD_TOKEN),
      settings: { ...batchSettings(env.config), reloadReplicasTimeoutMs: 20_000 },
    });
    return new MockActivityEnvironment().run<[{ model_version: string }], ReloadSummary, typeof activity>(activity, { model_version: 'unused' });
  };

  before(async () => {
    env = await createBatchEnvironment();
    const data = loadMovieLens100k(path.join(env.config.movielensDir, 'ml-100k'));
    ratings = data.ratings;
    movies = data.movies;
    first = fit();
    await deploy('v1-replicas', first, { watermark: {} });
    overrides = {
      ...env.env,
      KAFKA_TOPIC: `${id}-events`,
      KAFKA_DLQ_TOPIC: `${id}-dlq`,
      KAFKA_GROUP_ID: `${id}-consumer`,
      RELOAD_TOKEN,
      MODEL_POLL_INTERVAL_MS: '1000',
      REPLICA_HEARTBEAT_MS: '1000',
      FRESH_STORE_TIMEOUT_MS: '300',
      API_RECOMMENDER_THREADS: '1',
      LOG_LEVEL: 'warn',
    };
    await ensureTopics(createKafka(env.config.kafka, 'replicas-test'), [
      { topic: overrides.KAFKA_TOPIC!, partitions: 3 },
      { topic: overrides.KAFKA_DLQ_TOPIC!, partitions: 1 },
    ]);
    const logDir = path.join(env.config.localDir, 'logs', id);
    const common = { cwd: env.config.projectRoot, logDir };
    processes.push(startPlatformProcess({ ...common, name: 'consumer', entry: 'consumer/main.ts', env: { ...process.env, ...overrides } }));
    for (const name of ['a', 'b', 'c']) {
      const port = await freePort();
      // Replica c keeps no index of the topic: its requests read the fresh ratings from DynamoDB.
      const own = { API_PORT: String(port), API_REPLICA_ID: `${id}-${name}`, ...(name === 'c' ? { API_FRESH_INDEX: 'false' } : {}) };
      const api = startPlatformProcess({ ...common, name: `api-${name}`, entry: 'api/main.ts', env: { ...process.env, ...overrides, ...own } });
      processes.push(api);
      replicas.push(`http://127.0.0.1:${port}`);
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, api);
    }
    for (const url of replicas) await within(60_000, `${url} loads the deployed model`, async () => (await served(url)) === 'v1-replicas');
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    env?.close();
  });

  it('leaves a movie rated through one replica out of that user’s answers on every replica, for every method, within 2 s', async () => {
    const userId = first.matrix.userIds[10]!;
    const shown = (await recommend(replicas[1]!, userId, 'hybrid')).items[0]!.movie_id;
    assert.equal((await post([{ user_id: userId, movie_id: shown, rating: 1.5, timestamp: 1_700_000_000 }])).status, 202);
    const accepted = Date.now();
    await within(2_000, `movie ${shown} left out for user ${userId} everywhere`, async () => {
      for (const url of replicas) {
        for (const method of methods) {
          const answer = await recommend(url, userId, method);
          if (answer.items.some((item) => item.movie_id === shown) || answer.fresh.ratings !== 1) return false;
        }
      }
      return true;
    });
    assert.ok(Date.now() - accepted < 4_000);
  });

  it('turns a new user’s popular fallback into personalised answers with five fresh ratings', async () => {
    const newUser = 900_000 + Math.floor(Math.random() * 1000);
    assert.equal((await recommend(replicas[2]!, newUser, 'user-based')).path, 'popular');
    const liked = [50, 172, 181, 174, 210];
    assert.equal((await post(liked.map((movieId, k) => ({ user_id: newUser, movie_id: movieId, rating: 5, timestamp: 1_700_000_000 + k })))).status, 202);
    await within(5_000, 'personalised answers for the new user on every replica', async () => {
      for (const url of replicas) {
        for (const method of methods) {
          const answer = await recommend(url, newUser, method);
          if (answer.path !== 'personalised' || answer.fresh.ratings !== 5 || !answer.fresh.folded) return false;
          assert.ok(answer.items.every((item) => !liked.includes(item.movie_id)));
        }
      }
      return true;
    });
  });

  it('answers 200 while DynamoDB does not answer: with the fresh ratings from a replica’s own index, or from the model alone, saying so', async () => {
    const userId = first.matrix.userIds[10]!;
    const record = readPidRecord(servicesLayout(env.config).runDir, 'dynamodb');
    assert.ok(record, 'DynamoDB Local runs under the stack’s pid file');
    process.kill(record.pid, 'SIGSTOP');
    try {
      for (const url of replicas.slice(0, 2)) {
        const answer = await recommend(url, userId, 'hybrid');
        assert.deepEqual(answer.fresh, { status: 'ok', ratings: 1, folded: true }, 'the index holds the rating posted above');
        assert.equal(answer.items.length, 20);
      }
      const fromStore = await recommend(replicas[2]!, userId, 'hybrid');
      assert.equal(fromStore.fresh.status, 'unavailable');
      assert.equal(fromStore.model_version, 'v1-replicas');
      assert.equal(fromStore.items.length, 20);
    } finally {
      process.kill(record.pid, 'SIGCONT');
    }
    await within(10_000, 'the fresh store answers again', async () => (await recommend(replicas[2]!, userId, 'hybrid')).fresh.status === 'ok');
  });

  it('brings all three replicas to a newly deployed version within 10 s, and the reload stage waits for every one', async () => {
    const second = fit([{ userId: 1, movieId: 1, rating: 5 }]);
    await deploy('v2-replicas', second, { watermark: {} });
    const started = Date.now();
    const summary = await reloadStage();
    assert.equal(summary.served_version, 'v2-replicas');
    assert.deepEqual([...summary.replicas].sort(), [`${id}-a`, `${id}-b`, `${id}-c`]);
    for (const url of replicas) assert.equal(await served(url), 'v2-replicas');
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  it('keeps serving the old version on every replica when the new one is corrupt, and the reload stage fails naming the replicas', async () => {
    const userId = first.matrix.userIds[3]!;
    const before = await Promise.all(replicas.map((url) => recommend(url, userId, 'item-based')));
    const corrupt = fit();
    const tampered = serialize(corrupt, { snapshotId: 'corrupt' });
    tampered[tampered.length - 9]! ^= 0xff;
    await deploy('v3-corrupt', corrupt, { bytes: tampered });
    await assert.rejects(reloadStage(), (err: Error) => {
      for (const name of ['a', 'b', 'c']) assert.match(err.message, new RegExp(`replica ${id}-${name} \\(http://127\\.0\\.0\\.1:\\d+\\) refused v3-corrupt`));
      return true;
    });
    for (const [r, url] of replicas.entries()) {
      assert.equal(await served(url), 'v2-replicas');
      assert.deepEqual(await recommend(url, userId, 'item-based'), before[r]);
    }
  });

  it('does not count twice the fresh ratings a newly served model already contains', async () => {
    const userId = first.matrix.userIds[10]!;
    const admin = createKafka(env.config.kafka, 'replicas-test').admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(overrides.KAFKA_TOPIC!);
    await admin.disconnect();
    const watermark = { [overrides.KAFKA_TOPIC!]: Object.fromEntries(ends.map((e) => [String(e.partition), Number(e.high) - 1])) };
    const stored = await env.freshRatings.newest(userId, 10);
    assert.equal(stored.length, 1);
    const containing = fit(stored.map((s) => ({ userId: s.user_id, movieId: s.movie_id, rating: s.rating })));
    await deploy('v4-contains-fresh', containing, { watermark });
    await reloadStage();
    for (const url of replicas) {
      const answer = await recommend(url, userId, 'user-based');
      assert.equal(answer.model_version, 'v4-contains-fresh');
      assert.deepEqual(answer.fresh, { status: 'ok', ratings: 0, folded: false });
      assert.deepEqual(
        answer.items.map((item) => item.movie_id),
        containing.recommend(userId, { method: 'user-based', limit: 20 }).items.map((item) => item.movieId),
      );
    }
  });
});
