import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { connectTemporalClient } from '../../../adapters/temporal/client';
import { startOrAttachBatch, type BatchHandle } from '../../../adapters/temporal/batch-runs';
import { validationReportKey } from '../../../activities/validate-data';
import { CURRENT_POINTER_KEY, readCurrentPointer, rollback, writeManifest } from '../../../domain/model-registry';
import type { ModelServer, ReplicaRegistry, ReplicaStatus } from '../../../domain/ports';
import { loadMovieLens100k } from '../../../recommender/data/movielens';
import { selectRows } from '../../../recommender/types';
import { activityDeps, createBatchEnvironment, freshRunDate, landRatings, publishMovies, withWorker, type BatchEnvironment } from '../../support/batch';
import { testConfig } from '../../support/config';
import { registryManifest } from '../../support/manifests';

const config = testConfig();
const ml100k = loadMovieLens100k(`${config.movielensDir}/ml-100k`);
const subset = selectRows(ml100k.ratings, Int32Array.from({ length: 5_000 }, (_, i) => i));

/** A model in the registry without an artifact: enough for the pointer and the gate to name it. */
async function registerModel(env: BatchEnvironment, version: string, metrics?: Record<string, number>): Promise<void> {
  const manifest = registryManifest(version, '2000-01-01', metrics);
  await writeManifest(env.store, manifest);
  await env.store.put(CURRENT_POINTER_KEY, JSON.stringify({ version, deployed_at: manifest.created_at, reason: 'deploy' }));
}

/** The highest attempt Temporal started of an activity in the run. */
async function attemptsOf(handle: BatchHandle, activity: string): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).map((e) => String(e.eventId)));
  return Math.max(0, ...events.filter((e) => scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId))).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 1));
}

