/**
 * `npm run evaluate -- --dataset <ml-100k | ml-latest-small | synthetic:N | PATH> --protocol <kfold|stratified|temporal>
 *  [--seed N] [--params JSON] [--tune USERS] [--export DIR] [--split DIR] [--json]`: evaluates every method of `evaluatedMethods` on one
 * dataset and prints a table beside the published anchors (SPEC §7); with --json the last line is the JSON summary at K=10.
 * --params overrides model parameters (a partial HybridParams, e.g. '{"userCf":{"shrinkage":50}}'), to compare settings.
 * --export DIR writes DIR/train.csv, DIR/test.csv (the exact rows) and DIR/recommendations.csv (every method's top 10 per
 * test user); --split DIR scores the train/test pair in DIR instead of splitting (the catalog still comes from --dataset).
 * Item-cf's EASE threshold comes from ITEM_CF_EASE_MAX_MOVIES, as in the batch (--params can override it).
 * --tune USERS chooses the hybrid's blend as the batch does, on a validation split of each training part (USERS validation
 * users scored), and prints what it tried and chose.
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config';
import { defaultItemCfParams, evaluate, usesEase, loadDataset, protocols, ratingCount, SplitCsvError, summarise } from '../recommender';
import type { EvaluationSummary, HybridParams, Protocol, RatingSplit } from '../recommender';
import { readSplitDir, writeEvaluationExport } from './evaluation-files';

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
    { source: 'MS Recommenders BiVAE', precision: 0.412, ndcg: 0.475 },
  ],
};

function format(value: number | undefined, digits = 4): string {
  return value === undefined ? '' : value.toFixed(digits);
}

function printTable(summary: EvaluationSummary, extra: string): void {
  const k = summary.k;
  const columns = ['method', 'RMSE', 'MAE', `P@${k}`, `R@${k}`, `NDCG@${k}`, `MAP@${k}`, 'coverage', 'novelty', 'ARP'];
  const rows = summary.results.map((r) => [
    r.method,
    format(r.metrics.rmse),
    format(r.metrics.mae),
    format(r.metrics[`precision@${k}`]),
    format(r.metrics[`recall@${k}`]),
    format(r.metrics[`ndcg@${k}`]),
    format(r.metrics[`map@${k}`]),
    format(r.metrics.coverage),
    format(r.metrics.novelty),
    format(r.metrics.arp, 1),
  ]);
  for (const a of anchors[`${summary.dataset}/${summary.protocol}`] ?? []) {
    rows.push([`${a.source} (published)`, format(a.rmse), '', format(a.precision), '', format(a.ndcg), '', '', '', '']);
  }
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`${summary.dataset}, protocol ${summary.protocol}, ${extra}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string', default: 'ml-100k' },
      protocol: { type: 'string', default: 'stratified' },
      seed: { type: 'string', default: '42' },
      params: { type: 'string' },
      export: { type: 'string' },
      split: { type: 'string' },
      tune: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const protocol = values.protocol as Protocol;
  if (!protocols.includes(protocol)) fail(`--protocol must be one of ${protocols.join(', ')}`);
  const seed = Number(values.seed);
  // The stratified split seeds NumPy's generator, which takes 0 .. 2^32 - 1.
  if (!/^\d+$/.test(values.seed) || !(seed <= 0xffffffff)) fail(`--seed must be an integer from 0 to 4294967295, got ${values.seed}`);
  if (values.export !== undefined && protocol === 'kfold' && values.split === undefined) fail('--export needs a single split: use --protocol stratified or temporal (or --split DIR)');
  const tuneUsers = values.tune === undefined ? undefined : Number(values.tune);
  if (tuneUsers !== undefined && !(Number.isInteger(tuneUsers) && tuneUsers > 0)) fail(`--tune must be a positive number of validation users, got ${values.tune}`);
  const config = loadConfigOrExit();
  const started = performance.now();
  const dataset = loadDataset(values.dataset, config.movielensDir);
  let split: RatingSplit | undefined;
  try {
    split = values.split === undefined ? undefined : readSplitDir(values.split);
  } catch (err) {
    if (err instanceof SplitCsvError) fail(err.message);
    throw err;
  }
  const given = values.params === undefined ? undefined : (JSON.parse(values.params) as Partial<HybridParams>);
  // As the batch fits: with the deployment's EASE threshold, unless --params says otherwise.
  const params: Partial<HybridParams> = { ...given, itemCf: { ...defaultItemCfParams, easeMaxMovies: config.batch.itemCf.easeMaxMovies, ...given?.itemCf } };
  const result = evaluate(dataset, {
    protocol,
    seed,
    ks: [10],
    params,
    ...(split ? { split } : {}),
    ...(tuneUsers !== undefined ? { tune: { maxUsers: tuneUsers } } : {}),
    ...(values.export !== undefined ? { keepLists: true } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const summary = summarise(result, values.dataset, 10);
  const ratings = split ? `split from ${values.split} (${split.train.userIds.length} train + ${split.test.userIds.length} test ratings)` : `${ratingCount(dataset.ratings)} ratings`;
  printTable(
    summary,
    `${ratings}, ${result.splits} split(s), ${result.testUsers} test users (summed over splits), seed ${result.seed}, ${seconds.toFixed(1)} s${values.params ? `, params ${values.params}` : ''}`,
  );
  for (const [s, tuning] of (result.tuning ?? []).entries()) {
    const table = (t: (typeof tuning.trials)[number]) => (usesEase(tuning.params.itemCf) ? `λ ${t.easeLambda}` : `β ${t.beta}`);
    const tried = tuning.trials.map((t) => `${table(t)}, weights ${t.weights.userCf}/${t.weights.itemCf}/${t.weights.content}/${t.weights.als}: ${t.ndcg.toFixed(4)}`);
    console.log(`split ${s + 1}: tuned on ${tuning.validationUsers} validation users (NDCG@10, weights user-based/item-cf/content/ALS): ${tried.join('; ')}`);
    console.log(`split ${s + 1}: chose ${JSON.stringify(tuning.params)}`);
  }
  if (values.export !== undefined && result.lists) console.log(`wrote ${writeEvaluationExport(values.export, result.lists).join(', ')}`);
  if (values.json) console.log(JSON.stringify(summary));
}

main();
