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
import { runAirflow } from '../../../scripts/airflow/run';
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
 * The whole platform, as operated: a third of ml-100k is ingested through the API and the consumer, then
 * `airflow dags test` runs the real DAG, which starts the workflow on the real worker and waits for
 * it; the deployed model must be the one the API serves afterwards. The api, the consumer and the
 * worker run as in production: compiled by the build and started with plain `node`, their threads and
 * the workflow bundle included, so a broken build or a module path only tsx resolves fails here.
 * Everything runs in its own Temporal namespace, topic, bucket and tables, so the contract's workflow
 * id for today cannot clash.
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
  const logDir = path.join(base.localDir, 'logs', id);
  // A build directory of its own, so a dist/ that other processes run from is not replaced under them;
  // inside the project, where the compiled modules find node_modules.
  const buildDir = path.join(base.projectRoot, '.local', 'builds', id);

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
    overrides = {
      ...env.env,
      TEMPORAL_NAMESPACE: namespace,
      KAFKA_TOPIC: `${id}-events`,
      KAFKA_DLQ_TOPIC: `${id}-dlq`,
      KAFKA_GROUP_ID: `${id}-consumer`,
      API_PORT: String(apiPort),
      LOG_LEVEL: 'warn',
    };
    const config = testConfig(overrides);
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
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await temporal?.connection.close();
    env?.close();
    rmSync(buildDir, { recursive: true, force: true });
  });

  it('completes the workflow, deploys the model and the API serves the new version', async () => {
    const runDate = new Date().toISOString().slice(0, 10);
    const config = testConfig(overrides);
    const connection = JSON.stringify({
      conn_type: 'temporal',
      host: '127.0.0.1',
      port: config.temporal.port,
      extra: { namespace: config.temporal.namespace, task_queue: config.temporal.taskQueue },
    });
    const code = await runAirflow(base, ['dags', 'test', 'movie_rec_batch', runDate], {
      env: { ...process.env, AIRFLOW_CONN_TEMPORAL_DEFAULT: connection },
      logFile: path.join(logDir, 'airflow-dags-test.log'),
    });
    assert.equal(code, 0, `airflow dags test failed; see ${path.join(logDir, 'airflow-dags-test.log')}`);

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
