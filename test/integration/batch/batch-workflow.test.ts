import assert from 'node:assert/strict';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { decodeParquet } from '../../../adapters/parquet/codec';
import { connectTemporalClient } from '../../../adapters/temporal/client';
import { queryProgress, startOrAttachBatch } from '../../../adapters/temporal/batch-runs';
import { STAGES, type StageSummary } from '../../../domain/batch';
import type { EvaluationReport } from '../../../domain/evaluation-report';
import { CURRENT_POINTER_KEY, evaluationHtmlKey, evaluationReportKey, manifestKey, modelKey, readCurrentPointer, readManifest, type ModelManifest } from '../../../domain/model-registry';
import type { ObjectStore } from '../../../domain/ports';
import { deserialize } from '../../../recommender/artifact';
import { candidatePool, type CandidateLists } from '../../../recommender/candidates';
import { methods } from '../../../recommender/recommendation';
import { loadMovieLens100k } from '../../../recommender/data/movielens';
import { selectRows, type RatingColumns } from '../../../recommender/types';
import { activityDeps, createBatchEnvironment, freshRunDate, freshRunDates, landRatings, publishMovies, withWorker, type BatchEnvironment } from '../../support/batch';
import { testConfig } from '../../support/config';

const ml100k = loadMovieLens100k(`${testConfig().movielensDir}/ml-100k`);

function firstRatings(columns: RatingColumns, n: number): RatingColumns {
  return selectRows(columns, Int32Array.from({ length: Math.min(n, columns.userIds.length) }, (_, i) => i));
}

