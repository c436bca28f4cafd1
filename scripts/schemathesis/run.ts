/**
 * Runs `schemathesis run` (from the project's Schemathesis virtualenv, installed first when missing)
 * against a live API's OpenAPI document, with every check, and returns its exit code, its console
 * report and its JSON run report. Bounded: a run that outlasts `timeoutMs` is stopped and says so.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schemathesisCommand } from './setup';

export interface SchemathesisOptions {
  /** The URL the API serves its OpenAPI document at. */
  schemaUrl: string;
  /** Sent with every request, e.g. `Authorization: Bearer …` for operations that declare security. */
  headers?: Record<string, string>;
  /** Test cases per operation and phase. */
  maxExamples: number;
  seed: number;
  timeoutMs: number;
}

/** The parts of Schemathesis' JSON run report (`--report json`) that a caller checks. */
export interface SchemathesisRunReport {
  schemathesis_version: string;
  complete: boolean;
  exit_code: number;
  operations: { total: number; selected: number; tested: number; errored: number; skipped: number; skip_reasons: unknown[] };
  phases: Record<string, { status: string }>;
  test_cases: { generated: number; with_failures: number; unique_failures: number; errored: number };
  failures: unknown[];
  errors: unknown[];
  warnings: Record<string, unknown[]>;
}

export interface SchemathesisResult {
  exitCode: number | null;
  timedOut: boolean;
  /** Schemathesis' console report: each failure with its curl reproduction. */
  output: string;
  report: SchemathesisRunReport | undefined;
}

export async function runSchemathesis(options: SchemathesisOptions): Promise<SchemathesisResult> {
  const command = await schemathesisCommand();
  // Schemathesis keeps state (.hypothesis, .schemathesis) in its working directory: a fresh one per run.
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'movie-rec-schemathesis-'));
  const reportFile = path.join(workDir, 'run.json');
  const args = [
    'run',
    options.schemaUrl,
    '--checks', 'all',
    '--mode', 'all',
    // The operation serving the document itself is left out unless a filter selects it.
    '--include-path-regex', '^/',
    '--max-examples', String(options.maxExamples),
    '--seed', String(options.seed),
    '--generation-database', 'none',
    '--request-timeout', '10',
    '--report', 'json',
    '--report-json-path', reportFile,
    '--no-color',
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['--header', `${name}: ${value}`]),
  ];
  try {
    const { exitCode, timedOut, output } = await new Promise<Omit<SchemathesisResult, 'report'>>((resolve, reject) => {
      const child = spawn(command, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
      }, options.timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ exitCode: code, timedOut, output: Buffer.concat(chunks).toString('utf8') });
      });
    });
    let report: SchemathesisRunReport | undefined;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as SchemathesisRunReport;
    } catch {
      // No report: Schemathesis stopped before writing it; the output says why.
    }
    return { exitCode, timedOut, output, report };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
