/**
 * `npm run bench -- serve [--json] [--datasets ml-100k,synthetic:1e6:7] [--concurrency 50] [--requests N] [--seconds S] [--rate R] [--fresh-rate R] [--lag-trials N] [--sources]`
 *
 * The online side on the real stack, per dataset: a model fitted here, its candidate pools precomputed
 * as the batch does, deployed to a registry bucket in MinIO; the consumer process and the API
 * processes (answer cache off) against Kafka, MinIO and DynamoDB Local, in a topic,
 * bucket and tables of their own. Fresh ratings are posted for some users first, through the API and
 * the consumer, so each method is measured for users without and with fresh ratings. Configurations:
 * one replica, then three (the load generator spreads requests over them). Per configuration:
 * - closed-loop series at `concurrency` clients: `/healthz` (the framework baseline), then per method
 *   users without fresh ratings and users with them;
 * - the same at a paced rate (`--rate` total requests/s for users without fresh ratings, `--fresh-rate`
 *   for users with them), to see latency below saturation;
 * - ingest (`POST /events`) p99 alone, beside a closed-loop recommendation load (the machine
 *   saturated), and beside a paced one (`--rate`);
 * - the freshness lag: 202 of a rating → the rated movie is absent from the user's answer (on every
 *   replica), p50/p99 over `--lag-trials`;
 * - each API process's resident memory (current and peak).
 * The load generators run in their own processes. The API and the consumer run the compiled build
 * (`npm run build`) with plain node, as in production; `--sources` runs them from the TypeScript
 * sources under tsx. With --json the last line is one JSON object.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createKafka } from '../adapters/kafka/client';
import { ensureTopics } from '../adapters/kafka/topics';
import { precomputeCandidates } from '../activities/compute/precompute';
import { loadConfigOrExit } from '../config';
import { modelKey, promote, writeManifest } from '../domain/model-registry';
import { buildUserItemMatrix, HybridRecommender, loadDataset, methods, serialize } from '../recommender';
import { createRandom } from '../recommender/random';
import { build } from '../scripts/build/compile';
import { waitForConsumerCaughtUp } from '../scripts/platform/consumer-lag';
import { entryPoint, startPlatformProcess, waitForHttp, type PlatformProcess } from '../scripts/platform/processes';
import { createBatchEnvironment, type BatchEnvironment } from '../test/support/batch';
import { uniqueName } from '../test/support/config';
import { freePort } from '../test/support/ports';
import type { LoadJob, LoadResult } from './_serve-load';
import { describeMachine, machineInfo } from './machine';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const RELOAD_TOKEN = 'serve-benchmark-reload-token';

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${name} must be a positive number`);
  return n;
}

function forkLoad(): ChildProcess {
  return fork(fileURLToPath(new URL('./_serve-load.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function runJob(child: ChildProcess, job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${job.series}: no answer from the load generator`)), (job.seconds + 300) * 1000);
    child.once('message', (message) => {
      clearTimeout(timer);
      const error = (message as { error?: string }).error;
      if (error) reject(new Error(`${job.series}: ${error}`));
      else resolve(message as LoadResult);
    });
    child.send(job);
  });
}

/** Resident memory of a process now and at its peak, in MB. */
function memoryOf(pid: number): { rss_mb: number; peak_rss_mb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss_mb: Math.round(kb('VmRSS') / 1024), peak_rss_mb: Math.round(kb('VmHWM') / 1024) };
}

interface Model {
  recommender: HybridRecommender;
  version: string;
  artifactBytes: number;
  fitSeconds: number;
  precomputeSeconds: number;
}