async function countItems(env: BatchEnvironment, table: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await env.dynamo.send(new ScanCommand({ TableName: table, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start as never } : {}) }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

async function countParquetRows(store: ObjectStore, prefix: string): Promise<number> {
  let rows = 0;
  for await (const object of store.list(prefix)) {
    if (!object.key.endsWith('.parquet')) continue;
    for await (const _row of decodeParquet((await store.get(object.key))!)) rows++;
  }
  return rows;
}

describe('batch workflow (Temporal, MinIO, DynamoDB Local)', function () {
  this.timeout(300_000);
  let client: Client;

  before(async () => {
    client = await connectTemporalClient(testConfig().temporal);
  });
  after(async () => {
    await client.connection.close();
  });

  describe('a full run on ml-100k landed in bronze', () => {
    let env: BatchEnvironment;
    let runDate: string;
    let nextDate: string;
    let result: Awaited<ReturnType<typeof runBatch>>;

    async function runBatch() {
      const { handle } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });
      const outcome = await handle.result();
      const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
      return { outcome, progress: await queryProgress(handle), scheduled };
    }

    before(async () => {
      // The production tuning and item-cf table, which the other batch suites keep light.
      env = await createBatchEnvironment({ TUNING_MAX_USERS: '500', ITEM_CF_EASE_MAX_MOVIES: '2500' });
      [runDate, nextDate] = (await freshRunDates(client, 2)) as [string, string];
      await publishMovies(env.store, 'ml-100k', ml100k.movies);
      await landRatings(env.store, env.config.s3.bronzePrefix, runDate, ml100k.ratings, { objects: 10 });
      result = await withWorker(env.config, activityDeps(env), runBatch);
    });
    after(() => env.close());

    it('completes every stage and deploys the model', () => {
      assert.deepEqual(result.outcome.stages.map((s) => s.name).sort(), [...STAGES].sort());
      assert.equal(result.outcome.stages.at(-1)?.status, 'skipped', 'reload is skipped on request');
      assert.equal(result.outcome.deployed, true, `gate: ${result.outcome.gate.reasons.join('; ')}`);
      assert.equal(result.progress.stage, 'completed');
      assert.ok(result.outcome.metrics['ndcg@10']! > 0);
    });

    it('writes DynamoDB beside the training, and evaluates beside the candidate shards', () => {
      const stage = (name: string) => result.outcome.stages.find((s) => s.name === name)!;
      const [extract, publish, train, evaluate] = ['extractFeatures', 'publishFeatures', 'trainModel', 'evaluateModel'].map(stage) as [StageSummary, StageSummary, StageSummary, StageSummary];
      assert.ok(publish.started_at >= extract.finished_at && publish.started_at < train.finished_at, 'publishFeatures starts after extract, before train ends');
      assert.ok(evaluate.started_at > train.started_at && evaluate.started_at < train.finished_at, 'evaluateModel starts after the fit, before the shards end');
      assert.equal(publish.details.users_written, 943);
      assert.equal(publish.details.ratings_parquet_rows, 100_000, 'the ratings parquet is written beside the training too');
      assert.equal(extract.details.users_written, 0);
      // 943 users and 1,682 movies changed, 20,000 items per shard: one shard, planned and recorded around it.
      assert.equal(publish.details.shards, 1);
      assert.deepEqual(['planPublish', 'publishShard', 'recordPublished'].map((name) => result.scheduled.filter((n) => n === name).length), [1, 1, 1]);
    });

    it('evaluates in parts: one refit, the test users’ lists in shards on the shard queue, then the report', async () => {
      const evaluate = result.outcome.stages.find((s) => s.name === 'evaluateModel')!;
      // 943 test users, 1,000 per shard: one shard.
      assert.equal(evaluate.details.list_shards, 1);
      assert.deepEqual(['fitEvaluation', 'scoreEvaluation', 'reportEvaluation', 'evaluateModel'].map((name) => result.scheduled.filter((n) => n === name).length), [1, 1, 1, 0]);
      const parts: string[] = [];
      for await (const object of env.store.list(`reports/${result.outcome.model_version}/evaluation-parts/`)) parts.push(object.key.split('/').at(-1)!);
      assert.deepEqual(parts, ['lists-0000000-0000943.json', 'task.json'], 'the refit model is removed, the task and lists stay');
    });

    it('validates the day in shards, whose parsed events extract merges instead of the JSON, then removes', async () => {
      assert.equal(result.scheduled.filter((name) => name === 'validateShard').length, 10, 'one shard per object (10 objects, width 8: up to 16 shards)');
      const validation = result.outcome.stages.find((s) => s.name === 'validateData')!;
      assert.equal(validation.details.valid, 100_000);
      const left: string[] = [];
      for await (const object of env.store.list('silver/parsed/')) left.push(object.key);
      assert.deepEqual(left, []);
    });

    it('writes features for every user and every movie to DynamoDB', async () => {
      assert.equal(await countItems(env, env.config.dynamodb.userFeaturesTable), 943);
      assert.equal(await countItems(env, env.config.dynamodb.movieFeaturesTable), 1682);
      const user = await env.features.getUserFeatures(1);
      assert.equal(user?.rating_count, 272);
      assert.equal(user?.run_date, runDate);
      const movie = await env.features.getMovieFeatures(50);
      assert.equal(movie?.title, 'Star Wars (1977)');
      assert.ok(typeof movie?.quality_score === 'number' && movie.quality_score > 0.5);
    });

    it('writes silver parquet that reads back', async () => {
      assert.equal(await countParquetRows(env.store, `silver/ratings/dt=${runDate}/`), 100_000);
      assert.ok(await env.store.head(`silver/ratings/dt=${runDate}/_SUCCESS`), 'marked complete');
      assert.equal(await countParquetRows(env.store, `silver/user_features/dt=${runDate}/`), 943);
      assert.equal(await countParquetRows(env.store, `silver/movie_features/dt=${runDate}/`), 1682);
    });

    it('saves a loadable artifact, its manifest, the reports and the deployed pointer', async () => {
      const version = result.outcome.model_version;
      const manifest = (await readManifest(env.store, version))!;
      assert.equal(manifest.data_snapshot.ratings, 100_000);
      assert.equal(manifest.metrics?.['ndcg@10'], result.outcome.metrics['ndcg@10']);
      const model = deserialize((await env.store.get(modelKey(version)))!);
      assert.equal(model.recommend(1, { method: 'hybrid', limit: 5 }).items.length, 5);
      const report = JSON.parse(new TextDecoder().decode((await env.store.get(evaluationReportKey(version))))) as EvaluationReport;
      assert.deepEqual(report.series.map((s) => s.role).sort(), ['baseline', 'candidate', 'method', 'method', 'method']);
      const html = new TextDecoder().decode((await env.store.get(evaluationHtmlKey(version))));
      assert.match(html, /<svg[^>]*aria-label="NDCG@K"/);
      // The blend was chosen on validation users, and the model, its manifest and its report agree on it.
      const tuning = manifest.training.tuning as { trials: { ndcg: number }[]; validationUsers: number; params: { hybridWeights: unknown } };
      assert.equal(tuning.validationUsers, 500);
      assert.equal(report.tuning?.trials.length, tuning.trials.length);
      assert.deepEqual(model.params.hybridWeights, tuning.params.hybridWeights);
      assert.deepEqual(manifest.parameters.hybridWeights, tuning.params.hybridWeights);
      assert.equal(model.params.itemCf.easeMaxMovies, 2500, 'ml-100k gets the EASE table');
      assert.match(html, /How the hybrid's blend was chosen/);
      assert.equal((await readCurrentPointer(env.store))?.version, version);
    });

    it('attaches to the completed run when started again for the same date', async () => {
      const { handle, attached } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });
      assert.equal(attached, true);
      assert.equal((await handle.result()).model_version, result.outcome.model_version);
    });

    describe('the next night, on the deployed model', () => {
      // Ten users re-rate three of their movies each: everyone else's ratings are as the model holds them.
      const changedUsers = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      let next: Awaited<ReturnType<typeof runBatch>>;

      before(async () => {
        const latest = ml100k.ratings.timestamps.reduce((a, b) => Math.max(a, b), 0);
        const perUser = new Map<number, number>();
        const rows = Array.from(ml100k.ratings.userIds.keys()).filter((k) => {
          const user = ml100k.ratings.userIds[k]!;
          if (!changedUsers.has(user) || (perUser.get(user) ?? 0) === 3) return false;
          perUser.set(user, (perUser.get(user) ?? 0) + 1);
          return true;
        });
        const reRated = selectRows(ml100k.ratings, rows);
        reRated.ratings.forEach((r, k) => (reRated.ratings[k] = r >= 3 ? r - 2 : r + 2));
        reRated.timestamps.fill(latest + 86_400);
        await landRatings(env.store, env.config.s3.bronzePrefix, nextDate, reRated, { objects: 1, idPrefix: 'next-night' });
        next = await withWorker(env.config, activityDeps(env), async () => {
          const { handle, attached } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: nextDate, skip_reload: true, accept_volume: true });
          assert.equal(attached, false, `no earlier run of ${nextDate}`);
          const outcome = await handle.result();
          return { outcome, progress: await queryProgress(handle), scheduled: [] };
        });
      });

      it('reuses the deployed model’s tuning and carries over the pools of every user whose ratings did not change', async () => {
        const first = (await readManifest(env.store, result.outcome.model_version))!;
        const manifest = (await readManifest(env.store, next.outcome.model_version))!;
        assert.notEqual(manifest.version, first.version);
        assert.deepEqual(manifest.training.candidates, { full_run_date: runDate, base_version: first.version, carried_users: 943 - changedUsers.size });
        assert.equal(manifest.training.tuning?.reused_from, first.version);
        assert.deepEqual(manifest.parameters, first.parameters);
        const train = next.outcome.stages.find((s) => s.name === 'trainModel')!;
        assert.equal(train.details.carried_users, 943 - changedUsers.size);
        assert.equal(manifest.data_snapshot.ratings, 100_000, 'a re-rating replaces the rating');
      });

      it('serves the carried pools as they were and computes the changed users’ pools on the new model', async () => {
        const before = deserialize((await env.store.get(modelKey(result.outcome.model_version)))!);
        const after = deserialize((await env.store.get(modelKey(next.outcome.model_version)))!);
        const poolOf = (model: typeof before, lists: CandidateLists, userId: number, method: number) => {
          const pool = candidatePool(lists, model.matrix.userIndex.get(userId)!, method)!;
          return { movies: Array.from(pool.items, (i) => model.matrix.movieIds[i]), recall: Array.from(pool.recallScore) };
        };
        for (const userId of [1, 10, 11, 500, 943]) {
          const u = after.matrix.userIndex.get(userId)!;
          const recomputed = after.precomputeCandidates(u, u + 1);
          for (let m = 0; m < methods.length; m++) {
            const expected = changedUsers.has(userId) ? poolOf(after, recomputed, userId, m) : poolOf(before, before.state.candidates!, userId, m);
            assert.deepEqual(poolOf(after, after.state.candidates!, userId, m), expected, `user ${userId}, ${methods[m]}`);
          }
        }
      });
    });
  });

  describe('refusals and the gate', () => {
    let env: BatchEnvironment;
    before(async () => {
      env = await createBatchEnvironment();
      await publishMovies(env.store, 'ml-100k', ml100k.movies);
    });
    after(() => env.close());

    it('fails validation non-retryably with a readable reason on corrupted data', async () => {
      const runDate = await freshRunDate(client);
      await landRatings(env.store, env.config.s3.bronzePrefix, runDate, firstRatings(ml100k.ratings, 2000), { objects: 2 });
      const garbage = Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? '{"user_id": "x"}' : 'not json')).join('\n');
      await env.store.put(`${env.config.s3.bronzePrefix}/dt=${runDate}/corrupt.jsonl`, garbage);
      const { handle } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });
      await withWorker(env.config, activityDeps(env), async () => {
        await assert.rejects(handle.result(), (err: unknown) => {
          assert.ok(err instanceof WorkflowFailedError);
          const failure = (err.cause as { cause?: unknown } | undefined)?.cause;
          assert.ok(failure instanceof ApplicationFailure, 'the activity failure carries an ApplicationFailure');
          assert.equal(failure.type, 'InvalidBatchData');
          assert.equal(failure.nonRetryable, true);
          assert.match(failure.message, /20\.00% of events fail the schema/);
          return true;
        });
      });
      const report = JSON.parse(new TextDecoder().decode((await env.store.get(`reports/validation/dt=${runDate}.json`)))) as { invalid: number; usable: boolean };
      assert.equal(report.invalid, 500);
      assert.equal(report.usable, false);
    });

    it('does not deploy a model worse than the deployed one, and says why', async () => {
      const strong: ModelManifest = {
        version: 'strong-model',
        created_at: new Date().toISOString(),
        run_date: '2000-01-01',
        data_snapshot: { ratings_prefix: 'silver/ratings/dt=2000-01-01/', ratings: 1, users: 1, movies: 1, checksum: 'x' },
        parameters: {},
        training: { fit_seconds: 0 },
        metrics: { 'ndcg@10': 0.95 },
        artifact: { key: modelKey('strong-model'), bytes: 0, sha256: '' },
      };
      await env.store.put(manifestKey('strong-model'), JSON.stringify(strong));
      await env.store.put(CURRENT_POINTER_KEY, JSON.stringify({ version: 'strong-model', deployed_at: new Date().toISOString(), reason: 'deploy' }));
      const runDate = await freshRunDate(client);
      await landRatings(env.store, env.config.s3.bronzePrefix, runDate, firstRatings(ml100k.ratings, 30_000), { objects: 3 });
      const { handle } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });
      const outcome = await withWorker(env.config, activityDeps(env), () => handle.result());
      assert.equal(outcome.deployed, false);
      assert.equal(outcome.gate.passed, false);
      assert.ok(outcome.gate.checks.some((c) => c.name === 'no-regression' && !c.passed));
      assert.match(outcome.gate.reasons.join('\n'), /deployed strong-model: 0\.9500/);
      assert.equal((await readCurrentPointer(env.store))?.version, 'strong-model', 'the pointer is untouched');
      assert.deepEqual(outcome.stages.at(-1), { ...outcome.stages.at(-1), name: 'reloadApi', status: 'skipped' });
    });
  });
});
