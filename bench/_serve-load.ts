/**
 * The serving benchmark's load generator, in its own process: receives a job over IPC, keeps
 * `concurrency` requests in flight on keep-alive connections — spread round-robin over the job's
 * server URLs (client-side balancing over replicas) — until `requests` answers or `seconds` elapse,
 * after a warm-up, and sends back throughput and latency. With `rate`, the lanes together send at most
 * that many requests per second (each lane keeps its own schedule), so latency is measured below
 * saturation; without it, each lane sends its next request as soon as the last one is answered.
 */
import http from 'node:http';

export interface LoadJob {
  series: string;
  urls: string[];
  /** Request paths, used in turn; with `bodies`, requests are POSTs of the matching JSON body. */
  paths: string[];
  bodies?: string[];
  concurrency: number;
  requests: number;
  seconds: number;
  warmup: number;
  rate?: number;
}

export interface LoadResult {
  series: string;
  requests: number;
  failed: number;
  /** Failed requests by status (0: no answer: a connection error). */
  failures: Record<string, number>;
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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(agent: http.Agent, url: URL, path: string, body: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path, agent, method: body === undefined ? 'GET' : 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const urls = job.urls.map((u) => new URL(u));
  let next = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const latencies = new Float64Array(job.requests);
  let measured = 0;
  let measuring = false;
  const interval = job.rate ? (1000 * job.concurrency) / job.rate : 0;
  const lane = async (lane: number, budget: () => boolean) => {
    let due = performance.now() + (interval * lane) / job.concurrency;
    while (budget()) {
      if (interval > 0) {
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        due += interval;
      }
      const k = next++;
      const started = performance.now();
      const status = await send(agent, urls[k % urls.length]!, job.paths[k % job.paths.length]!, job.bodies?.[k % job.bodies.length]).catch(() => 0);
      if (!measuring) continue;
      if (status < 200 || status >= 300) {
        failed++;
        failures[status] = (failures[status] ?? 0) + 1;
      }
      else if (measured < latencies.length) latencies[measured++] = performance.now() - started;
    }
  };
  let issued = 0;
  const counted = (limit: number) => () => issued++ < limit;
  await Promise.all(Array.from({ length: job.concurrency }, (_, l) => lane(l, counted(job.warmup))));
  measuring = true;
  issued = 0;
  const started = performance.now();
  const deadline = started + job.seconds * 1000;
  await Promise.all(Array.from({ length: job.concurrency }, (_, l) => lane(l, () => issued++ < job.requests && performance.now() < deadline)));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = latencies.slice(0, measured).sort();
  return {
    series: job.series,
    requests: measured,
    failed,
    failures,
    seconds: round(elapsed),
    requests_per_s: Math.round(measured / elapsed),
    p50_ms: round(percentile(sorted, 0.5)),
    p90_ms: round(percentile(sorted, 0.9)),
    p99_ms: round(percentile(sorted, 0.99)),
    max_ms: round(sorted[sorted.length - 1] ?? NaN),
  };
}

process.on('message', (job: LoadJob) => {
  runLoad(job).then(
    (result) => process.send?.(result),
    (err: unknown) => process.send?.({ error: err instanceof Error ? err.message : String(err) }),
  );
});
process.once('disconnect', () => process.exit(0));
