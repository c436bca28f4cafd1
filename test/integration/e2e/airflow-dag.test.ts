import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { createKafka } from '../../../adapters/kafka/client';
import { ensureTopics } from '../../../adapters/kafka/topics';
import { batchWorkflowId, type BatchResult } from '../../../domain/batch';
import { readCurrentPointer } from '../../../domain/model-registry';
import { loadMovieLens100k } from '../../../recommender/data/movielens';
import { selectRows } from '../../../recommender/types';
import { AirflowApi, awaitDagRun, triggerDagRun } from '../../../scripts/airflow/dag-runs';
import { DAG_ID, startAirflowServers, type AirflowLogin, type AirflowServers } from '../../../scripts/airflow/servers';
import { setupAirflow } from '../../../scripts/airflow/setup';
import { build } from '../../../scripts/build/compile';
import { waitForConsumerCaughtUp } from '../../../scripts/platform/consumer-lag';
import { startPlatformProcess, waitForHttp, type PlatformProcess } from '../../../scripts/platform/processes';
import { replayRatings } from '../../../scripts/platform/replay';
import { provisionTemporal } from '../../../scripts/services/provision';
import { createBatchEnvironment, publishMovies, type BatchEnvironment } from '../../support/batch';
import { testConfig, uniqueName } from '../../support/config';
import { freePort } from '../../support/ports';

/**
 * The whole platform, as operated: a third of ml-100k is ingested through the API and the consumer while
 * Airflow's own scheduler, DAG processor, triggerer and API server start (as `npm start` runs them,
 * scripts/airflow/servers.ts); the DAG's run for today is then triggered through Airflow's REST API, and
 * its tasks start the workflow on the real worker and await it, deferred in the triggerer; the deployed
 * model must be the one the API serves afterwards. The api, the consumer and the
 * worker run as in production: compiled by the build and started with plain `node`, their threads and
 * the workflow bundle included, so a broken build or a module path only tsx resolves fails here.
 * Everything runs in its own Temporal namespace, topic, bucket and tables, and Airflow in a home (SQLite
 * database) and on a port of its own, so the contract's workflow id and DAG run for today cannot clash.
 */
