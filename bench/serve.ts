/**
 * `npm run bench -- serve [--json] [--datasets ml-100k,synthetic:1e6:7] [--concurrency 50] [--requests N] [--seconds S]`
 *
 * Throughput and latency of `GET /recommendations/:user_id` per method, side by side with `GET /healthz`
 * on the same server (the framework-overhead baseline), at a fixed concurrency. The server is the real
 * app in its own process on a loopback port, with a model fitted on each dataset, run twice: as
 * configured (with the per-model answer cache) and with the cache off (every answer computed); the
 * load generator is another process. Each series runs until N answers or S seconds, after a warm-up; users are drawn from
 * the model's users with a fixed seed.
 * Targets: p99 ≤ 15 ms for every method on ml-100k; recommendation throughput ≥ 50% of /healthz's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadResult } from './_serve-load';
import { describeMachine, machineInfo } from './machine';

const SERIES = ['healthz', 'user-based', 'item-based', 'hybrid'] as const;
const P99_TARGET_MS = 15;
const THROUGHPUT_RATIO_TARGET = 0.5;
const SERVER_START_LIMIT_MS = 300_000;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${name} must be a positive number`);
  return n;
}

function forkChild(script: string, args: string[]): ChildProcess {
  return fork(fileURLToPath(new URL(script, import.meta.url)), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => reject(new Error(`${what}: process exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      const error = (message as { error?: string }).error;
      if (error) reject(new Error(`${what}: ${error}`));
      else resolve(message as T);
    });
  });
}

/** `cached`: the app as configured (per-model answer cache); `uncached`: cache off, every answer computed. */
const VARIANTS = ['cached', 'uncached'] as const;
type Variant = (typeof VARIANTS)[number];

type SeriesResult = LoadResult & { ratio_to_healthz: number; cache_hit_ratio: number | null };

interface ServerResult {
  model: Record<string, number>;
  series: Record<string, SeriesResult>;
}

/** The server's cache counters, read from its /metrics between series. */
async function cacheCounts(port: number): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const count = (result: string) => Number(new RegExp(`^movie_rec_recommendation_cache_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hit: count('hit'), miss: count('miss') };
}

interface ServerReady {
  port: number;
  users: number[];
  model: Record<string, number>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const datasets = (option(args, '--datasets') ?? 'ml-100k,synthetic:1e6:7').split(',').filter((d) => d !== '');
  const concurrency = positive(option(args, '--concurrency'), 50, '--concurrency');
  const requests = positive(option(args, '--requests'), 30_000, '--requests');
  const seconds = positive(option(args, '--seconds'), 10, '--seconds');
  const warmup = Math.min(2_000, Math.ceil(requests / 10));

  console.log(`serve benchmark — ${describeMachine()}`);
  console.log(`concurrency ${concurrency}; each series: up to ${requests} requests or ${seconds} s after ${warmup} warm-up requests; server and load generator in separate processes on loopback\n`);

  const load = forkChild('./_serve-load.ts', []);
  const results: Record<string, Record<Variant, ServerResult>> = {};
  try {
    for (const dataset of datasets) {
      const variants = {} as Record<Variant, ServerResult>;
      for (const variant of VARIANTS) {
        const server = forkChild('./_serve-server.ts', variant === 'cached' ? [dataset] : [dataset, '0']);
        try {
          const ready = await nextMessage<ServerReady>(server, `server (${dataset}, ${variant})`, SERVER_START_LIMIT_MS);
          const series: Record<string, SeriesResult> = {};
          for (const [s, name] of SERIES.entries()) {
            const before = await cacheCounts(ready.port);
            const job: LoadJob = { port: ready.port, series: name, users: ready.users, concurrency, requests, seconds, warmup, seed: 1000 + s };
            load.send(job);
            const result = await nextMessage<LoadResult>(load, `load (${dataset}, ${variant}, ${name})`, (seconds + 120) * 1000);
            const after = await cacheCounts(ready.port);
            const baseline = series.healthz?.requests_per_s ?? result.requests_per_s;
            const lookups = after.hit + after.miss - before.hit - before.miss;
            series[name] = {
              ...result,
              ratio_to_healthz: Math.round((result.requests_per_s / baseline) * 100) / 100,
              cache_hit_ratio: lookups > 0 ? Math.round(((after.hit - before.hit) / lookups) * 100) / 100 : null,
            };
          }
          variants[variant] = { model: ready.model, series };
        } finally {
          await stopChild(server);
        }
      }
      results[dataset] = variants;
    }
  } finally {
    await stopChild(load);
  }

  for (const [dataset, variants] of Object.entries(results)) {
    const { model } = variants.cached;
    console.log(`${dataset}: ${model.ratings} ratings, ${model.users} users, ${model.movies} movies; artifact ${(model.artifact_bytes! / 2 ** 20).toFixed(1)} MiB, reload ${Math.round(model.reload_ms!)} ms`);
    console.log('  server    series        requests  failed      req/s   p50 ms   p90 ms   p99 ms   max ms  vs /healthz  cache hits');
    for (const variant of VARIANTS) {
      for (const r of Object.values(variants[variant].series)) {
        console.log(
          `  ${variant.padEnd(9)} ${r.series.padEnd(12)} ${String(r.requests).padStart(9)} ${String(r.failed).padStart(7)} ${String(r.requests_per_s).padStart(10)} ${r.p50_ms.toFixed(2).padStart(8)} ${r.p90_ms.toFixed(2).padStart(8)} ${r.p99_ms.toFixed(2).padStart(8)} ${r.max_ms.toFixed(2).padStart(8)} ${r.ratio_to_healthz.toFixed(2).padStart(11)} ${(r.cache_hit_ratio === null ? '-' : `${Math.round(r.cache_hit_ratio * 100)}%`).padStart(11)}`,
        );
      }
    }
  }
  const targets = Object.fromEntries(
    Object.entries(results).flatMap(([dataset, variants]) =>
      VARIANTS.map((variant) => {
        const methods = SERIES.filter((s) => s !== 'healthz').map((s) => variants[variant].series[s]!);
        return [`${dataset}/${variant}`, { p99_within_15ms: methods.every((r) => r.p99_ms <= P99_TARGET_MS), throughput_at_least_half_of_healthz: methods.every((r) => r.ratio_to_healthz >= THROUGHPUT_RATIO_TARGET) }];
      }),
    ),
  );
  console.log('\ntargets (p99 ≤ 15 ms is set for ml-100k; throughput ≥ 50% of /healthz on the same server):');
  for (const [name, met] of Object.entries(targets)) console.log(`  ${name.padEnd(28)} p99 ≤ 15 ms: ${met.p99_within_15ms ? 'met' : 'missed'}; throughput ≥ 50% of /healthz: ${met.throughput_at_least_half_of_healthz ? 'met' : 'missed'}`);
  if (json) console.log(JSON.stringify({ benchmark: 'serve', machine: machineInfo(), concurrency, requests, seconds, warmup, datasets: results, targets }));
}
