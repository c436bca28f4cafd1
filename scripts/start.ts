/**
 * `npm start`: the whole platform on the local stack, end to end.
 *  1. installs what is missing and brings the services up, and builds the Airflow virtualenv from its
 *     lock when it is missing;
 *  2. starts the api, the consumer, the worker and the operator console (logs in .local/logs/), and
 *     Airflow's scheduler, DAG processor, triggerer and API server (scripts/airflow/servers.ts);
 *     `--compiled` first builds them into dist/ (`npm run build`) and runs the compiled JavaScript
 *     with plain `node`, as in production;
 *  3. loads the movie catalog and replays a dataset's ratings through POST /events/batch
 *     (`--dataset`; by default ml-latest-small when MOVIELENS_DIR has it, synthetic data otherwise),
 *     unless today's run already completed on them;
 *  4. waits until the consumer has landed them in bronze;
 *  5. runs today's batch: triggers the DAG's run for today through Airflow's REST API, which starts and
 *     awaits the Temporal workflow as MWAA would, and follows its tasks; when today's run already
 *     completed (an earlier npm start), it says which run and model it reuses, and
 *     `npm start -- --new-run` trains anew in a run of its own (`movie-rec-batch-<date>-<time>`,
 *     through the Temporal client); `--no-airflow` starts no Airflow and runs the batch through the
 *     Temporal client;
 *  6. prints the URLs (the Airflow UI with its login) and sample recommendations of each method, then
 *     keeps serving until Ctrl-C, which stops everything it started.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { createKafka } from '../adapters/kafka/client';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { connectTemporalClient } from '../adapters/temporal/client';
import { queryProgress, startOrAttachBatch } from '../adapters/temporal/batch-runs';
import { failureReason } from '../adapters/temporal/failure';
import { loadConfigOrExit, type Config } from '../config';
import { batchWorkflowId, type BatchResult } from '../domain/batch';
import { toCatalogMovies } from '../activities/movies';
import { publishCatalog } from '../domain/catalog';
import { readCurrentPointer } from '../domain/model-registry';
import { loadDataset } from '../recommender/data/load';
import { methods } from '../recommender/hybrid';
import { AirflowApi, awaitDagRun, dagRunUrl, triggerDagRun, type TaskInstance } from './airflow/dag-runs';
import { DAG_ID, startAirflowServers, type AirflowLogin, type AirflowServers } from './airflow/servers';
import { setupAirflow } from './airflow/setup';
import { build } from './build/compile';
import { waitForConsumerCaughtUp } from './platform/consumer-lag';
import { entryPoint, startPlatformProcess, waitForHttp, type PlatformProcess } from './platform/processes';
import { replayRatings } from './platform/replay';
import { VenvSetupError } from './python-venv';
import { servicesUp, stopServices } from './services/manager';
import { localS3Env } from './services/s3-identities';

const SAMPLE_USERS = [1, 42, 314];

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
}

function defaultDataset(config: Config): string {
  return existsSync(path.join(config.movielensDir, 'ml-latest-small', 'ratings.csv')) ? 'ml-latest-small' : 'synthetic:1e5';
}

async function runBatchThroughTemporal(config: Config, runDate: string, workflowId = batchWorkflowId(runDate)): Promise<BatchResult> {
  const client = await connectTemporalClient(config.temporal);
  try {
    const { handle, attached } = await startOrAttachBatch(client, config.temporal.taskQueue, { run_date: runDate }, workflowId);
    console.log(`${attached ? 'Attached to' : 'Started'} workflow ${handle.workflowId}`);
    let printed = 0;
    let done = false;
    const result = handle.result().finally(() => (done = true));
    // Handled below, after the loop: marked now so that a failure meanwhile is not an unhandled rejection.
    result.catch(() => undefined);
    while (!done) {
      const progress = await queryProgress(handle).catch(() => undefined);
      for (const stage of progress?.completed_stages.slice(printed) ?? []) console.log(`  ✔ ${stage}`);
      printed = progress?.completed_stages.length ?? printed;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return await result;
  } catch (err) {
    throw new Error(`the batch of ${runDate} failed: ${failureReason(err)}`, { cause: err });
  } finally {
    await client.connection.close();
  }
}

/** Why today's workflow failed, once it has closed without completing; undefined while it runs or after it completed. */
async function workflowFailure(config: Config, runDate: string): Promise<string | undefined> {
  const client = await connectTemporalClient(config.temporal);
  try {
    const handle = client.workflow.getHandle<() => Promise<BatchResult>>(batchWorkflowId(runDate));
    const status = (await handle.describe().catch(() => undefined))?.status.name;
    if (status === undefined || status === 'RUNNING' || status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') return undefined;
    return await handle.result().then(
      () => undefined,
      (err: unknown) => failureReason(err),
    );
  } finally {
    await client.connection.close();
  }
}

const TASK_MARKS: Record<string, string> = { success: '✔', failed: '✘', skipped: '–', upstream_failed: '✘' };

function printTask(config: Config, runDate: string, task: TaskInstance): void {
  const tries = task.try_number > 1 ? ` (try ${task.try_number} of ${task.max_tries + 1})` : '';
  console.log(`  ${TASK_MARKS[task.state ?? ''] ?? '…'} ${task.task_id}: ${task.state}${tries}`);
  // The task that awaits the workflow says why it failed; the stage tasks fail with the same workflow.
  if (task.state === 'up_for_retry' && task.task_id === 'batch_training_workflow') {
    void workflowFailure(config, runDate).then(
      (reason) => console.log(`    ${reason ? `the workflow failed: ${reason}; ` : ''}Airflow tries the task again after the DAG's retry delay (Ctrl-C stops; --no-airflow reports a failure at once)`),
      () => undefined,
    );
  }
}

/** Today's batch as MWAA runs it: the DAG's run for the date, triggered through Airflow's REST API and followed task by task. */
async function runBatchThroughAirflow(config: Config, airflow: AirflowServers, login: AirflowLogin, runDate: string): Promise<{ result: BatchResult; runUrl: string }> {
  const api = await AirflowApi.login(airflow.url, login);
  const { run, outcome } = await triggerDagRun(api, DAG_ID, runDate, { note: 'triggered by npm start' });
  const runUrl = dagRunUrl(airflow.url, DAG_ID, run.dag_run_id);
  const how = { triggered: 'Triggered', attached: 'Following the existing', cleared: 'Cleared the failed' }[outcome];
  console.log(`  ${how} DAG run ${run.dag_run_id}: ${runUrl}`);
  const { state, tasks } = await awaitDagRun(api, DAG_ID, run.dag_run_id, { check: () => airflow.assertRunning(), onTaskState: (task) => printTask(config, runDate, task) });
  if (state === 'failed') {
    const failed = tasks.filter((t) => t.state === 'failed').map((t) => t.task_id);
    const reason = await workflowFailure(config, runDate).catch(() => undefined);
    throw new Error(`the DAG run ${run.dag_run_id} failed (${failed.join(', ') || 'no task failed'})${reason ? `: ${reason}` : ''}; its task logs are in the Airflow UI, ${runUrl}`);
  }
  return { result: await resultOfRun(config, runDate), runUrl };
}

async function resultOfRun(config: Config, runDate: string): Promise<BatchResult> {
  const client = await connectTemporalClient(config.temporal);
  try {
    return await client.workflow.getHandle<() => Promise<BatchResult>>(batchWorkflowId(runDate)).result();
  } finally {
    await client.connection.close();
  }
}

/** Today's run when it already completed (a second npm start on the same day): when, and its result. */
async function completedRun(config: Config, runDate: string): Promise<{ closedAt: Date | undefined; result: BatchResult } | undefined> {
  const client = await connectTemporalClient(config.temporal);
  try {
    const handle = client.workflow.getHandle<() => Promise<BatchResult>>(batchWorkflowId(runDate));
    const description = await handle.describe().catch(() => undefined);
    if (description?.status.name !== 'COMPLETED') return undefined;
    return { closedAt: description.closeTime, result: await handle.result() };
  } finally {
    await client.connection.close();
  }
}

/** The version the API serves, once it serves one (it loads the deployed model at start and follows the registry). */
async function servedVersion(config: Config, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${config.api.url}/models/current`).catch(() => undefined);
    if (response?.ok) return ((await response.json()) as { version: string }).version;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function printRecommendations(config: Config): Promise<void> {
  const version = await servedVersion(config, 60_000);
  if (version === undefined) {
    console.log(`\nThe API serves no model: it could not load the deployed one (the console's replicas table and .local/logs/api.log say why). \`npm start -- --new-run\` trains one.`);
    return;
  }
  console.log(`\nRecommendations served by model ${version}:`);
  for (const userId of SAMPLE_USERS) {
    for (const method of methods) {
      const response = await fetch(`${config.api.url}/recommendations/${userId}?method=${method}&limit=3`);
      const body = (await response.json()) as { path?: string; items?: { title: string; score: number; reason: string }[] };
      console.log(`  user ${userId}, ${method}${body.path ? ` (${body.path})` : ''}:`);
      for (const item of body.items ?? []) console.log(`    ${item.score.toFixed(3)}  ${item.title} — ${item.reason}`);
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'new-run': { type: 'boolean', default: false },
      'no-airflow': { type: 'boolean', default: false },
      compiled: { type: 'boolean', default: false },
      dataset: { type: 'string' },
    },
  });
  const newRun = values['new-run'];
  const config = loadConfigOrExit();
  const dataset = values.dataset ?? defaultDataset(config);
  const withAirflow = !values['no-airflow'];
  const startedServices = await servicesUp(config);
  const processes: PlatformProcess[] = [];
  let airflow: AirflowServers | undefined;
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping what npm start started…');
    await Promise.all([...processes.map((p) => p.stop()), airflow?.stop()]);
    await stopServices(config, startedServices);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().then(() => process.exit(0)));

  try {
    const logDir = path.join(config.localDir, 'logs');
    if (withAirflow) {
      await setupAirflow(config).catch((err: unknown) => {
        if (!(err instanceof VenvSetupError)) throw err;
        throw new Error(`${err.message}\n\`npm start -- --no-airflow\` runs the batch through the Temporal client, without Airflow.`, { cause: err });
      });
    }
    let buildDir: string | undefined;
    if (values.compiled) {
      console.log('Compiling the processes (npm run build)…');
      buildDir = (await build(config.projectRoot)).outDir;
    }
    // Least privilege: the API, the consumer and the console use MinIO users of their own; the worker runs the batch as root.
    const starts = [
      ['api', 'api/main.ts', localS3Env(config, 'api')],
      ['consumer', 'consumer/main.ts', localS3Env(config, 'consumer')],
      ['worker', 'worker/main.ts', {}],
      ['console', 'console/main.ts', localS3Env(config, 'console')],
    ] as const;
    for (const [name, source, credentials] of starts) {
      processes.push(startPlatformProcess({ name, entry: entryPoint(source, buildDir), cwd: config.projectRoot, env: { ...process.env, ...credentials }, logDir }));
    }
    await waitForHttp(`${config.api.url}/healthz`, processes[0]!);
    const how = buildDir === undefined ? 'from the TypeScript sources (tsx)' : `compiled, from ${path.relative(config.projectRoot, buildDir)}/ with plain node`;
    console.log(`api, consumer, worker and console started ${how} (logs in ${path.relative(config.projectRoot, logDir)}/)`);
    if (withAirflow) {
      // Starts while the ratings load; its DAG stays paused until today's run is triggered on them.
      airflow = startAirflowServers(config, { logDir });
      console.log(`Airflow starting: scheduler, DAG processor, triggerer and API server on ${airflow.url} (logs: ${path.relative(config.projectRoot, logDir)}/airflow-*.log)`);
    }

    const data = loadDataset(dataset, config.movielensDir);
    const s3 = createS3Client(config.s3);
    const store = new S3ObjectStore(s3, config.s3.bucket);
    await publishCatalog(
      store,
      dataset,
      toCatalogMovies(data.movies),
      new Date(),
    );
    console.log(`Catalog of ${dataset}: ${data.movies.length.toLocaleString('en-US')} movies in bronze/catalog/`);

    const runDate = new Date().toISOString().slice(0, 10);
    const today = await completedRun(config, runDate);
    if (today) {
      // The same events again would only be duplicates in today's partition (validation refuses a day of mostly repeats).
      console.log(`Not replaying ${dataset}: today's run ${batchWorkflowId(runDate)} already holds it.`);
    } else {
      console.log(`Replaying ${data.ratings.userIds.length.toLocaleString('en-US')} ratings of ${dataset} through POST /events/batch:`);
      await replayRatings(config.api.url, data.ratings, {
        idPrefix: dataset,
        onProgress: (sent, total) => process.stdout.write(`\r  ${progressBar(sent, total)}`),
      });
      process.stdout.write('\n');
      await waitForConsumerCaughtUp(createKafka(config.kafka, 'start'), config.kafka.topic, config.kafka.groupId, {
        onLag: (lag) => process.stdout.write(`\r  waiting for the consumer to land them in bronze: ${lag.toLocaleString('en-US')} to go   `),
      });
      process.stdout.write('\n  all ratings are in bronze\n');
    }

    const login = await airflow?.ready;
    let result: BatchResult;
    let airflowRunUrl: string | undefined;
    const earlier = newRun ? undefined : today;
    const workflowId = newRun ? `${batchWorkflowId(runDate)}-${new Date().toISOString().slice(11, 19).replaceAll(':', '')}` : batchWorkflowId(runDate);
    if (newRun) {
      console.log(`\nTraining anew: the batch of ${runDate} in a run of its own, ${workflowId}, through the Temporal client (Airflow keeps one run per date):`);
      result = await runBatchThroughTemporal(config, runDate, workflowId);
    } else if (earlier) {
      console.log(
        `\nToday's batch already ran: workflow ${batchWorkflowId(runDate)} completed${earlier.closedAt ? ` at ${earlier.closedAt.toISOString()}` : ''} with model ${earlier.result.model_version}.` +
          `\nReusing it: the model was trained on what bronze held then. \`npm start -- --new-run\` trains anew on what bronze holds now.`,
      );
      result = earlier.result;
    } else if (airflow && login) {
      console.log(`\nRunning the batch of ${runDate} through Airflow: DAG ${DAG_ID}'s run for ${runDate} starts workflow ${batchWorkflowId(runDate)} and awaits it:`);
      ({ result, runUrl: airflowRunUrl } = await runBatchThroughAirflow(config, airflow, login, runDate));
    } else {
      console.log(`\nRunning the batch of ${runDate} through the Temporal client (--no-airflow):`);
      result = await runBatchThroughTemporal(config, runDate);
    }
    console.log(`Model ${result.model_version}: ${result.deployed ? 'deployed' : `not deployed (${result.gate.reasons.join('; ')})`}; NDCG@10 ${result.metrics['ndcg@10']?.toFixed(4)}`);

    const pointer = await readCurrentPointer(store);
    s3.destroy();
    console.log('\nURLs:');
    console.log(`  API                ${config.api.url}  (OpenAPI: ${config.api.url}/openapi.json)`);
    console.log(`  Operator console   ${config.console.url}/console  (operator token: RELOAD_TOKEN)`);
    console.log(`  Temporal UI        ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowId}`);
    if (airflow && login) console.log(`  Airflow UI         ${airflowRunUrl ?? `${airflow.url}/dags/${DAG_ID}`}  (user ${login.username}, password ${login.password})`);
    console.log(`  MinIO console      ${config.s3.consoleUrl}  (user ${config.s3.accessKeyId})`);
    if (pointer) console.log(`  evaluation report  ${config.console.url}/console/api/models/${encodeURIComponent(pointer.version)}/report`);
    await printRecommendations(config);
    console.log('\nThe platform keeps running; Ctrl-C stops what npm start started.');
  } catch (err) {
    console.error(`\n${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    process.exit(1);
  }
}

void main();
