/**
 * `npm run bench -- batch [--json] [--datasets ml-100k,synthetic:1e6,synthetic:1e7]`
 *
 * Runs the whole batch workflow on the real stack for each dataset: the ratings are landed in bronze
 * (as the consumer writes them), a worker process runs the workflow, and the bench reports each
 * stage's wall time (from the workflow history) and the worker's peak RSS during that stage (sampled
 * from /proc every 200 ms). Then the nightly increment: 1% of the ratings again, re-rated a day later,
 * landed as a later date's partition and run as that date (silver merges only the new objects). Each
 * dataset gets its own bucket, tables and task queue, removed at the end.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectsCommand, DeleteBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { platformTables } from '../adapters/dynamodb/tables';
import { createS3Client } from '../adapters/s3/client';
import { connectTemporalClient } from '../adapters/temporal/client';
import { queryProgress, startOrAttachBatch } from '../adapters/temporal/batch-runs';
import { STAGES } from '../domain/batch';
import { loadDataset } from '../recommender/data/load';
import { selectRows, type RatingColumns } from '../recommender/types';
import { createBatchEnvironment, freshRunDate, landRatings, publishMovies } from '../test/support/batch';
import { testConfig } from '../test/support/config';
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
  increment: RunFigure & { ratings: number };
  increment_s: number;
}

/** 1% of the ratings (every 100th), re-rated a day after the latest rating: the next night's new events. */
function incrementOf(ratings: RatingColumns): RatingColumns {
  const rows = Array.from({ length: Math.ceil(ratings.userIds.length / 100) }, (_, k) => k * 100);
  const picked = selectRows(ratings, rows);
  const later = picked.timestamps.reduce((latest, t) => Math.max(latest, t), 0) + 86_400;
  return {
    ...picked,
    ratings: picked.ratings.map((r) => (r >= 3 ? r - 2 : r + 2)),
    timestamps: picked.timestamps.map(() => later),
  };
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

async function runDataset(spec: string): Promise<DatasetFigure> {
  const base = testConfig();
  const data = loadDataset(spec, base.movielensDir);
  const env = await createBatchEnvironment();
  const client = await connectTemporalClient(env.config.temporal);
  const s3 = createS3Client(env.config.s3);
  try {
    const runDate = await freshRunDate(client);
    const landStarted = performance.now();
    await publishMovies(env.store, spec, data.movies);
    const ratings = await landRatings(env.store, env.config.s3.bronzePrefix, runDate, data.ratings, { objects: Math.max(4, Math.ceil(data.ratings.userIds.length / 200_000)) });
    const landSeconds = (performance.now() - landStarted) / 1000;

    const worker = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      cwd: base.projectRoot,
      env: { ...process.env, ...env.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let peak = new Map<string, number>();
    let stage = 'starting';
    const sampler = setInterval(() => {
      peak.set(stage, Math.max(peak.get(stage) ?? 0, rssMb(worker.pid!)));
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

      const history = await handle.fetchHistory();
      const scheduled = new Map<string, string>();
      const startedAt = new Map<string, number>();
      const seconds = new Map<string, number>();
      for (const event of history.events ?? []) {
        const time = Number(event.eventTime?.seconds ?? 0) + (event.eventTime?.nanos ?? 0) / 1e9;
        const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
        if (name) scheduled.set(String(event.eventId), name);
        const start = event.activityTaskStartedEventAttributes;
        if (start) startedAt.set(String(start.scheduledEventId), time);
        const end = event.activityTaskCompletedEventAttributes;
        if (end) {
          const id = String(end.scheduledEventId);
          const activity = scheduled.get(id) ?? '?';
          seconds.set(activity, (seconds.get(activity) ?? 0) + time - (startedAt.get(id) ?? time));
        }
      }
      return {
        total_seconds: Math.round(totalSeconds * 10) / 10,
        peak_rss_mb: Math.round(Math.max(...peak.values())),
        deployed: outcome.deployed,
        ndcg_at_10: outcome.metrics['ndcg@10'] ?? NaN,
        stages: STAGES.filter((s) => seconds.has(s)).map((s) => ({ stage: s, seconds: Math.round((seconds.get(s) ?? 0) * 10) / 10, peak_rss_mb: Math.round(peak.get(s) ?? 0) })),
      };
    }

    try {
      const full = await runWorkflow(runDate);
      let nextDate = await freshRunDate(client);
      while (nextDate <= runDate) nextDate = await freshRunDate(client);
      const increment = incrementOf(data.ratings);
      await landRatings(env.store, env.config.s3.bronzePrefix, nextDate, increment, { objects: 1, idPrefix: 'increment' });
      // A night of 1% is far below the full load's day: the volume rule would refuse it as a drop in traffic.
      const incremental = await runWorkflow(nextDate, { accept_volume: true });
      return {
        dataset: spec,
        ratings,
        land_seconds: Math.round(landSeconds * 10) / 10,
        ...full,
        increment: { ratings: increment.userIds.length, ...incremental },
        increment_s: incremental.total_seconds,
      };
    } finally {
      clearInterval(sampler);
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
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

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const i = args.indexOf('--datasets');
  const datasets = (i >= 0 ? args[i + 1] : undefined)?.split(',') ?? ['ml-100k', 'synthetic:1e6', 'synthetic:1e7'];
  console.log(`batch benchmark — ${describeMachine()}; Temporal, MinIO and DynamoDB Local on the same machine`);
  const figures: DatasetFigure[] = [];
  for (const dataset of datasets) {
    const figure = await runDataset(dataset);
    figures.push(figure);
    console.log(`\n${dataset}: ${figure.ratings.toLocaleString('en-US')} ratings landed in ${figure.land_seconds} s; workflow ${figure.total_seconds} s end to end, worker peak RSS ${figure.peak_rss_mb} MB, deployed ${figure.deployed}, NDCG@10 ${figure.ndcg_at_10.toFixed(4)}`);
    console.log(`nightly increment: ${figure.increment.ratings.toLocaleString('en-US')} new ratings, workflow ${figure.increment_s} s end to end (${((100 * figure.increment_s) / figure.total_seconds).toFixed(0)}% of the full run), worker peak RSS ${figure.increment.peak_rss_mb} MB`);
    console.log(' stage            full s   increment s   peak RSS MB (full / increment)');
    // A stage shorter than the sampling interval has no RSS sample of its own.
    const rss = (mb: number | undefined) => (mb !== undefined && mb > 0 ? String(mb) : '–');
    for (const s of figure.stages) {
      const next = figure.increment.stages.find((t) => t.stage === s.stage);
      console.log(` ${s.stage.padEnd(16)} ${String(s.seconds).padStart(6)}   ${String(next?.seconds ?? '–').padStart(11)}   ${rss(s.peak_rss_mb)} / ${rss(next?.peak_rss_mb)}`);
    }
  }
  if (json) console.log(JSON.stringify({ benchmark: 'batch', machine: machineInfo(), datasets: figures }));
}
