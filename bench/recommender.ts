/**
 * `npm run bench -- recommender [--sizes ml-100k,1e6,1e7] [--requests 300] [--baseline-requests 20] [--json]`
 *
 * Per dataset (each in its own process, for a clean peak RSS): fit time, artifact size and load time,
 * recommend latency p50/p99 per method, and the seed's algorithm written naively (every other user,
 * intersect co-rated movies, cosine) timed on the same users beside our user-based CF, with the speed-up.
 * Sizes are `ml-100k`, `ml-latest-small`, or a synthetic rating count (1e5 … 1e7).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { loadConfigOrExit } from '../config';
import { describeMachine, machineInfo } from './machine';

interface CaseResult {
  dataset: string;
  ratings: number;
  users: number;
  movies: number;
  content: string;
  fit_s: number;
  artifact_bytes: number;
  artifact_load_s: number;
  latency: Record<string, { p50_ms: number; p99_ms: number; max_ms: number }>;
  baseline: { requests: number; naive_mean_ms: number; ours_mean_ms: number; speedup_mean: number };
  peak_rss_mb: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));

function datasetSpec(size: string): string {
  return size.startsWith('ml-') ? size : `synthetic:${Number(size)}`;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      sizes: { type: 'string', default: 'ml-100k,1e6,1e7' },
      requests: { type: 'string', default: '300' },
      'baseline-requests': { type: 'string', default: '20' },
    },
  });
  const config = loadConfigOrExit();
  const results: CaseResult[] = [];
  for (const size of values.sizes.split(',').map((s) => s.trim()).filter(Boolean)) {
    const started = performance.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...process.execArgv, path.join(here, '_recommender-case.ts'), datasetSpec(size), config.movielensDir, values.requests, values['baseline-requests']],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as CaseResult;
    results.push(result);
    console.error(`${result.dataset}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  console.log(`recommender benchmark — ${describeMachine()}`);
  const header = ['dataset', 'ratings', 'users', 'movies', 'fit s', 'artifact MB', 'load s', 'user p50/p99 ms', 'item p50/p99 ms', 'hybrid p50/p99 ms', 'naive ms', 'ours ms', 'speed-up', 'peak RSS MB'];
  const rows = results.map((r) => {
    const l = (m: string): string => `${r.latency[m]!.p50_ms.toFixed(2)} / ${r.latency[m]!.p99_ms.toFixed(2)}`;
    return [
      r.dataset,
      String(r.ratings),
      String(r.users),
      String(r.movies),
      r.fit_s.toFixed(2),
      (r.artifact_bytes / 2 ** 20).toFixed(1),
      r.artifact_load_s.toFixed(2),
      l('user-based'),
      l('item-based'),
      l('hybrid'),
      r.baseline.naive_mean_ms.toFixed(1),
      r.baseline.ours_mean_ms.toFixed(2),
      `${r.baseline.speedup_mean.toFixed(1)}×`,
      r.peak_rss_mb.toFixed(0),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log(`latency over ${values.requests} users per dataset; naive vs ours: mean over ${values['baseline-requests']} of those users, same model data`);
  if (values.json) console.log(JSON.stringify({ bench: 'recommender', machine: machineInfo(), results }));
}
