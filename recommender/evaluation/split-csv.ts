/**
 * The CSV files of an exported evaluation (`npm run evaluate -- --export DIR`), as text: the exact
 * train and test rows (`train.csv`, `test.csv`) and every method's ranked lists
 * (`recommendations.csv`). Pure: the CLI does the file I/O. Comma-separated, one header line, `\n`
 * line ends, no quoting (every field is a number or a method name).
 */
import type { RatingColumns } from '../types';
import type { EvaluationLists } from './evaluate';

export const ratingsCsvHeader = 'user_id,movie_id,rating,timestamp';
export const recommendationsCsvHeader = 'user_id,method,rank,movie_id';

/** A malformed split file: names the file (as given) and the line. */
export class SplitCsvError extends Error {
  override name = 'SplitCsvError';
}

const CHUNK_ROWS = 65_536;

/**
 * `user_id,movie_id,rating,timestamp` then one line per row, in row order, in chunks (10^7 rows do
 * not fit in one string). Numbers are written so that they read back to the same values.
 */
export function* ratingsCsvChunks(columns: RatingColumns): Generator<string> {
  const n = columns.userIds.length;
  let lines: string[] = [ratingsCsvHeader];
  for (let p = 0; p < n; p++) {
    lines.push(`${columns.userIds[p]},${columns.movieIds[p]},${columns.ratings[p]},${columns.timestamps[p]}`);
    if (lines.length >= CHUNK_ROWS) {
      yield `${lines.join('\n')}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
}

/** `user_id,method,rank,movie_id`: per method (in evaluation order), per user (ascending), rank 1 = best. */
export function* recommendationsCsvChunks(lists: Pick<EvaluationLists, 'users' | 'recommendations'>): Generator<string> {
  let lines: string[] = [recommendationsCsvHeader];
  for (const { method, lists: byUser } of lists.recommendations) {
    for (let u = 0; u < lists.users.length; u++) {
      const user = lists.users[u]!;
      const list = byUser[u] ?? [];
      for (let r = 0; r < list.length; r++) lines.push(`${user},${method},${r + 1},${list[r]}`);
      if (lines.length >= CHUNK_ROWS) {
        yield `${lines.join('\n')}\n`;
        lines = [];
      }
    }
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
}

const INTEGER = /^-?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Reads a `user_id,movie_id,rating,timestamp` file written by `ratingsCsvChunks` (or by anyone: a
 * `\r\n` line end and a trailing empty line are accepted). `source` names the file in errors. Throws
 * SplitCsvError on a wrong header, a line without exactly four fields, an id that is not a 32-bit
 * integer, a rating or timestamp that is not a finite number, or no rows at all.
 */
export function parseRatingsCsv(text: string, source: string): RatingColumns {
  const lines = text.split('\n');
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').replace(/\r$/, '');
  if (header !== ratingsCsvHeader) throw new SplitCsvError(`${source} line 1: expected the header "${ratingsCsvHeader}", got "${header.slice(0, 80)}"`);
  const n = lines.length - 1;
  const columns: RatingColumns = { userIds: new Int32Array(n), movieIds: new Int32Array(n), ratings: new Float32Array(n), timestamps: new Float64Array(n) };
  let rows = 0;
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l]!.replace(/\r$/, '');
    if (line === '') {
      if (lines.slice(l + 1).every((rest) => rest.replace(/\r$/, '') === '')) break;
      throw new SplitCsvError(`${source} line ${l + 1}: empty line`);
    }
    const fields = line.split(',');
    if (fields.length !== 4) throw new SplitCsvError(`${source} line ${l + 1}: expected 4 fields (${ratingsCsvHeader}), got ${fields.length}`);
    const [user, movie, rating, timestamp] = fields as [string, string, string, string];
    columns.userIds[rows] = int32(user, 'user_id', source, l + 1);
    columns.movieIds[rows] = int32(movie, 'movie_id', source, l + 1);
    columns.ratings[rows] = finite(rating, 'rating', source, l + 1);
    columns.timestamps[rows] = finite(timestamp, 'timestamp', source, l + 1);
    rows++;
  }
  if (rows === 0) throw new SplitCsvError(`${source}: no rows after the header`);
  return {
    userIds: columns.userIds.slice(0, rows),
    movieIds: columns.movieIds.slice(0, rows),
    ratings: columns.ratings.slice(0, rows),
    timestamps: columns.timestamps.slice(0, rows),
  };
}

function int32(field: string, name: string, source: string, line: number): number {
  const value = Number(field);
  if (!INTEGER.test(field) || value < -2147483648 || value > 2147483647) throw new SplitCsvError(`${source} line ${line}: ${name} must be a 32-bit integer, got "${field.slice(0, 40)}"`);
  return value;
}

function finite(field: string, name: string, source: string, line: number): number {
  const value = Number(field);
  if (!NUMBER.test(field) || !Number.isFinite(value)) throw new SplitCsvError(`${source} line ${line}: ${name} must be a finite number, got "${field.slice(0, 40)}"`);
  return value;
}