async function deployModel(env: BatchEnvironment, spec: string, movielensDir: string): Promise<Model> {
  const dataset = loadDataset(spec, movielensDir);
  const started = performance.now();
  const fitted = HybridRecommender.fit(buildUserItemMatrix(dataset.ratings), dataset.movies);
  const fitSeconds = (performance.now() - started) / 1000;
  const createdAt = new Date().toISOString();
  const precomputeStarted = performance.now();
  const artifact = await precomputeCandidates(serialize(fitted, { snapshotId: `bench-${spec}`, createdAt }), fitted.matrix.numUsers, { snapshotId: `bench-${spec}`, createdAt });
  const precomputeSeconds = (performance.now() - precomputeStarted) / 1000;
  const version = `bench-${spec.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  await env.store.put(modelKey(version), artifact);
  await writeManifest(env.store, {
    version,
    created_at: createdAt,
    run_date: createdAt.slice(0, 10),
    data_snapshot: { ratings_prefix: spec, ratings: fitted.matrix.colIdx.length, users: fitted.matrix.numUsers, movies: fitted.matrix.numMovies, checksum: '', bronze_watermark: {} },
    parameters: {},
    training: { fit_seconds: fitSeconds },
    artifact: { key: modelKey(version), bytes: artifact.length, sha256: createHash('sha256').update(artifact).digest('hex') },
  });
  await promote(env.store, version, new Date());
  return { recommender: fitted, version, artifactBytes: artifact.length, fitSeconds, precomputeSeconds };
}

interface Settings {
  concurrency: number;
  requests: number;
  seconds: number;
  rate: number;
  freshRate: number;
  lagTrials: number;
}

type ConfigurationResult = {
  replicas: number;
  series: Record<string, LoadResult & { ratio_to_healthz: number }>;
  ingest: { alone: LoadResult; under_recommendation_load: LoadResult; p99_ratio: number; under_paced_recommendation_load: LoadResult; paced_p99_ratio: number };
  freshness_lag: { trials: number; p50_ms: number; p99_ms: number; max_ms: number };
  memory: Record<string, { rss_mb: number; peak_rss_mb: number }>;
};

/** The paths of recommendation requests for `users`, drawn with a fixed seed. */
function recommendationPaths(users: number[], method: string, count: number, seed: number): string[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => `/recommendations/${users[Math.floor(random() * users.length)]}?method=${method}&limit=10`);
}

async function measureConfiguration(
  urls: string[],
  apis: PlatformProcess[],
  users: { plain: number[]; fresh: number[] },
  model: Model,
  settings: Settings,
  loads: [ChildProcess, ChildProcess],
  nextUser: () => number,
  drained: () => Promise<void>,
): Promise<ConfigurationResult> {
  const base = { urls, concurrency: settings.concurrency, requests: settings.requests, seconds: settings.seconds, warmup: Math.min(2000, Math.ceil(settings.requests / 10)) };
  const series: ConfigurationResult['series'] = {};
  const record = (result: LoadResult) => {
    const healthz = series.healthz?.requests_per_s ?? result.requests_per_s;
    series[result.series] = { ...result, ratio_to_healthz: Math.round((result.requests_per_s / healthz) * 100) / 100 };
    const r = series[result.series]!;
    console.log(`    ${r.series.padEnd(26)} ${String(r.requests).padStart(7)} ${String(r.failed).padStart(6)} ${String(r.requests_per_s).padStart(8)} ${r.p50_ms.toFixed(2).padStart(8)} ${r.p99_ms.toFixed(2).padStart(8)} ${r.max_ms.toFixed(2).padStart(8)} ${r.ratio_to_healthz.toFixed(2).padStart(6)}`);
  };
  console.log(`    ${'series'.padEnd(26)} requests failed    req/s   p50 ms   p99 ms   max ms  vs healthz`);
  record(await runJob(loads[0], { ...base, series: 'healthz', paths: ['/healthz'] }));
  for (const [s, method] of methods.entries()) {
    record(await runJob(loads[0], { ...base, series: method, paths: recommendationPaths(users.plain, method, 20_000, 100 + s) }));
    record(await runJob(loads[0], { ...base, series: `${method} fresh`, paths: recommendationPaths(users.fresh, method, 20_000, 200 + s) }));
  }
  for (const [s, method] of methods.entries()) {
    record(await runJob(loads[0], { ...base, series: `${method} @${settings.rate}/s`, rate: settings.rate, paths: recommendationPaths(users.plain, method, 20_000, 300 + s) }));
    record(await runJob(loads[0], { ...base, series: `${method} fresh @${settings.freshRate}/s`, rate: settings.freshRate, paths: recommendationPaths(users.fresh, method, 20_000, 400 + s) }));
  }

  // Ingest: single events for users the model does not know, paced, alone and beside a recommendation load.
  const ingestBodies = () => Array.from({ length: 5000 }, () => JSON.stringify({ user_id: nextUser(), movie_id: model.recommender.matrix.movieIds[0], rating: 4, timestamp: 1_700_000_000 }));
  const ingestJob = (series: string): LoadJob => ({ ...base, series, concurrency: 10, rate: 500, paths: ['/events'], bodies: ingestBodies() });
  const alone = await runJob(loads[0], ingestJob('ingest'));
  // Beside as many hybrid requests as the clients can make (the machine saturated), then beside a paced
  // hybrid load (`rate`, what a server is run at): the second separates what recommendations cost ingest
  // on the event loop from what a saturated machine costs the broker beside it. Each ingest series leaves
  // the fresh-rating writer a backlog (DynamoDB Local writes a few hundred items/s here); the next starts
  // once it is drained, as the first did, so that the recommendation load is all that differs.
  await drained();
  const [loaded] = await Promise.all([
    runJob(loads[0], ingestJob('ingest under load')),
    runJob(loads[1], { ...base, series: 'hybrid (beside ingest)', paths: recommendationPaths([...users.plain, ...users.fresh], 'hybrid', 20_000, 500) }),
  ]);
  await drained();
  const [paced] = await Promise.all([
    runJob(loads[0], ingestJob(`ingest under ${settings.rate}/s`)),
    runJob(loads[1], { ...base, series: `hybrid @${settings.rate}/s (beside ingest)`, rate: settings.rate, paths: recommendationPaths([...users.plain, ...users.fresh], 'hybrid', 20_000, 600) }),
  ]);
  for (const r of [alone, loaded, paced]) console.log(`    ${r.series.padEnd(26)} ${String(r.requests).padStart(7)} ${String(r.failed).padStart(6)} ${String(r.requests_per_s).padStart(8)} ${r.p50_ms.toFixed(2).padStart(8)} ${r.p99_ms.toFixed(2).padStart(8)} ${r.max_ms.toFixed(2).padStart(8)}`);

  // The lag is measured with the last series' backlog drained too.
  await drained();
  const lag = await freshnessLag(urls, users.plain, settings.lagTrials);
  console.log(`    freshness lag (202 → left out on ${urls.length === 1 ? 'the replica' : `all ${urls.length} replicas`}): p50 ${lag.p50_ms} ms, p99 ${lag.p99_ms} ms, max ${lag.max_ms} ms over ${lag.trials} ratings`);
  const memory = Object.fromEntries(apis.map((api) => [api.name, memoryOf(api.child.pid!)]));
  console.log(`    API memory: ${Object.entries(memory).map(([name, m]) => `${name} ${m.rss_mb} MB (peak ${m.peak_rss_mb} MB)`).join(', ')}`);
  const ratio = (r: LoadResult) => Math.round((r.p99_ms / alone.p99_ms) * 100) / 100;
  return {
    replicas: urls.length,
    series,
    ingest: { alone, under_recommendation_load: loaded, p99_ratio: ratio(loaded), under_paced_recommendation_load: paced, paced_p99_ratio: ratio(paced) },
    freshness_lag: lag,
    memory,
  };
}

async function answerIds(url: string, userId: number): Promise<number[]> {
  const body = (await (await fetch(`${url}/recommendations/${userId}?method=hybrid&limit=10`)).json()) as { items: { movie_id: number }[] };
  return body.items.map((i) => i.movie_id);
}

/** For each trial user: rate the top movie, then poll every replica until none shows it. */
async function freshnessLag(urls: string[], users: number[], trials: number): Promise<ConfigurationResult['freshness_lag']> {
  const lags: number[] = [];
  for (let t = 0; t < trials && t < users.length; t++) {
    const userId = users[users.length - 1 - t]!;
    const movieId = (await answerIds(urls[0]!, userId))[0]!;
    const response = await fetch(`${urls[0]}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: userId, movie_id: movieId, rating: 1, timestamp: 1_700_000_000 }) });
    if (response.status !== 202) throw new Error(`POST /events answered ${response.status}`);
    const accepted = performance.now();
    const pending = new Set(urls);
    while (pending.size > 0) {
      if (performance.now() - accepted > 30_000) throw new Error(`user ${userId}: movie ${movieId} still recommended 30 s after its rating`);
      for (const url of [...pending]) if (!(await answerIds(url, userId)).includes(movieId)) pending.delete(url);
      if (pending.size > 0) await sleep(10);
    }
    lags.push(performance.now() - accepted);
  }
  lags.sort((a, b) => a - b);
  const at = (p: number) => Math.round(lags[Math.min(lags.length - 1, Math.ceil(p * lags.length) - 1)]!);
  return { trials: lags.length, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: Math.round(lags.at(-1)!) };
}

