/**
 * Runs groups of test files at the same time, each in a mocha process of its own (`scripts/test.ts
 * --lane <name> <files…>`), and sums their counts. Most integration tests wait on services (a
 * heartbeat timeout, a retry's backoff, Kafka, DynamoDB Local) rather than compute, so two lanes on
 * two cores finish well before one would. A lane's output goes to its own log and is printed whole
 * when the lane ends, so the two never interleave.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface Lane {
  name: string;
  files: string[];
}

const SUMMARY_LINE = /^tests: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m;

/** The counts of a lane's last summary line; a lane that ended without one (it crashed) counts as one failure. */
export function countsFromLaneLog(log: string): Counts {
  const lines = log.split('\n').filter((line) => SUMMARY_LINE.test(line));
  const match = SUMMARY_LINE.exec(lines.at(-1) ?? '');
  if (!match) return { passed: 0, failed: 1, skipped: 0 };
  return { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3] ?? 0) };
}

function runLane(lane: Lane, projectRoot: string, logDir: string): Promise<Counts> {
  const logFile = path.join(logDir, `${lane.name}.log`);
  const log = createWriteStream(logFile);
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts', 'test.ts'), '--lane', lane.name, ...lane.files], {
    cwd: projectRoot,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      log.end(() => {
        const text = readFileSync(logFile, 'utf8');
        const seconds = Math.round((Date.now() - started) / 1000);
        console.log(`\n===== lane ${lane.name}: ${lane.files.length} files, ${seconds} s, exit ${code ?? signal} (log: ${path.relative(projectRoot, logFile)}) =====`);
        process.stdout.write(text);
        const counts = countsFromLaneLog(text);
        resolve(code === 0 || counts.failed > 0 ? counts : { ...counts, failed: counts.failed + 1 });
      });
    });
  });
}

export async function runLanes(lanes: Lane[], projectRoot: string, logDir: string): Promise<Counts> {
  mkdirSync(logDir, { recursive: true });
  const results = await Promise.all(lanes.filter((lane) => lane.files.length > 0).map((lane) => runLane(lane, projectRoot, logDir)));
  return results.reduce((sum, c) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed, skipped: sum.skipped + c.skipped }), { passed: 0, failed: 0, skipped: 0 });
}
