/**
 * `npm run evaluate -- --dataset <ml-100k | ml-latest-small | synthetic:N | PATH> --protocol <kfold|stratified|temporal>
 *  [--seed N] [--params JSON] [--json]`: evaluates user-based, item-based, hybrid and most-popular on one dataset and prints
 * a table beside the published anchors (SPEC §7); with --json the last line is the JSON summary at K=10.
 * --params overrides model parameters (a partial HybridParams, e.g. '{"userCf":{"shrinkage":50}}'), to compare settings.
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config';
import { evaluate, loadDataset, protocols, ratingCount, summarise } from '../recommender';
import type { EvaluationSummary, HybridParams, Protocol } from '../recommender';

interface Anchor {
  source: string;
  rmse?: number;
  precision?: number;
  ndcg?: number;
}

/** Published figures on the same data and protocol (SPEC §7). */
const anchors: Record<string, Anchor[]> = {
  'ml-100k/kfold': [
    { source: 'Surprise KNNBasic', rmse: 0.98 },
    { source: 'Surprise KNNWithMeans', rmse: 0.951 },
    { source: 'Surprise BaselineOnly', rmse: 0.944 },
    { source: 'Surprise KNNBaseline', rmse: 0.931 },
  ],
  'ml-100k/stratified': [
    { source: 'MS Recommenders SAR', precision: 0.334, ndcg: 0.388 },
    { source: 'MS Recommenders BPR', precision: 0.388, ndcg: 0.442 },
  ],
};

function format(value: number | undefined): string {
  return value === undefined ? '' : value.toFixed(4);
}

function printTable(summary: EvaluationSummary, extra: string): void {
  const k = summary.k;
  const columns = ['method', 'RMSE', 'MAE', `P@${k}`, `R@${k}`, `NDCG@${k}`, `MAP@${k}`, 'coverage'];
  const rows = summary.results.map((r) => [
    r.method,
    format(r.metrics.rmse),
    format(r.metrics.mae),
    format(r.metrics[`precision@${k}`]),
    format(r.metrics[`recall@${k}`]),
    format(r.metrics[`ndcg@${k}`]),
    format(r.metrics[`map@${k}`]),
    format(r.metrics.coverage),
  ]);
  for (const a of anchors[`${summary.dataset}/${summary.protocol}`] ?? []) {
    rows.push([`${a.source} (published)`, format(a.rmse), '', format(a.precision), '', format(a.ndcg), '', '']);
  }
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`${summary.dataset}, protocol ${summary.protocol}, ${extra}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

function main(): void {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string', default: 'ml-100k' },
      protocol: { type: 'string', default: 'stratified' },
      seed: { type: 'string', default: '42' },
      params: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const protocol = values.protocol as Protocol;
  if (!protocols.includes(protocol)) {
    console.error(`--protocol must be one of ${protocols.join(', ')}`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const started = performance.now();
  const dataset = loadDataset(values.dataset, config.movielensDir);
  const params = values.params === undefined ? undefined : (JSON.parse(values.params) as Partial<HybridParams>);
  const result = evaluate(dataset, { protocol, seed: Number(values.seed), ks: [10], ...(params ? { params } : {}) });
  const seconds = (performance.now() - started) / 1000;
  const summary = summarise(result, values.dataset, 10);
  printTable(
    summary,
    `${ratingCount(dataset.ratings)} ratings, ${result.splits} split(s), ${result.testUsers} test users (summed over splits), seed ${result.seed}, ${seconds.toFixed(1)} s${values.params ? `, params ${values.params}` : ''}`,
  );
  if (values.json) console.log(JSON.stringify(summary));
}

main();