/** Runs one of the project's CLI commands as an operator would, in the test's environment. */
function runCli(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: config.projectRoot, env: { ...process.env, ...env, LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('batch workflow: what operators do while it runs and after', function () {
  this.timeout(300_000);
  let client: Client;
  let env: BatchEnvironment;

  before(async () => {
    client = await connectTemporalClient(config.temporal);
    env = await createBatchEnvironment();
    await publishMovies(env.store, 'ml-100k', ml100k.movies);
  });
  after(async () => {
    env.close();
    await client.connection.close();
  });

  it('a rollback during a retried reload stage is what the replicas end up serving', async () => {
    await registerModel(env, 'earlier-model');
    const runDate = await freshRunDate(client);
    await landRatings(env.store, env.config.s3.bronzePrefix, runDate, subset, { objects: 2 });

    // One replica, following the registry: it serves what the pointer names when told to reload without a version.
    const replica: ReplicaStatus = { replica_id: 'r1', url: 'http://replica-1.invalid', served_version: 'earlier-model', refused: null, started_at: new Date().toISOString(), heartbeat_at: 0, expires_at: 0 };
    const reloadRequests: (string | undefined)[] = [];
    const server: ModelServer = {
      async reload(version) {
        reloadRequests.push(version);
        replica.served_version = version ?? (await readCurrentPointer(env.store))!.version;
      },
      servedVersion: () => Promise.resolve(replica.served_version ?? undefined),
    };
    let rolledBack = false;
    const replicas: ReplicaRegistry = {
      announce: () => Promise.resolve(),
      withdraw: () => Promise.resolve(),
      async live() {
        if (rolledBack) return [replica];
        // The first attempt finds the API restarting (no replica live); it comes back having followed the
        // registry to the run's model, and the operator rolls back meanwhile.
        const deployed = (await readCurrentPointer(env.store))!.version;
        replica.served_version = deployed;
        await rollback(env.store, new Date());
        rolledBack = true;
        return [];
      },
    };

    // The gate is not under test here: the run is forced so that it deploys whatever a small sample gives.
    const { handle } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, force_deploy: true });
    const outcome = await withWorker(env.config, activityDeps(env, { replicas, modelServerAt: () => server }), () => handle.result());

    assert.equal(outcome.deployed, true);
    assert.equal(await attemptsOf(handle, 'reloadApi'), 2, 'the reload stage was retried');
    const reload = outcome.stages.find((s) => s.name === 'reloadApi')!;
    assert.equal(reload.status, 'completed');
    assert.deepEqual(reload.details, { served_version: 'earlier-model', replicas: ['r1'], superseded_version: outcome.model_version });
    assert.equal(replica.served_version, 'earlier-model', 'the replica serves the rollback target, not the run’s model');
    assert.deepEqual(reloadRequests, [undefined], 'replicas are told to load the current version, never an explicit one');
    const pointer = await readCurrentPointer(env.store);
    assert.deepEqual([pointer?.version, pointer?.previous, pointer?.reason], ['earlier-model', outcome.model_version, 'rollback'], 'the rollback stands');
  });

  it('a model the gate refused is deployed with `npm run model -- deploy <version> --force`, not by --force-deploy on its completed run', async () => {
    await registerModel(env, 'strong-model', { 'ndcg@10': 0.95 });
    const runDate = await freshRunDate(client);
    await landRatings(env.store, env.config.s3.bronzePrefix, runDate, subset, { objects: 2 });
    const { handle } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, skip_reload: true });
    const outcome = await withWorker(env.config, activityDeps(env), () => handle.result());
    assert.equal(outcome.deployed, false, 'the gate refused it');
    const version = outcome.model_version;

    const unforced = await runCli('cli/model.ts', ['deploy', version, '--no-reload'], env.env);
    assert.equal(unforced.code, 1, unforced.stderr);
    assert.match(unforced.stdout, /✘ no-regression: .*deployed strong-model: 0\.9500/);
    assert.match(unforced.stderr, new RegExp(`${version} was not deployed: .*\\nDeploy it anyway with --force`));
    assert.equal((await readCurrentPointer(env.store))?.version, 'strong-model');

    const rerun = await runCli('cli/batch.ts', ['--date', runDate, '--force-deploy', '--skip-reload'], env.env);
    assert.equal(rerun.code, 1, 'the flag cannot change a completed run, and the command says so');
    assert.match(rerun.stderr, new RegExp(`--force-deploy did not apply: .*npm run model -- deploy ${version.replace(/\./g, '\\.')} --force`));
    assert.equal((await readCurrentPointer(env.store))?.version, 'strong-model');

    const forced = await runCli('cli/model.ts', ['deploy', version, '--force', '--no-reload'], env.env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`models/current\\.json now points at ${version.replace(/\./g, '\\.')} \\(previous: strong-model\\), forced`));
    const pointer = await readCurrentPointer(env.store);
    assert.deepEqual([pointer?.version, pointer?.previous, pointer?.reason, pointer?.forced], [version, 'strong-model', 'deploy', true]);
  });

  it('a date refused for its volume goes through when an operator starts it again with accept_volume', async () => {
    const runDate = await freshRunDate(client);
    const base = Date.parse(`${runDate}T00:00:00Z`);
    for (let back = 1; back <= env.config.batch.validation.trailingDays; back++) {
      const day = new Date(base - back * 86_400_000).toISOString().slice(0, 10);
      await env.store.put(validationReportKey(day), JSON.stringify({ run_date: day, events: 100, usable: true }));
    }
    await landRatings(env.store, env.config.s3.bronzePrefix, runDate, subset, { objects: 2 });

    const refused = (await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, skip_reload: true })).handle;
    await withWorker(env.config, activityDeps(env), async () => {
      await assert.rejects(refused.result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        const failure = (err.cause as { cause?: unknown } | undefined)?.cause;
        assert.ok(failure instanceof ApplicationFailure && failure.type === 'InvalidBatchData');
        assert.match(failure.message, /volume 5000 is 50\.00× the median of the trailing days \(100\)/);
        return true;
      });
      const refusedRun = (await refused.describe()).runId;
      const accepted = (await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: runDate, skip_reload: true, accept_volume: true })).handle;
      assert.equal(accepted.workflowId, refused.workflowId);
      assert.notEqual((await accepted.describe()).runId, refusedRun, 'a new run of the same workflow id');
      const outcome = await accepted.result();
      assert.equal(outcome.stages[0]?.name, 'validateData');
      assert.match(JSON.stringify(outcome.stages[0]?.details.warnings), /accepted by the operator's override/);
    });
  });
});
