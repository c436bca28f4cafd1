/**
 * `npm start`: the whole platform on the local stack, end to end.
 *  1. installs what is missing and brings the services up;
 *  2. starts the api, the consumer, the worker and the operator console (logs in .local/logs/);
 *  3. loads the movie catalog and replays a dataset's ratings through POST /events/batch
 *     (ml-latest-small when MOVIELENS_DIR has it, synthetic data otherwise), unless today's run
 *     already completed on them;
 *  4. waits until the consumer has landed them in bronze;
 *  5. runs today's batch — through Airflow when its environment is set up, otherwise through the
 *     Temporal client — and waits for it; when today's run already completed (an earlier npm start),
 *     it says which run and model it reuses, and `npm start -- --new-run` trains anew in a run of its
 *     own (`movie-rec-batch-<date>-<time>`, through the Temporal client); `--no-airflow` runs it
 *     through the Temporal client even when the Airflow environment exists;
 *  6. prints the URLs and sample recommendations of each method, then keeps serving until Ctrl-C,
 *     which stops everything it started.
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
import { venvIsCurrent } from './airflow/environment';
import { runAirflow } from './airflow/run';
import { waitForConsumerCaughtUp } from './platform/consumer-lag';
import { startPlatformProcess, waitForHttp, type PlatformProcess } from './platform/processes';
import { replayRatings } from './platform/replay';
import { servicesUp, stopServices } from './services/manager';
import { localS3Env } from './services/s3-identities';

const SAMPLE_USERS = [1, 42, 314];

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
}

function chooseDataset(config: Config): string {
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
  const { values } = parseArgs({ options: { 'new-run': { type: 'boolean', default: false }, 'no-airflow': { type: 'boolean', default: false } } });
  const newRun = values['new-run'];
  const config = loadConfigOrExit();
  const throughAirflow = !values['no-airflow'] && venvIsCurrent(config);
  const startedServices = await servicesUp(config);
  const processes: PlatformProcess[] = [];
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping what npm start started…');
    await Promise.all(processes.map((p) => p.stop()));
    await stopServices(config, startedServices);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().then(() => process.exit(0)));

  try {
    const logDir = path.join(config.localDir, 'logs');
    // Least privilege: the API, the consumer and the console use MinIO users of their own; the worker runs the batch as root.
    const starts = [
      ['api', 'api/main.ts', localS3Env(config, 'api')],
      ['consumer', 'consumer/main.ts', localS3Env(config, 'consumer')],
      ['worker', 'worker/main.ts', {}],
      ['console', 'console/main.ts', localS3Env(config, 'console')],
    ] as const;
    for (const [name, entry, credentials] of starts) {
      processes.push(startPlatformProcess({ name, entry, cwd: config.projectRoot, env: { ...process.env, ...credentials }, logDir }));
    }
    await waitForHttp(`${config.api.url}/healthz`, processes[0]!);
    console.log(`api, consumer, worker and console started (logs in ${path.relative(config.projectRoot, logDir)}/)`);

    const dataset = chooseDataset(config);
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

    let result: BatchResult;
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
    } else if (throughAirflow) {
      const airflowLog = path.join(logDir, 'airflow-dags-test.log');
      console.log(`\nRunning the batch of ${runDate} through Airflow: airflow dags test movie_rec_batch ${runDate} (log: ${path.relative(config.projectRoot, airflowLog)})`);
      const code = await runAirflow(config, ['dags', 'test', 'movie_rec_batch', runDate], { logFile: airflowLog });
      if (code !== 0) throw new Error(`airflow dags test exited with ${code}; see ${airflowLog}`);
      result = await resultOfRun(config, runDate);
    } else {
      console.log(`\nRunning the batch of ${runDate} through the Temporal client (${values['no-airflow'] ? '--no-airflow' : 'no Airflow environment; `npm run airflow:setup` makes one'}):`);
      result = await runBatchThroughTemporal(config, runDate);
    }
    console.log(`Model ${result.model_version}: ${result.deployed ? 'deployed' : `not deployed (${result.gate.reasons.join('; ')})`}; NDCG@10 ${result.metrics['ndcg@10']?.toFixed(4)}`);

    const pointer = await readCurrentPointer(store);
    s3.destroy();
    console.log('\nURLs:');
    console.log(`  API                ${config.api.url}  (OpenAPI: ${config.api.url}/openapi.json)`);
    console.log(`  Operator console   ${config.console.url}/console  (operator token: RELOAD_TOKEN)`);
    console.log(`  Temporal UI        ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowId}`);
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
