/**
 * The serving benchmark's load generator, in its own process: receives `{port, series, users, …}` over
 * IPC, keeps `concurrency` requests in flight on keep-alive connections until `requests` answers or
 * `seconds` elapse (whichever first), after a warm-up, and sends back throughput and latency.
 * Each recommendation request asks for a user drawn (seeded) from the model's users.
 */
import http from 'node:http';
import { createRandom } from '../recommender/random';

export interface LoadJob {
  port: number;
  /** `healthz` or a recommendation method. */
  series: string;
  users: number[];
  concurrency: number;
  requests: number;
  seconds: number;
  warmup: number;
  seed: number;
}

export interface LoadResult {
  series: string;
  requests: number;
  failed: number;
  seconds: number;
  requests_per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function get(agent: http.Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const random = createRandom(job.seed);
  const path = () =>
    job.series === 'healthz' ? '/healthz' : `/recommendations/${job.users[Math.floor(random() * job.users.length)]}?method=${job.series}&limit=10`;
  let issued = 0;
  let failed = 0;
  const latencies = new Float64Array(job.requests);
  let measured = 0;
  let measuring = false;
  let deadline = Infinity;
  const lane = async (budget: () => boolean) => {
    while (budget()) {
      issued++;
      const started = performance.now();
      const status = await get(agent, job.port, path()).catch(() => 0);
      if (!measuring) continue;
      if (status !== 200) failed++;
      else if (measured < latencies.length) latencies[measured++] = performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, () => lane(() => issued < job.warmup)));
  measuring = true;
  issued = 0;
  const started = performance.now();
  deadline = started + job.seconds * 1000;
  await Promise.all(Array.from({ length: job.concurrency }, () => lane(() => issued < job.requests && performance.now() < deadline)));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = latencies.slice(0, measured).sort();
  return {
    series: job.series,
    requests: measured,
    failed,
    seconds: round(elapsed),
    requests_per_s: Math.round(measured / elapsed),
    p50_ms: round(percentile(sorted, 0.5)),
    p90_ms: round(percentile(sorted, 0.9)),
    p99_ms: round(percentile(sorted, 0.99)),
    max_ms: round(sorted[sorted.length - 1] ?? NaN),
  };
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.(result),
    (err: unknown) => process.send?.({ error: err instanceof Error ? err.message : String(err) }),
  );
});
process.once('disconnect', () => process.exit(0));
