import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSplitDir, splitFiles, writeEvaluationExport } from '../../../cli/evaluation-files';
import { projectRoot } from '../../../config';
import {
  evaluate,
  evaluatedMethods,
  generateSynthetic,
  parseRatingsCsv,
  ratingsCsvChunks,
  ratingsCsvHeader,
  recommendationsCsvHeader,
  SplitCsvError,
  summarise,
} from '../../../recommender';
import type { EvaluationSummary, RatingColumns } from '../../../recommender';

const firstLine = (file: string): string => readFileSync(file, 'utf8').split('\n', 1)[0]!;

describe('recommender: evaluation export (--export) and re-scoring (--split)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'movie-rec-eval-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const data = generateSynthetic({ ratings: 5000, seed: 11, users: 90, movies: 220 });

  it('writes the exact rows and every method\'s top 10 per test user; --split of that folder scores the same', () => {
    const out = path.join(dir, 'library');
    const first = evaluate(data, { protocol: 'stratified', seed: 1, keepLists: true });
    writeEvaluationExport(out, first.lists!);
    assert.equal(firstLine(path.join(out, splitFiles.train)), ratingsCsvHeader);
    assert.equal(firstLine(path.join(out, splitFiles.test)), ratingsCsvHeader);
    assert.equal(firstLine(path.join(out, splitFiles.recommendations)), recommendationsCsvHeader);

    const split = readSplitDir(out);
    assert.deepEqual(split.train, first.lists!.train);
    assert.deepEqual(split.test, first.lists!.test);
    const again = evaluate({ ratings: [], movies: data.movies }, { protocol: 'stratified', seed: 1, split });
    assert.deepEqual(summarise(again, 'x'), summarise(first, 'x'));

    const lines = readFileSync(path.join(out, splitFiles.recommendations), 'utf8').trimEnd().split('\n').slice(1);
    assert.equal(lines.length, evaluatedMethods.length * first.testUsers * 10);
    const [user, method, rank, movie] = lines[0]!.split(',');
    assert.deepEqual([Number(user), method, Number(rank), Number(movie)], [first.lists!.users[0], evaluatedMethods[0], 1, first.lists!.recommendations[0]!.lists[0]![0]]);
  });

  it('npm run evaluate: --export DIR, then --split DIR, prints the same metrics (--seed 1)', function () {
    this.timeout(120_000);
    const out = path.join(dir, 'cli');
    const run = (...args: string[]) => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'cli', 'evaluate.ts'), '--dataset', 'synthetic:4000:7', '--protocol', 'stratified', '--seed', '1', '--json', ...args], {
        cwd: projectRoot,
        encoding: 'utf8',
      });
      assert.equal(child.status, 0, child.stderr);
      return JSON.parse(child.stdout.trimEnd().split('\n').at(-1)!) as EvaluationSummary;
    };
    const exported = run('--export', out);
    const rescored = run('--split', out);
    assert.deepEqual(rescored, exported);
    assert.deepEqual(exported.results.map((r) => r.method), [...evaluatedMethods]);
  });

  it('npm run evaluate --split: a malformed file stops it with the file, the line and what is wrong', function () {
    this.timeout(60_000);
    const bad = path.join(dir, 'bad');
    writeEvaluationExport(bad, evaluate(data, { protocol: 'stratified', keepLists: true, methods: ['most-popular'] }).lists!);
    writeFileSync(path.join(bad, splitFiles.test), `${ratingsCsvHeader}\n1,2,4,100\n1,x,4,100\n`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'cli', 'evaluate.ts'), '--dataset', 'synthetic:1000', '--split', bad], { cwd: projectRoot, encoding: 'utf8' });
    assert.equal(child.status, 2);
    assert.match(child.stderr, /test\.csv line 3: movie_id must be a 32-bit integer, got "x"/);
  });

  it('reads back exactly what it writes, in chunks, \\r\\n line ends accepted', () => {
    const n = 70_000; // more than one chunk
    const columns: RatingColumns = {
      userIds: Int32Array.from({ length: n }, (_, i) => 1 + (i % 97)),
      movieIds: Int32Array.from({ length: n }, (_, i) => 2_000_000_000 - i),
      ratings: Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 10) * 0.37),
      timestamps: Float64Array.from({ length: n }, (_, i) => 1_500_000_000 + i * 13),
    };
    const text = [...ratingsCsvChunks(columns)].join('');
    assert.deepEqual(parseRatingsCsv(text, 'a.csv'), columns);
    assert.deepEqual(parseRatingsCsv(text.replaceAll('\n', '\r\n'), 'a.csv'), columns);
  });

  it('rejects malformed split files with clear errors', () => {
    const cases: [string, RegExp][] = [
      ['userId,movieId,rating,timestamp\n1,2,3,4\n', /t\.csv line 1: expected the header "user_id,movie_id,rating,timestamp", got "userId,movieId,rating,timestamp"/],
      [`${ratingsCsvHeader}\n1,2,3\n`, /t\.csv line 2: expected 4 fields \(user_id,movie_id,rating,timestamp\), got 3/],
      [`${ratingsCsvHeader}\n1.5,2,3,4\n`, /t\.csv line 2: user_id must be a 32-bit integer, got "1\.5"/],
      [`${ratingsCsvHeader}\n1,2,3,4\n1,99999999999,3,4\n`, /t\.csv line 3: movie_id must be a 32-bit integer/],
      [`${ratingsCsvHeader}\n1,2,,4\n`, /t\.csv line 2: rating must be a finite number, got ""/],
      [`${ratingsCsvHeader}\n1,2,3,NaN\n`, /t\.csv line 2: timestamp must be a finite number, got "NaN"/],
      [`${ratingsCsvHeader}\n1,2,3,4\n\n1,2,3,4\n`, /t\.csv line 3: empty line/],
      [`${ratingsCsvHeader}\n`, /t\.csv: no rows after the header/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseRatingsCsv(text, 't.csv'), (err: unknown) => err instanceof SplitCsvError && message.test(err.message));
    assert.throws(() => readSplitDir(path.join(dir, 'missing')), /not a folder/);
    const half = path.join(dir, 'half');
    writeEvaluationExport(half, evaluate(data, { protocol: 'stratified', keepLists: true, methods: ['most-popular'] }).lists!);
    rmSync(path.join(half, splitFiles.test));
    assert.throws(() => readSplitDir(half), /test\.csv: not found/);
  });
});
