import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { ApplicationFailure, CancelledFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { readCatalog } from '../../../activities/catalog';
import { toRecommenderMovies } from '../../../activities/movies';
import { batchModelParams, modelVersion, snapshotChecksum } from '../../../activities/train-model';
import { batchSettings } from '../../../activities/settings';
import { connectTemporalClient } from '../../../adapters/temporal/client';
import { queryProgress, startOrAttachBatch, type BatchHandle } from '../../../adapters/temporal/batch-runs';
import type { FeatureItem, FeatureStore, ObjectCondition, ObjectStore } from '../../../domain/ports';
import { readManifest } from '../../../domain/model-registry';
import { latestPerPair } from '../../../recommender/ratings-table';
import { loadMovieLens100k } from '../../../recommender/data/movielens';
import { selectRows } from '../../../recommender/types';
import { activityDeps, createBatchEnvironment, freshRunDate, landRatings, publishMovies, withWorker, type BatchEnvironment } from '../../support/batch';
import { testConfig } from '../../support/config';

const config = testConfig();
const ml100k = loadMovieLens100k(`${config.movielensDir}/ml-100k`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The attempts each activity type needed, from the workflow's history. */
async function attemptsByActivity(handle: BatchHandle): Promise<Map<string, number>> {
  const history = await handle.fetchHistory();
  const names = new Map<string, string>();
  const attempts = new Map<string, number>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name) names.set(String(event.eventId), scheduled.activityType.name);
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const name = names.get(String(started.scheduledEventId)) ?? '?';
      attempts.set(name, Math.max(attempts.get(name) ?? 0, started.attempt ?? 1));
    }
  }
  return attempts;
}

function startWorkerProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: config.projectRoot,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  return child;
}

/** Passes every call through, except the writes that `fault` answers with an error. */
class FaultyObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly fault: (key: string) => Error | undefined,
  ) {}
  put(key: string, body: Uint8Array | string, contentType?: string, condition?: ObjectCondition): Promise<void> {
    const error = this.fault(key);
    return error ? Promise.reject(error) : this.inner.put(key, body, contentType, condition);
  }
  get = (key: string, condition?: { ifMatch: string }) => this.inner.get(key, condition);
  head = (key: string) => this.inner.head(key);
  chunks = (key: string) => this.inner.chunks(key);
  list = (prefix: string) => this.inner.list(prefix);
  lines = (key: string) => this.inner.lines(key);
  delete = (key: string) => this.inner.delete(key);
}

/** A retryable failure of the first write under each prefix; `injected` lists the prefixes that failed. */
function failFirstPutUnder(prefixes: string[]) {
  const injected: string[] = [];
  const fault = (key: string) => {
    const prefix = prefixes.find((p) => key.startsWith(p) && !injected.includes(p));
    if (!prefix) return undefined;
    injected.push(prefix);
    return new Error(`injected transient S3 failure writing ${key}`);
  };
  return { injected, fault };
}

class FlakyFeatureStore implements FeatureStore {
  injected = 0;
  constructor(private readonly inner: FeatureStore) {}
  putUserFeatures(items: FeatureItem[], onBatch?: (written: number) => void): Promise<number> {
    if (this.injected === 0) {
      this.injected++;
      return Promise.reject(new Error('injected transient DynamoDB failure'));
    }
    return this.inner.putUserFeatures(items, onBatch);
  }
  putMovieFeatures = (items: FeatureItem[], onBatch?: (written: number) => void) => this.inner.putMovieFeatures(items, onBatch);
  getUserFeatures = (id: number) => this.inner.getUserFeatures(id);
  getMovieFeatures = (id: number) => this.inner.getMovieFeatures(id);
}

/** Refuses, for good, to save the candidate shard of the first users: a shard that cannot succeed. */
const refuseFirstShard = (key: string) => (/\/candidates\/users-0000000000-/.test(key) ? ApplicationFailure.nonRetryable('shard refused for this test', 'InvalidBatchData') : undefined);

