/**
 * `npm test`: brings the local stack up (unless only unit tests are asked for), runs the mocha suites
 * and the Airflow pytest suite (in the project's Airflow virtualenv, set up when missing), and ends
 * with one line `tests: N passed, N failed[, N skipped]`.
 *
 *   npm test                      unit + integration + Airflow
 *   npm test -- --unit            unit tests only, no services
 *   npm test -- --grep <pattern>  only tests whose title matches
 *   npm test -- test/unit/x.test.ts …   only these files
 *
 * The whole suite runs in two lanes at once (the longest batch suites; everything else), then, alone, the
 * tests that stop, pause or restart a shared service, then pytest. `--lane <name> <files…>` is how a
 * lane runs: the stack is already up.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Mocha from 'mocha';
import { loadConfigOrExit } from '../config';
import { servicesUp } from './services/manager';
import { runLanes, type Counts } from './test-lanes';
import { runPythonTests } from './test-python';

/** Stop Kafka, restart Temporal, pause DynamoDB Local: these run alone, after the lanes. */
const DISRUPTIVE = [/integration\/services[^/]*\.test\.ts$/, /integration\/ingest\/broker-outage\.test\.ts$/, /integration\/serving\/fresh-and-replicas\.test\.ts$/];
/** The three batch suites that run whole workflows: one lane, about as long as everything else together. */
const BATCH_LANE = /integration\/batch\/(batch-workflow|resilience|operator-actions)\.test\.ts$/;

function add(a: Counts, b: Counts): Counts {
  return { passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped };
}

function findTests(dir: string): string[] {
  let found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found = found.concat(findTests(full));
    else if (entry.endsWith('.test.ts')) found.push(full);
  }
  return found.sort();
}

async function runMocha(files: string[], grep: string | undefined): Promise<Counts> {
  const mocha = new Mocha({ reporter: 'spec', timeout: 60_000, slow: 2_000, ...(grep ? { grep } : {}) });
  for (const file of files) mocha.addFile(file);
  await mocha.loadFilesAsync();
  return new Promise((resolve) => {
    const fileStarted = new Map<string, number>();
    const fileSeconds = new Map<string, number>();
    const runner = mocha.run(() => {
      printSlowestFiles(fileSeconds);
      const stats = runner.stats;
      resolve({ passed: stats?.passes ?? 0, failed: stats?.failures ?? 0, skipped: stats?.pending ?? 0 });
    });
    // Hooks (a suite's batch runs, its services) count with the file's tests: what the CI budget pays.
    runner.on('suite', (suite) => {
      if (suite.file && suite.parent?.root) fileStarted.set(suite.file, Date.now());
    });
    runner.on('suite end', (suite) => {
      const started = suite.file && suite.parent?.root ? fileStarted.get(suite.file) : undefined;
      if (suite.file && started !== undefined) fileSeconds.set(suite.file, (fileSeconds.get(suite.file) ?? 0) + (Date.now() - started) / 1000);
    });
  });
}

/** The files that took longest, hooks included, so a suite that outgrows the CI budget is visible. */
function printSlowestFiles(fileSeconds: Map<string, number>): void {
  const slowest = [...fileSeconds].sort((a, b) => b[1] - a[1]).slice(0, 12);
  if (slowest.length < 2) return;
  console.log('\nSlowest test files (hooks included):');
  for (const [file, seconds] of slowest) console.log(`  ${seconds.toFixed(1).padStart(7)} s  ${path.relative(process.cwd(), file)}`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { unit: { type: 'boolean', default: false }, grep: { type: 'string' }, lane: { type: 'string' } },
  });
  const { unit: unitOnly, grep, lane } = values;
  const explicit = positionals.map((f) => path.resolve(f));

  // The suites run many ml-100k batches: they skip choosing the blend (a second fit per run) and keep
  // item-cf on RP3β (EASE's dense solve takes seconds per fit on a small machine). The full-run batch
  // test runs the production values; a caller's environment wins.
  process.env.TUNING_MAX_USERS ??= '0';
  process.env.ITEM_CF_EASE_MAX_MOVIES ??= '0';
  const config = loadConfigOrExit();
  const testRoot = path.join(config.projectRoot, 'test');
  const files = explicit.length > 0 ? explicit : findTests(path.join(testRoot, 'unit')).concat(unitOnly ? [] : findTests(path.join(testRoot, 'integration')));
  const needsServices = files.some((f) => f.includes(`${path.sep}integration${path.sep}`));
  const wholeSuite = !unitOnly && explicit.length === 0 && grep === undefined;

  if (needsServices && lane === undefined) await servicesUp(config);
  let counts: Counts;
  if (wholeSuite) {
    const disruptive = files.filter((f) => DISRUPTIVE.some((pattern) => pattern.test(f)));
    const shared = files.filter((f) => !disruptive.includes(f));
    counts = await runLanes(
      [
        { name: 'batch', files: shared.filter((f) => BATCH_LANE.test(f)) },
        { name: 'other', files: shared.filter((f) => !BATCH_LANE.test(f)) },
      ],
      config.projectRoot,
      path.join(config.localDir, 'test-logs'),
    );
    console.log('\nTests that stop or restart a shared service, alone:');
    counts = add(counts, await runMocha(disruptive, undefined));
    console.log('\nAirflow tests (pytest):');
    counts = add(counts, await runPythonTests(config));
  } else {
    counts = await runMocha(files, grep);
  }
  console.log(`\ntests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
  return counts.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    console.log('\ntests: 0 passed, 1 failed');
    process.exit(1);
  },
);