describe('end to end: the Airflow DAG runs the batch on ingested ratings and the API serves the model', function () {
  this.timeout(900_000);
  const base = testConfig();
  const id = uniqueName('e2e');
  const processes: PlatformProcess[] = [];
  let env: BatchEnvironment;
  let apiUrl: string;
  let temporal: Client;
  let overrides: Record<string, string>;
  let airflow: AirflowServers | undefined;
  let login: AirflowLogin;
  const logDir = path.join(base.localDir, 'logs', id);
  // A build directory of its own, so a dist/ that other processes run from is not replaced under them;
  // inside the project, where the compiled modules find node_modules.
  const buildDir = path.join(base.projectRoot, '.local', 'builds', id);
  const airflowHome = path.join(base.localDir, 'test-airflow', id);

  before(async () => {
    mkdirSync(logDir, { recursive: true });
    await build(base.projectRoot, buildDir);
    await setupAirflow(base);
    env = await createBatchEnvironment();
    const namespace = id;
    const connection = await Connection.connect({ address: base.temporal.address });
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    temporal = new Client({ connection, namespace });
    const apiPort = await freePort();
    const airflowPort = await freePort();
    overrides = {
      ...env.env,
      TEMPORAL_NAMESPACE: namespace,
      KAFKA_TOPIC: `${id}-events`,
      KAFKA_DLQ_TOPIC: `${id}-dlq`,
      KAFKA_GROUP_ID: `${id}-consumer`,
      API_PORT: String(apiPort),
      AIRFLOW_HOME: airflowHome,
      AIRFLOW_API_PORT: String(airflowPort),
      LOG_LEVEL: 'warn',
    };
    const config = testConfig(overrides);
    // Starts while the ratings are ingested, as in npm start; the DAG stays paused until it is triggered.
    airflow = startAirflowServers(config, { logDir });
    // A new namespace needs a moment before it accepts calls; provisioning retries until it does.
    for (let attempt = 0; ; attempt++) {
      try {
        await provisionTemporal(config);
        break;
      } catch (err) {
        if (attempt > 30) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await ensureTopics(createKafka(config.kafka, 'e2e'), [
      { topic: config.kafka.topic, partitions: 3 },
      { topic: config.kafka.dlqTopic, partitions: 1 },
    ]);
    apiUrl = config.api.url;
    const processEnv = { ...process.env, ...overrides };
    for (const [name, entry] of [['api', 'api/main.js'], ['consumer', 'consumer/main.js'], ['worker', 'worker/main.js']] as const) {
      processes.push(startPlatformProcess({ name, entry: path.join(buildDir, entry), cwd: base.projectRoot, env: processEnv, logDir }));
    }
    await waitForHttp(`${apiUrl}/healthz`, processes[0]!);

    const ml100k = loadMovieLens100k(path.join(base.movielensDir, 'ml-100k'));
    await publishMovies(env.store, 'ml-100k', ml100k.movies);
    const ratings = selectRows(ml100k.ratings, Int32Array.from({ length: 30_000 }, (_, i) => i));
    assert.equal(await replayRatings(apiUrl, ratings, { idPrefix: id }), 30_000);
    await waitForConsumerCaughtUp(createKafka(config.kafka, 'e2e'), config.kafka.topic, config.kafka.groupId);
    login = await airflow.ready;
  });

  after(async () => {
    await Promise.all([...processes.map((p) => p.stop()), airflow?.stop()]);
    await temporal?.connection.close();
    env?.close();
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(airflowHome, { recursive: true, force: true });
  });

  it('runs the DAG in Airflow: the workflow completes, the model is deployed and the API serves the new version', async () => {
    const servers = airflow!;
    // The login is the generated one, and the API wants it.
    assert.equal(login.username, 'admin');
    assert.match(login.password, /^[A-Za-z0-9]{16}$/);
    assert.equal((await fetch(`${servers.url}/api/v2/dags/${DAG_ID}`)).status, 401);

    const runDate = new Date().toISOString().slice(0, 10);
    const api = await AirflowApi.login(servers.url, login);
    const { run, outcome } = await triggerDagRun(api, DAG_ID, runDate);
    assert.equal(outcome, 'triggered');
    assert.equal(run.logical_date, `${runDate}T00:00:00Z`);
    const states: string[] = [];
    const { state, tasks } = await awaitDagRun(api, DAG_ID, run.dag_run_id, {
      check: () => servers.assertRunning(),
      onTaskState: (task) => states.push(`${task.task_id}:${task.state}`),
    });
    assert.equal(state, 'success', `DAG run ${run.dag_run_id}: ${states.join(', ')}; logs in ${airflowHome}/logs`);
    assert.deepEqual(
      tasks.filter((t) => t.state !== 'success').map((t) => t.task_id),
      [],
    );
    assert.equal(tasks.length, 9);
    // It waited in the triggerer, holding no worker slot, as on MWAA.
    assert.ok(states.includes('batch_training_workflow:deferred'), states.join(', '));

    const handle = temporal.workflow.getHandle<() => Promise<BatchResult>>(batchWorkflowId(runDate));
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
    const result = await handle.result();
    assert.equal(result.deployed, true, `gate: ${result.gate.reasons.join('; ')}`);
    assert.equal(result.stages.find((s) => s.name === 'reloadApi')?.status, 'completed');
    assert.equal((await readCurrentPointer(env.store))?.version, result.model_version);

    const served = (await (await fetch(`${apiUrl}/models/current`)).json()) as { version: string };
    assert.equal(served.version, result.model_version);
    const recommendations = (await (await fetch(`${apiUrl}/recommendations/1?method=hybrid&limit=5`)).json()) as { model_version: string; items: unknown[] };
    assert.equal(recommendations.model_version, result.model_version);
    assert.equal(recommendations.items.length, 5);
  });
});
