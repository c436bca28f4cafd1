/**
 * `npm run bench -- batch [--json] [--datasets ml-100k,synthetic:1e6,synthetic:1e7] [--series full,increment,two-workers] [--increment active|spread] [--sources]`
 *
 * Runs the whole batch workflow on the real stack for each dataset: the ratings are landed in bronze
 * (as the consumer writes them), a worker process runs the workflow, and the bench reports each
 * stage's wall time (from the workflow's own stage record) and the workers' peak RSS during that stage
 * (sampled from /proc every 200 ms). Then the nightly increment (1% new ratings, see `incrementOf`), landed
 * as the next date's partition and run as that date (silver merges only the new objects). Then
 * the full run again with two worker processes. Each run series gets its own bucket, tables and task
 * queue, removed at the end. `--series` runs only some of the three (the increment needs the full run
 * before it, so it brings it); a series not run is null in the JSON. The workers run the compiled build
 * (`npm run build`) with plain node, as in production; `--sources` runs them from the TypeScript sources
 * under tsx instead, where every job thread compiles the modules it imports again.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectsCommand, DeleteBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { platformTables } from '../adapters/dynamodb/tables';
import { createS3Client } from '../adapters/s3/client';
import { connectTemporalClient } from '../adapters/temporal/client';
import { queryProgress, startOrAttachBatch } from '../adapters/temporal/batch-runs';
import { loadDataset } from '../recommender/data/load';
import { createRandom } from '../recommender/random';
import { selectRows, type RatingColumns } from '../recommender/types';
import { createBatchEnvironment, freshRunDates, landRatings, publishMovies, type BatchEnvironment } from '../test/support/batch';
import { testConfig } from '../test/support/config';
import { build } from '../scripts/build/compile';
import { entryPoint, nodeArguments } from '../scripts/platform/processes';
import { describeMachine, machineInfo } from './machine';

interface StageFigure {
  stage: string;
  seconds: number;
  peak_rss_mb: number;
}

interface RunFigure {
  total_seconds: number;
  peak_rss_mb: number;
  deployed: boolean;
  ndcg_at_10: number;
  stages: StageFigure[];
}

interface DatasetFigure extends RunFigure {
  dataset: string;
  ratings: number;
  land_seconds: number;
  /** The nightly run after 1% new ratings: the same stages on the merged state. */
  increment: (RunFigure & { shape: IncrementShape; ratings: number; users: number }) | null;
  /** The full run again, in an environment of its own, with two worker processes. */
  two_workers: RunFigure | null;
  full_one_worker_s: number;
  full_two_workers_s: number | null;
  increment_s: number | null;
}

const SERIES = ['full', 'increment', 'two-workers'] as const;
type Series = (typeof SERIES)[number];

type IncrementShape = 'active' | 'spread';

/**
 * The next night's new events, 1% of the ratings, a day after the latest rating. `active`: new ratings
 * by 2% of the users (every 50th), as a night looks in MovieLens, where a day holding 1% of all ratings
 * comes from 1–2% of the users (ml-100k: 9 to 21 of 943 users on its days of 700 to 1,500 ratings); each
 * rates movies picked as others' ratings are (popular ones more often) that they had not rated, with
 * that other rating's value. `spread`: every 100th rating re-rated, so most users change (the worst case
 * for what a run can carry over).
 */
function incrementOf(ratings: RatingColumns, shape: IncrementShape): RatingColumns {
  const n = ratings.userIds.length;
  const later = ratings.timestamps.reduce((latest, t) => Math.max(latest, t), 0) + 86_400;
  const total = Math.ceil(n / 100);
  if (shape === 'spread') {
    const picked = selectRows(ratings, Array.from({ length: total }, (_, k) => k * 100));
    return { ...picked, ratings: picked.ratings.map((r) => (r >= 3 ? r - 2 : r + 2)), timestamps: picked.timestamps.map(() => later) };
  }
  const userIds = Int32Array.from(new Set(ratings.userIds)).sort();
  const active = userIds.filter((_, k) => k % 50 === 0);
  const rated = new Map<number, Set<number>>(Array.from(active, (user) => [user, new Set<number>()]));
  for (let k = 0; k < n; k++) rated.get(ratings.userIds[k]!)?.add(ratings.movieIds[k]!);
  const random = createRandom(7);
  const out = { userIds: new Int32Array(total), movieIds: new Int32Array(total), ratings: new Float32Array(total), timestamps: new Float64Array(total).fill(later) };
  for (let j = 0; j < total; j++) {
    const user = active[j % active.length]!;
    const seen = rated.get(user)!;
    let k: number;
    do k = Math.floor(random() * n);
    while (seen.has(ratings.movieIds[k]!));
    seen.add(ratings.movieIds[k]!);
    out.userIds[j] = user;
    out.movieIds[j] = ratings.movieIds[k]!;
    out.ratings[j] = ratings.ratings[k]!;
  }
  return out;
}

