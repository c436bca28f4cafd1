/**
 * The Python side of `npm test`: runs pytest on `test/airflow` in the project's Airflow virtualenv
 * (set up first when missing or stale) with the same environment as `npm run airflow`, and reads
 * the counts from pytest's JUnit XML report rather than from its console output.
 *
 *   tsx scripts/test-python.ts [pytest args…]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { loadConfigOrExit, type Config } from '../config';
import { airflowEnv, venvBin, venvIsCurrent } from './airflow/environment';
import { setupAirflow } from './airflow/setup';

export interface PythonTestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** pytest's exit code when it collected no tests: not a failure here. */
const NO_TESTS_COLLECTED = 5;

/** The attributes of a JUnit <testsuite> that hold its counts (absent ones count as 0). */
type JunitSuite = Partial<Record<'@_tests' | '@_failures' | '@_errors' | '@_skipped', string>>;

const junitParser = new XMLParser({ ignoreAttributes: false, isArray: (tagName) => tagName === 'testsuite' });

/** Sums the <testsuite> counts of a JUnit report (pytest writes one suite, others may write more). */
export function countsFromJunit(xml: string): PythonTestCounts {
  const report = junitParser.parse(xml) as { testsuites?: { testsuite?: JunitSuite[] }; testsuite?: JunitSuite[] };
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const suite of [...(report.testsuites?.testsuite ?? []), ...(report.testsuite ?? [])]) {
    const failed = Number(suite['@_failures'] ?? 0) + Number(suite['@_errors'] ?? 0);
    const skipped = Number(suite['@_skipped'] ?? 0);
    counts.failed += failed;
    counts.skipped += skipped;
    counts.passed += Math.max(0, Number(suite['@_tests'] ?? 0) - failed - skipped);
  }
  return counts;
}

function runPytest(config: Config, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvBin(config, 'python'), ['-m', 'pytest', ...args], {
      cwd: config.projectRoot,
      stdio: 'inherit',
      env: airflowEnv(config),
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export async function runPythonTests(config: Config, extraArgs: string[] = []): Promise<PythonTestCounts> {
  if (!venvIsCurrent(config)) await setupAirflow(config);
  mkdirSync(config.airflow.home, { recursive: true });
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'movie-rec-pytest-'));
  const report = path.join(reportDir, 'junit.xml');
  try {
    const code = await runPytest(config, [
      path.join('test', 'airflow'),
      '-p', 'no:cacheprovider',
      `--junitxml=${report}`,
      '-o', 'junit_family=xunit2',
      ...extraArgs,
    ]);
    let counts: PythonTestCounts;
    try {
      counts = countsFromJunit(readFileSync(report, 'utf8'));
    } catch {
      // No report: pytest stopped before running anything (usage or internal error).
      return { passed: 0, failed: code === NO_TESTS_COLLECTED ? 0 : 1, skipped: 0 };
    }
    // A non-zero exit that the report does not explain (e.g. a crash after the run) still fails.
    if (code !== 0 && code !== NO_TESTS_COLLECTED && counts.failed === 0) counts.failed = 1;
    return counts;
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const counts = await runPythonTests(loadConfigOrExit(), process.argv.slice(2));
  console.log(`\npython tests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
  return counts.failed === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
