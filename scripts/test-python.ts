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

/** Sums the <testsuite> attributes of a JUnit report (pytest writes one suite, others may write more). */
export function countsFromJunit(xml: string): PythonTestCounts {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const match of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attrs = match[1] ?? '';
    const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(attrs)?.[1] ?? 0);
    const failed = attr('failures') + attr('errors');
    const skipped = attr('skipped');
    counts.failed += failed;
    counts.skipped += skipped;
    counts.passed += Math.max(0, attr('tests') - failed - skipped);
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
