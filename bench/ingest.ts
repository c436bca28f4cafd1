/**
 * `npm run bench -- ingest [--json] [--seconds N] [--concurrency 1,10,100,200] [--drain-events N]`
 *
 * 1. API throughput: a bounded load generator posts single events over loopback to three API processes
 *    on the same broker — the coalescing producer with the configured linger, the same with linger 0
 *    (a batch leaves as soon as none is in flight), and the seed's design (one awaited send per
 *    request) — at each concurrency in turn; events/s and p50/p99 latency of acknowledged requests.
 * 2. Consumer drain: the topic is topped up to N events, then the consumer stores them into S3 bronze.
 * 3. End-to-end lag: with the consumer running, load at 100 clients; time from the API's 202 to the
 *    event's object stored in S3 (and its offset committed).
 * Everything runs on a fresh topic and S3 prefix, deleted at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config';
import { createKafkaBatchSender } from '../adapters/kafka/batch-sender';
import { createKafka } from '../adapters/kafka/client';
import { ensureTopics } from '../adapters/kafka/topics';
import { createS3Client } from '../adapters/s3/client';
import { startBronzeConsumer } from '../consumer/bronze-consumer';
import { eventMessage } from '../domain/events';
import { describeMachine, machineInfo } from './machine';

/** `coalescing` runs with the configured linger (KAFKA_LINGER_MS, 20 ms by default); `coalescing_linger0` sends as soon as no batch is in flight. */
type Variant = 'coalescing' | 'coalescing_linger0' | 'naive';
const VARIANTS: Variant[] = ['coalescing', 'coalescing_linger0', 'naive'];
const MAX_REQUESTS_PER_RUN = 300_000;
const WAIT_LIMIT_MS = 120_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function randomEvent() {
  return {
    user_id: 1 + Math.floor(Math.random() * 10_000),
    movie_id: 1 + Math.floor(Math.random() * 5_000),
    rating: 0.5 + Math.floor(Math.random() * 10) * 0.5,
    timestamp: Math.floor(Date.now() / 1000),
  };
}