/** Fresh ratings for `count` known users (three each, of movies they have not rated) and `fresh` new users (five each). */
async function postFreshRatings(url: string, model: HybridRecommender, users: number[], newUsers: number[]): Promise<number> {
  const popular = Array.from(model.quality.byQuality.subarray(0, 200), (i) => model.matrix.movieIds[i]!);
  const events: unknown[] = [];
  for (const userId of users) {
    const rated = new Set(model.ratedMovies(userId));
    for (const movieId of popular.filter((m) => !rated.has(m)).slice(0, 3)) events.push({ user_id: userId, movie_id: movieId, rating: 4.5, timestamp: 1_700_000_000 });
  }
  for (const userId of newUsers) for (const movieId of popular.slice(0, 5)) events.push({ user_id: userId, movie_id: movieId, rating: 5, timestamp: 1_700_000_000 });
  for (let i = 0; i < events.length; i += 500) {
    const response = await fetch(`${url}/events/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + 500)) });
    if (response.status !== 202) throw new Error(`POST /events/batch answered ${response.status}`);
  }
  return events.length;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      datasets: { type: 'string', default: 'ml-100k,synthetic:1e6:7' },
      concurrency: { type: 'string' },
      requests: { type: 'string' },
      seconds: { type: 'string' },
      rate: { type: 'string' },
      'fresh-rate': { type: 'string' },
      'lag-trials': { type: 'string' },
      sources: { type: 'boolean', default: false },
    },
  });
  const json = values.json;
  const datasets = values.datasets.split(',').filter((d) => d !== '');
  const settings: Settings = {
    concurrency: positive(values.concurrency, 50, '--concurrency'),
    requests: positive(values.requests, 20_000, '--requests'),
    seconds: positive(values.seconds, 8, '--seconds'),
    rate: positive(values.rate, 1000, '--rate'),
    freshRate: positive(values['fresh-rate'], 100, '--fresh-rate'),
    lagTrials: positive(values['lag-trials'], 50, '--lag-trials'),
  };
  const config = loadConfigOrExit();
  const buildDir = values.sources ? undefined : (await build(config.projectRoot, undefined, () => undefined)).outDir;
  console.log(`serve benchmark — ${describeMachine()}; the API and the consumer ${values.sources ? 'from the TypeScript sources (tsx)' : 'compiled'}`);
  console.log(`${settings.concurrency} clients; series of up to ${settings.requests} requests or ${settings.seconds} s after a warm-up; paced series at ${settings.rate} requests/s (${settings.freshRate} for users with fresh ratings); answer cache off; Kafka, MinIO, DynamoDB Local, the consumer, the APIs and the load generators share this machine\n`);
  const loads: [ChildProcess, ChildProcess] = [forkLoad(), forkLoad()];
  const results: Record<string, Record<string, ConfigurationResult & { model: Record<string, number> }>> = {};
  try {
    for (const spec of datasets) {
      const env = await createBatchEnvironment();
      const id = uniqueName('bench-serve');
      const processes: PlatformProcess[] = [];
      try {
        const model = await deployModel(env, spec, config.movielensDir);
        const { matrix } = model.recommender;
        console.log(`${spec}: ${matrix.colIdx.length} ratings, ${matrix.numUsers} users, ${matrix.numMovies} movies; artifact ${(model.artifactBytes / 2 ** 20).toFixed(1)} MiB; fit ${model.fitSeconds.toFixed(1)} s, candidate pools ${model.precomputeSeconds.toFixed(1)} s`);
        const overrides = {
          ...env.env,
          KAFKA_TOPIC: `${id}-events`,
          KAFKA_DLQ_TOPIC: `${id}-dlq`,
          KAFKA_GROUP_ID: `${id}-consumer`,
          RELOAD_TOKEN,
          API_RECOMMENDATION_CACHE_BYTES: '0',
          MODEL_POLL_INTERVAL_MS: '1000',
          LOG_LEVEL: 'warn',
        };
        const benchConfig = loadConfigOrExit({ ...process.env, ...overrides });
        await ensureTopics(createKafka(benchConfig.kafka, 'bench-serve'), [
          { topic: overrides.KAFKA_TOPIC, partitions: 3 },
          { topic: overrides.KAFKA_DLQ_TOPIC, partitions: 1 },
        ]);
        const logDir = path.join(config.localDir, 'logs', id);
        const start = async (name: string, entry: string, port?: number) => {
          const proc = startPlatformProcess({ name, entry, cwd: config.projectRoot, logDir, env: { ...process.env, ...overrides, ...(port ? { API_PORT: String(port), API_REPLICA_ID: `${id}-${name}` } : {}) } });
          processes.push(proc);
          if (port) {
            const url = `http://127.0.0.1:${port}`;
            await waitForHttp(`${url}/healthz`, proc, 120_000);
            for (let waited = 0; (await fetch(`${url}/readyz/serving`)).status !== 200; waited += 250) {
              if (waited > 600_000) throw new Error(`${name} did not load the model; see ${proc.logFile}`);
              await sleep(250);
            }
          }
          return proc;
        };
        await start('consumer', entryPoint('consumer/main.ts', buildDir));
        const ports = [await freePort(), await freePort(), await freePort()];
        const apis = [await start('api-a', entryPoint('api/main.ts', buildDir), ports[0])];
        const urls = ports.map((p) => `http://127.0.0.1:${p}`);

        const random = createRandom(7);
        const userIds = Array.from(matrix.userIds);
        const shuffled = userIds.map((u) => [random(), u] as const).sort((a, b) => a[0] - b[0]).map(([, u]) => u);
        const freshKnown = shuffled.slice(0, Math.min(300, Math.floor(userIds.length / 4)));
        let newUser = 2_000_000_000;
        const freshNew = Array.from({ length: 100 }, () => newUser--);
        const drained = () => waitForConsumerCaughtUp(createKafka(benchConfig.kafka, 'bench-serve'), benchConfig.kafka.topic, benchConfig.kafka.freshGroupId, { timeoutMs: 900_000 });
        const posted = performance.now();
        const freshEvents = await postFreshRatings(urls[0]!, model.recommender, freshKnown, freshNew);
        await drained();
        const drainSeconds = (performance.now() - posted) / 1000;
        console.log(`  fresh ratings: ${freshEvents} events for ${freshKnown.length} known and ${freshNew.length} new users, in DynamoDB after ${drainSeconds.toFixed(1)} s (${Math.round(freshEvents / drainSeconds)} events/s)`);
        const users = { plain: shuffled.slice(freshKnown.length), fresh: [...freshKnown, ...freshNew] };

        const configurations: Record<string, ConfigurationResult> = {};
        console.log('  1 replica');
        configurations['1-replica'] = await measureConfiguration(urls.slice(0, 1), apis, users, model, settings, loads, () => newUser--, drained);
        apis.push(await start('api-b', entryPoint('api/main.ts', buildDir), ports[1]), await start('api-c', entryPoint('api/main.ts', buildDir), ports[2]));
        console.log('  3 replicas');
        configurations['3-replicas'] = await measureConfiguration(urls, apis, { ...users, plain: users.plain.slice(0, -settings.lagTrials) }, model, settings, loads, () => newUser--, drained);
        const modelInfo = {
          ratings: matrix.colIdx.length,
          users: matrix.numUsers,
          movies: matrix.numMovies,
          artifact_bytes: model.artifactBytes,
          fit_s: Math.round(model.fitSeconds * 10) / 10,
          candidate_pools_s: Math.round(model.precomputeSeconds * 10) / 10,
          fresh_store_events_per_s: Math.round(freshEvents / drainSeconds),
        };
        results[spec] = Object.fromEntries(Object.entries(configurations).map(([name, result]) => [name, { model: modelInfo, ...result }]));
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
        env.close();
      }
    }
  } finally {
    for (const load of loads) load.kill();
  }
  if (json) console.log(JSON.stringify({ benchmark: 'serve', machine: machineInfo(), processes: values.sources ? 'sources' : 'compiled', settings, datasets: results }));
}