function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/**
 * One isolated environment (bucket, tables, task queue) with `workers` worker processes: lands the
 * dataset, then `body` runs workflows on it; everything is removed at the end.
 */
async function withEnvironment<T>(
  spec: string,
  data: ReturnType<typeof loadDataset>,
  workers: { count: number; entry: string },
  body: (run: (date: string, options?: { accept_volume?: boolean }) => Promise<RunFigure>, context: { env: BatchEnvironment; runDate: string; nextDate: string; landSeconds: number; ratings: number }) => Promise<T>,
): Promise<T> {
  const base = testConfig();
  const env = await createBatchEnvironment();
  const client = await connectTemporalClient(env.config.temporal);
  const s3 = createS3Client(env.config.s3);
  try {
    // The full run's night and the next one, for the increment.
    const [runDate, nextDate] = (await freshRunDates(client, 2)) as [string, string];
    const landStarted = performance.now();
    await publishMovies(env.store, spec, data.movies);
    const ratings = await landRatings(env.store, env.config.s3.bronzePrefix, runDate, data.ratings, { objects: Math.max(4, Math.ceil(data.ratings.userIds.length / 200_000)) });
    const landSeconds = (performance.now() - landStarted) / 1000;

    const processes = Array.from({ length: workers.count }, () =>
      spawn(process.execPath, nodeArguments(workers.entry), {
        cwd: base.projectRoot,
        env: { ...process.env, ...env.env, LOG_LEVEL: 'error' },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    // Per stage, the highest resident memory any one worker reached.
    let peak = new Map<string, number>();
    let stage = 'starting';
    const sampler = setInterval(() => {
      for (const worker of processes) peak.set(stage, Math.max(peak.get(stage) ?? 0, rssMb(worker.pid!)));
    }, 200);

    async function runWorkflow(date: string, options: { accept_volume?: boolean } = {}): Promise<RunFigure> {
      peak = new Map();
      const started = performance.now();
      const { handle } = await startOrAttachBatch(client, env.config.temporal.taskQueue, { run_date: date, skip_reload: true, ...options });
      let done = false;
      const result = handle.result().finally(() => (done = true));
      while (!done) {
        const progress = await queryProgress(handle).catch(() => undefined);
        if (progress) stage = progress.stage;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const outcome = await result;
      const totalSeconds = (performance.now() - started) / 1000;
      return {
        total_seconds: Math.round(totalSeconds * 10) / 10,
        peak_rss_mb: Math.round(Math.max(...peak.values())),
        deployed: outcome.deployed,
        ndcg_at_10: outcome.metrics['ndcg@10'] ?? NaN,
        // A stage's time from the workflow's record: from its first activity's start to its last one's end.
        stages: outcome.stages
          .filter((s) => s.status === 'completed')
          .map((s) => ({ stage: s.name, seconds: Math.round((Date.parse(s.finished_at) - Date.parse(s.started_at)) / 100) / 10, peak_rss_mb: Math.round(peak.get(s.name) ?? 0) })),
      };
    }

    try {
      return await body(runWorkflow, { env, runDate, nextDate, landSeconds, ratings });
    } finally {
      clearInterval(sampler);
      for (const worker of processes) worker.kill('SIGTERM');
      await Promise.all(processes.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
    }
  } finally {
    await emptyBucket(s3, env.config.s3.bucket);
    for (const table of platformTables(env.config.dynamodb)) {
      await env.dynamo.send(new DeleteTableCommand({ TableName: table.input.TableName }));
    }
    s3.destroy();
    env.close();
    await client.connection.close();
  }
}

async function runDataset(spec: string, series: Set<Series>, shape: IncrementShape, workerEntry: string): Promise<DatasetFigure> {
  const data = loadDataset(spec, testConfig().movielensDir);
  const oneWorker = await withEnvironment(spec, data, { count: 1, entry: workerEntry }, async (runWorkflow, { env, runDate, nextDate, landSeconds, ratings }) => {
    const full = await runWorkflow(runDate);
    if (!series.has('increment')) return { full, increment: null, landSeconds, ratings };
    const increment = incrementOf(data.ratings, shape);
    await landRatings(env.store, env.config.s3.bronzePrefix, nextDate, increment, { objects: 1, idPrefix: 'increment' });
    // A night of 1% is far below the full load's day: the volume rule would refuse it as a drop in traffic.
    const incremental = await runWorkflow(nextDate, { accept_volume: true });
    return { full, increment: { shape, ratings: increment.userIds.length, users: new Set(increment.userIds).size, ...incremental }, landSeconds, ratings };
  });
  const twoWorkers = series.has('two-workers') ? await withEnvironment(spec, data, { count: 2, entry: workerEntry }, (runWorkflow, { runDate }) => runWorkflow(runDate)) : null;
  return {
    dataset: spec,
    ratings: oneWorker.ratings,
    land_seconds: Math.round(oneWorker.landSeconds * 10) / 10,
    ...oneWorker.full,
    increment: oneWorker.increment,
    two_workers: twoWorkers,
    full_one_worker_s: oneWorker.full.total_seconds,
    full_two_workers_s: twoWorkers?.total_seconds ?? null,
    increment_s: oneWorker.increment?.total_seconds ?? null,
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      datasets: { type: 'string', default: 'ml-100k,synthetic:1e6,synthetic:1e7' },
      series: { type: 'string', default: SERIES.join(',') },
      increment: { type: 'string', default: 'active' },
      sources: { type: 'boolean', default: false },
    },
  });
  const json = values.json;
  const datasets = values.datasets.split(',');
  const series = new Set(values.series.split(',') as Series[]);
  const unknown = [...series].filter((name) => !SERIES.includes(name));
  if (unknown.length > 0) throw new Error(`--series: unknown ${unknown.join(', ')}; choose from ${SERIES.join(', ')}`);
  const shape = values.increment;
  if (shape !== 'active' && shape !== 'spread') throw new Error(`--increment: ${shape}; choose active or spread`);
  const root = testConfig().projectRoot;
  const workerEntry = entryPoint('worker/main.ts', values.sources ? undefined : path.relative(root, (await build(root, undefined, () => undefined)).outDir));
  const how = values.sources ? 'workers from the TypeScript sources (tsx)' : `workers compiled (${workerEntry})`;
  console.log(`batch benchmark — ${describeMachine()}; ${how}; Temporal, MinIO and DynamoDB Local on the same machine`);
  const figures: DatasetFigure[] = [];
  for (const dataset of datasets) {
    const figure = await runDataset(dataset, series, shape, workerEntry);
    figures.push(figure);
    console.log(`\n${dataset}: ${figure.ratings.toLocaleString('en-US')} ratings landed in ${figure.land_seconds} s; workflow ${figure.total_seconds} s end to end, worker peak RSS ${figure.peak_rss_mb} MB, deployed ${figure.deployed}, NDCG@10 ${figure.ndcg_at_10.toFixed(4)}`);
    if (figure.increment && figure.increment_s !== null) {
      console.log(`nightly increment (${figure.increment.shape}): ${figure.increment.ratings.toLocaleString('en-US')} new ratings by ${figure.increment.users.toLocaleString('en-US')} users, workflow ${figure.increment_s} s end to end (${((100 * figure.increment_s) / figure.total_seconds).toFixed(0)}% of the full run), worker peak RSS ${figure.increment.peak_rss_mb} MB`);
    }
    if (figure.two_workers && figure.full_two_workers_s !== null) {
      console.log(`two workers: full run ${figure.full_two_workers_s} s end to end (${(figure.full_one_worker_s / figure.full_two_workers_s).toFixed(2)}× one worker's speed), peak RSS of one worker ${figure.two_workers.peak_rss_mb} MB`);
    }
    console.log(' stage            full s   increment s   two workers s   peak RSS MB (full / increment / two workers)');
    // A stage shorter than the sampling interval has no RSS sample of its own.
    const rss = (mb: number | undefined) => (mb !== undefined && mb > 0 ? String(mb) : '–');
    for (const s of figure.stages) {
      const next = figure.increment?.stages.find((t) => t.stage === s.stage);
      const two = figure.two_workers?.stages.find((t) => t.stage === s.stage);
      console.log(
        ` ${s.stage.padEnd(16)} ${String(s.seconds).padStart(6)}   ${String(next?.seconds ?? '–').padStart(11)}   ${String(two?.seconds ?? '–').padStart(13)}   ${rss(s.peak_rss_mb)} / ${rss(next?.peak_rss_mb)} / ${rss(two?.peak_rss_mb)}`,
      );
    }
  }
  if (json) console.log(JSON.stringify({ benchmark: 'batch', machine: machineInfo(), workers: values.sources ? 'sources' : 'compiled', datasets: figures }));
}