async function startServer(config: Config, variant: Variant): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/_ingest-server.ts', variant === 'naive' ? 'naive' : 'coalescing'], {
    cwd: config.projectRoot,
    env: { ...process.env, KAFKA_TOPIC: config.kafka.topic, LOG_LEVEL: 'silent', KAFKA_LINGER_MS: String(variant === 'coalescing_linger0' ? 0 : config.kafka.lingerMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /\{"port":\d+\}/.exec(out);
      if (line) resolve((JSON.parse(line[0]) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${variant} server exited (${code})`)));
  });
  return { port, child };
}

interface LoadResult {
  concurrency: number;
  requests: number;
  failed: number;
  events_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

/** `concurrency` clients, each posting one event at a time, for `seconds` (or MAX_REQUESTS_PER_RUN). */
async function load(port: number, concurrency: number, seconds: number, onAck?: (eventId: string) => void): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let failed = 0;
  let issued = 0;
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/events', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stopAt && issued < MAX_REQUESTS_PER_RUN) {
        issued++;
        const t0 = performance.now();
        const res = await post(JSON.stringify(randomEvent()));
        if (res.status === 202) {
          latencies.push(performance.now() - t0);
          onAck?.((JSON.parse(res.text) as { event_id: string }).event_id);
        } else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { concurrency, requests: issued, failed, events_per_s: Math.round(latencies.length / elapsed), p50_ms: round(percentile(latencies, 0.5)), p99_ms: round(percentile(latencies, 0.99)) };
}

async function topicCount(config: Config): Promise<number> {
  const admin = createKafka(config.kafka, 'bench-admin').admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(config.kafka.topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function topUp(config: Config, total: number): Promise<void> {
  const missing = total - (await topicCount(config));
  if (missing <= 0) return;
  const sender = createKafkaBatchSender(createKafka(config.kafka, 'bench-filler'), config.kafka.topic);
  await sender.start();
  try {
    for (let sent = 0; sent < missing; sent += 1000) {
      const n = Math.min(1000, missing - sent);
      await sender.send(Array.from({ length: n }, () => eventMessage({ event_id: randomUUID(), ...randomEvent(), timestamp: new Date().toISOString() })));
    }
  } finally {
    await sender.disconnect();
  }
}

async function cleanUp(config: Config, s3: S3Client): Promise<void> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: `${config.s3.bronzePrefix}/`, ContinuationToken: token }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: config.s3.bucket, Delete: { Objects: keys, Quiet: true } }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const admin = createKafka(config.kafka, 'bench-admin').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [config.kafka.topic, config.kafka.dlqTopic] });
  } finally {
    await admin.disconnect();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      seconds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '1,10,100,200' },
      'drain-events': { type: 'string', default: '200000' },
    },
  });
  const json = values.json;
  const seconds = Number(values.seconds);
  const concurrencies = values.concurrency.split(',').map(Number);
  const drainEvents = Number(values['drain-events']);
  if (!concurrencies.includes(100)) concurrencies.push(100);
  const name = `bench-ingest-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({ ...process.env, KAFKA_TOPIC: `${name}-events`, KAFKA_DLQ_TOPIC: `${name}-dlq`, KAFKA_GROUP_ID: `${name}-group`, S3_BRONZE_PREFIX: `bench/${name}/bronze/user-events` });
  await ensureTopics(createKafka(config.kafka, 'bench-admin'), [
    { topic: config.kafka.topic, partitions: config.kafka.topicPartitions },
    { topic: config.kafka.dlqTopic, partitions: 1 },
  ]);
  const s3 = createS3Client(config.s3);
  const servers = new Map<Variant, { port: number; child: ChildProcess }>();
  try {
    for (const variant of VARIANTS) servers.set(variant, await startServer(config, variant));
    const port = (variant: Variant) => (servers.get(variant) as { port: number }).port;
    for (const variant of VARIANTS) await load(port(variant), 20, 1); // warm-up: JIT, connections, producer id

    // 1. API throughput, every design at each concurrency, alternating.
    const results: Record<Variant, LoadResult[]> = { coalescing: [], coalescing_linger0: [], naive: [] };
    for (const c of concurrencies) for (const variant of VARIANTS) results[variant].push(await load(port(variant), c, seconds));
    for (const [, server] of servers) server.child.kill('SIGTERM');

    // 2. Consumer drain into S3.
    await topUp(config, drainEvents);
    const total = await topicCount(config);
    let stored = 0;
    let firstBatchAt = 0;
    let firstBatchEvents = 0;
    let lastBatchAt = 0;
    const ackTimes = new Map<string, number>();
    const lags: number[] = [];
    const consumerStarted = performance.now();
    const consumer = await startBronzeConsumer({
      kafka: createKafka(config.kafka, 'bench-consumer'),
      kafkaConfig: config.kafka,
      s3,
      bucket: config.s3.bucket,
      prefix: config.s3.bronzePrefix,
      logger: pino({ level: 'silent' }),
      onBatch: ({ result, messages }) => {
        const now = performance.now();
        const events = result.objects.reduce((sum, o) => sum + o.lines, 0);
        if (firstBatchAt === 0) {
          firstBatchAt = now;
          firstBatchEvents = events;
        }
        stored += events;
        lastBatchAt = now;
        for (const m of messages) {
          const acked = ackTimes.get((JSON.parse(m.value?.toString() ?? '{}') as { event_id?: string }).event_id ?? '');
          if (acked !== undefined) lags.push(now - acked);
        }
      },
    });
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (stored < total && Date.now() < deadline) await sleep(50);
    const drain = {
      events: stored,
      events_per_s: Math.round((stored - firstBatchEvents) / ((lastBatchAt - firstBatchAt) / 1000)),
      including_group_join_s: round((lastBatchAt - consumerStarted) / 1000, 2),
    };

    // 3. End-to-end lag: API 202 → object in S3, with the consumer caught up and running.
    const lagServer = await startServer(config, 'coalescing');
    servers.set('coalescing', lagServer);
    const lagLoad = await load(lagServer.port, 100, seconds, (id) => ackTimes.set(id, performance.now()));
    while (lags.length < ackTimes.size && Date.now() < deadline + WAIT_LIMIT_MS) await sleep(50);
    lagServer.child.kill('SIGTERM');
    await consumer.stop();
    lags.sort((a, b) => a - b);
    const lag = { events: lags.length, load_events_per_s: lagLoad.events_per_s, p50_ms: round(percentile(lags, 0.5)), p99_ms: round(percentile(lags, 0.99)), max_ms: round(lags.at(-1) ?? NaN) };

    const at100 = (variant: Variant) => results[variant].find((r) => r.concurrency === 100) as LoadResult;
    const ratioOf = (variant: Variant) => round(at100(variant).events_per_s / at100('naive').events_per_s, 2);
    const ratio = ratioOf('coalescing');
    const bestOf = (variant: Variant) => results[variant].filter((r) => r.p99_ms <= 100).sort((a, b) => b.events_per_s - a.events_per_s)[0] ?? null;
    const row = (r: LoadResult) => `${String(r.events_per_s).padStart(8)} ${String(r.p50_ms).padStart(7)} ${String(r.p99_ms).padStart(7)}`;

    console.log(`ingest benchmark — ${describeMachine()}; Kafka and MinIO on the same machine`);
    console.log(`API: single-event POST /events over loopback, ${seconds} s per run, linger ${config.kafka.lingerMs} ms, batch cap ${config.kafka.batchMaxMessages}`);
    console.log(`columns per design: events/s, p50 ms, p99 ms; ratio = coalescing (linger ${config.kafka.lingerMs} ms) ÷ naive`);
    console.log(`${'clients'.padStart(8)} | ${`coalescing ${config.kafka.lingerMs} ms`.padEnd(24)} | ${'coalescing linger 0'.padEnd(24)} | ${'naive (send per request)'.padEnd(24)} | ratio`);
    results.coalescing.forEach((co, i) => {
      const l0 = results.coalescing_linger0[i] as LoadResult;
      const na = results.naive[i] as LoadResult;
      console.log(`${String(co.concurrency).padStart(8)} | ${row(co)} | ${row(l0)} | ${row(na)} | ${round(co.events_per_s / na.events_per_s, 2)}`);
    });
    const failures = VARIANTS.flatMap((v) => results[v]).reduce((sum, r) => sum + r.failed, 0);
    console.log(`ratio at 100 clients: ${ratio} (linger 0: ${ratioOf('coalescing_linger0')}); failed requests: ${failures}`);
    for (const variant of ['coalescing', 'coalescing_linger0'] as const) {
      const best = bestOf(variant);
      console.log(`best ${variant} run with p99 <= 100 ms: ${best ? `${best.events_per_s} events/s at ${best.concurrency} clients (p99 ${best.p99_ms} ms)` : 'none'}`);
    }
    console.log(`consumer drain: ${drain.events} events, ${drain.events_per_s} events/s steady (${drain.including_group_join_s} s including the group join)`);
    console.log(`end-to-end lag (202 → stored in S3 and committed), ${lag.events} events at ${lag.load_events_per_s} events/s: p50 ${lag.p50_ms} ms, p99 ${lag.p99_ms} ms, max ${lag.max_ms} ms`);
    if (json) {
      console.log(
        JSON.stringify({
          benchmark: 'ingest',
          machine: machineInfo(),
          seconds_per_run: seconds,
          linger_ms: config.kafka.lingerMs,
          coalescing: { events_per_s: at100('coalescing').events_per_s, p99_ms: at100('coalescing').p99_ms, p50_ms: at100('coalescing').p50_ms, runs: results.coalescing },
          coalescing_linger0: { events_per_s: at100('coalescing_linger0').events_per_s, p99_ms: at100('coalescing_linger0').p99_ms, p50_ms: at100('coalescing_linger0').p50_ms, runs: results.coalescing_linger0 },
          naive: { events_per_s: at100('naive').events_per_s, p99_ms: at100('naive').p99_ms, p50_ms: at100('naive').p50_ms, runs: results.naive },
          ratio,
          ratio_linger0: ratioOf('coalescing_linger0'),
          failed_requests: failures,
          best_within_p99_100ms: { coalescing: bestOf('coalescing'), coalescing_linger0: bestOf('coalescing_linger0') },
          consumer_drain: drain,
          end_to_end_lag: lag,
        }),
      );
    }
  } finally {
    for (const [, server] of servers) if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await cleanUp(config, s3);
    s3.destroy();
  }
}