describe('batch workflow: crashes and transient failures', function () {
  this.timeout(300_000);
  let client: Client;
  let env: BatchEnvironment;
  const workers: ChildProcess[] = [];
  const cleanups: (() => void)[] = [];

  before(async () => {
    client = await connectTemporalClient(config.temporal);
    env = await createBatchEnvironment();
    await publishMovies(env.store, 'ml-100k', ml100k.movies);
  });
  after(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    for (const cleanup of cleanups) cleanup();
    env.close();
    await client.connection.close();
  });

  it('completes with the same outputs after the worker is SIGKILLed during trainModel', async () => {
    // An environment of its own with a third of ml-100k: its silver is exactly these ratings.
    const own = await createBatchEnvironment();
    cleanups.push(() => own.close());
    await publishMovies(own.store, 'ml-100k', ml100k.movies);
    const runDate = await freshRunDate(client);
    const subset = selectRows(ml100k.ratings, Int32Array.from({ length: 30_000 }, (_, i) => i));
    await landRatings(own.store, own.config.s3.bronzePrefix, runDate, subset, { objects: 3 });
    const first = startWorkerProcess(own.env);
    workers.push(first);
    const { handle } = await startOrAttachBatch(client, own.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });

    // Wait until trainModel is running on the first worker, then kill that worker outright.
    const deadline = Date.now() + 180_000;
    for (;;) {
      assert.ok(Date.now() < deadline, 'trainModel started within 3 minutes');
      const progress = await queryProgress(handle).catch(() => undefined);
      if (progress?.stage === 'trainModel') {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        if (pending.some((a) => a.activityType?.name === 'trainModel' && a.lastStartedTime)) break;
      }
      await sleep(100);
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    const second = startWorkerProcess(own.env);
    workers.push(second);
    const outcome = await handle.result();
    // Stopped here rather than in after(): two idle worker processes would slow the next tests.
    second.kill('SIGTERM');
    await new Promise((resolve) => second.once('exit', resolve));

    assert.equal((await attemptsByActivity(handle)).get('trainModel'), 2, 'trainModel ran again on the new worker');
    assert.equal(outcome.deployed, true);
    const catalog = toRecommenderMovies(await readCatalog(own.store));
    const expected = modelVersion(runDate, snapshotChecksum(latestPerPair(subset).table, catalog, batchModelParams(batchSettings(own.config))));
    assert.equal(outcome.model_version, expected, 'the version an uninterrupted run derives from the same data');
    const manifest = await readManifest(own.store, outcome.model_version);
    assert.equal(manifest?.data_snapshot.ratings, 30_000);
  });

  it('stops cleanly when the run is cancelled: the running stage is cancelled and the run ends cancelled', async () => {
    const runDate = await freshRunDate(client);
    await landRatings(env.store, env.config.s3.bronzePrefix, runDate, ml100k.ratings, { objects: 10 });
    const { handle } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });
    await withWorker(env.config, activityDeps(env), async () => {
      const deadline = Date.now() + 120_000;
      while ((await queryProgress(handle).catch(() => undefined))?.stage !== 'extractFeatures') {
        assert.ok(Date.now() < deadline, 'extractFeatures started');
        await sleep(100);
      }
      await handle.cancel();
      await assert.rejects(handle.result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        assert.ok(err.cause instanceof CancelledFailure, `cancelled, not ${String(err.cause)}`);
        return true;
      });
    });
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    const events = (await handle.fetchHistory()).events ?? [];
    assert.ok(events.some((e) => e.activityTaskCancelRequestedEventAttributes), 'the running activity was asked to stop');
    assert.ok(!events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainModel'), 'no later stage started');
  });

  it('retries injected transient S3 and DynamoDB failures and succeeds', async () => {
    // An environment of its own: the other tests' silver snapshots would make this run's extract an increment that changes no user.
    const own = await createBatchEnvironment();
    try {
      await publishMovies(own.store, 'ml-100k', ml100k.movies);
      const runDate = await freshRunDate(client);
      const subset = selectRows(ml100k.ratings, Int32Array.from({ length: 30_000 }, (_, i) => i));
      await landRatings(own.store, own.config.s3.bronzePrefix, runDate, subset, { objects: 3 });
      // Extract writes the ratings' columns, writeRatingsParquet their parquet, the train stage the model.
      const faults = failFirstPutUnder(['silver/ratings-columns/', 'silver/ratings/', 'models/']);
      const store = new FaultyObjectStore(own.store, faults.fault);
      const features = new FlakyFeatureStore(own.features);
      const { handle } = await startOrAttachBatch(client, own.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });
      const outcome = await withWorker(own.config, activityDeps(own, { store, features }), () => handle.result());

      assert.deepEqual(faults.injected.sort(), ['models/', 'silver/ratings-columns/', 'silver/ratings/']);
      assert.equal(features.injected, 1);
      const attempts = await attemptsByActivity(handle);
      assert.ok((attempts.get('extractFeatures') ?? 0) >= 2, 'extractFeatures was retried');
      assert.equal(attempts.get('writeRatingsParquet'), 2, 'writeRatingsParquet was retried');
      assert.equal(attempts.get('trainModel'), 2, 'trainModel was retried');
      assert.equal(outcome.stages.filter((s) => s.status === 'completed').length, 6, 'every stage but the reload, skipped on request');
      assert.equal((await own.features.getUserFeatures(1))?.run_date, runDate);
    } finally {
      own.close();
    }
  });

  it('spreads the candidate shards over two workers, and completes with the same version when one is SIGKILLed mid-shard', async () => {
    // An environment of its own with a third of ml-100k: its silver is exactly these ratings.
    const own = await createBatchEnvironment();
    cleanups.push(() => own.close());
    await publishMovies(own.store, 'ml-100k', ml100k.movies);
    const runDate = await freshRunDate(client);
    const subset = selectRows(ml100k.ratings, Int32Array.from({ length: 30_000 }, (_, i) => i));
    await landRatings(own.store, own.config.s3.bronzePrefix, runDate, subset, { objects: 3 });
    const users = new Set(subset.userIds).size;
    // Shards of 120 users, one at a time per worker.
    const shardEnv = { ...own.env, BATCH_SHARD_USERS: '120', BATCH_SHARD_CONCURRENCY: '1' };
    const pair = [startWorkerProcess(shardEnv), startWorkerProcess(shardEnv)];
    workers.push(...pair);
    const { handle } = await startOrAttachBatch(client, own.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });

    // Once both workers run a shard at the same time, kill one of them (a worker's identity is `<pid>@<host>`).
    const deadline = Date.now() + 180_000;
    let victim: ChildProcess | undefined;
    while (!victim) {
      assert.ok(Date.now() < deadline, 'both workers ran a candidate shard at once within 3 minutes');
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const running = pending.filter((a) => a.activityType?.name === 'precomputeCandidates' && a.lastStartedTime && a.lastWorkerIdentity);
      const pids = new Set(running.map((a) => Number(a.lastWorkerIdentity!.split('@')[0])));
      if (pair.every((worker) => pids.has(worker.pid!))) victim = pair[0];
      else await sleep(100);
    }
    victim.kill('SIGKILL');
    const outcome = await handle.result();
    for (const worker of pair.filter((w) => w !== victim)) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
    }

    const history = (await handle.fetchHistory()).events ?? [];
    const shardIds = new Set(history.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'precomputeCandidates').map((e) => String(e.eventId)));
    assert.equal(shardIds.size, Math.ceil(users / 120), 'a shard per 120 users was scheduled');
    const attempts = await attemptsByActivity(handle);
    assert.equal(attempts.get('precomputeCandidates'), 2, 'the killed shard ran again');
    assert.equal(attempts.get('trainModel'), 1, 'the fit was not redone');
    const catalog = toRecommenderMovies(await readCatalog(own.store));
    const expected = modelVersion(runDate, snapshotChecksum(latestPerPair(subset).table, catalog, batchModelParams(batchSettings(own.config))));
    assert.equal(outcome.model_version, expected);
    const manifest = await readManifest(own.store, outcome.model_version);
    assert.ok(manifest, 'the model is registered');
    const leftovers: string[] = [];
    for await (const object of own.store.list(`models/${outcome.model_version}/`)) leftovers.push(object.key.split('/').slice(2).join('/'));
    assert.deepEqual(leftovers.sort(), ['manifest.json', 'model.bin'], 'the fitted core and the shards are removed once assembled');
  });

  it('fails the train stage with the message of a shard that fails for good', async () => {
    const own = await createBatchEnvironment();
    cleanups.push(() => own.close());
    await publishMovies(own.store, 'ml-100k', ml100k.movies);
    const runDate = await freshRunDate(client);
    await landRatings(own.store, own.config.s3.bronzePrefix, runDate, selectRows(ml100k.ratings, Int32Array.from({ length: 30_000 }, (_, i) => i)), { objects: 3 });
    const store = new FaultyObjectStore(own.store, refuseFirstShard);
    const { handle } = await startOrAttachBatch(client, own.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });
    const failure = await withWorker(own.config, activityDeps(own, { store, settings: { ...batchSettings(own.config), shards: { ...batchSettings(own.config).shards, usersPerShard: 300, width: 2 } } }), () =>
      handle.result().then(
        () => assert.fail('the run completed'),
        (err: unknown) => err,
      ),
    );
    assert.ok(failure instanceof WorkflowFailedError);
    assert.match(`${failure.cause?.message} ${(failure.cause?.cause as Error | undefined)?.message}`, /shard refused for this test/);
    const attempts = await attemptsByActivity(handle);
    assert.equal(attempts.get('precomputeCandidates'), 1, 'a non-retryable failure is not retried');
    // The evaluation runs beside the shards; nothing after the train stage starts.
    assert.ok(!(await handle.fetchHistory()).events?.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deployModel'), 'no later stage started');
  });
});
