/**
 * The files of `npm run evaluate -- --export DIR` and `--split DIR`: DIR/train.csv and DIR/test.csv
 * (`user_id,movie_id,rating,timestamp`, the exact rows of the split) and DIR/recommendations.csv
 * (`user_id,method,rank,movie_id`). The formats are in recommender/evaluation/split-csv.ts.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { EvaluationLists, RatingSplit } from '../recommender/evaluation/evaluate';
import { parseRatingsCsv, ratingsCsvChunks, recommendationsCsvChunks, SplitCsvError } from '../recommender/evaluation/split-csv';

export const splitFiles = { train: 'train.csv', test: 'test.csv', recommendations: 'recommendations.csv' } as const;

function writeChunks(file: string, chunks: Iterable<string>): void {
  const fd = openSync(file, 'w');
  try {
    for (const chunk of chunks) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** Writes train.csv, test.csv and recommendations.csv into `dir` (created if missing); returns their paths. */
export function writeEvaluationExport(dir: string, lists: EvaluationLists): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, splitFiles.train), path.join(dir, splitFiles.test), path.join(dir, splitFiles.recommendations)];
  writeChunks(files[0]!, ratingsCsvChunks(lists.train));
  writeChunks(files[1]!, ratingsCsvChunks(lists.test));
  writeChunks(files[2]!, recommendationsCsvChunks(lists));
  return files;
}

/** Reads DIR/train.csv and DIR/test.csv; throws SplitCsvError naming the file and line when one is missing or malformed. */
export function readSplitDir(dir: string): RatingSplit {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SplitCsvError(`--split ${dir}: not a folder (expected one written by --export, with ${splitFiles.train} and ${splitFiles.test})`);
  const read = (name: string) => {
    const file = path.join(dir, name);
    if (!existsSync(file)) throw new SplitCsvError(`${file}: not found (--split expects ${splitFiles.train} and ${splitFiles.test}, as --export writes them)`);
    return parseRatingsCsv(readFileSync(file, 'utf8'), file);
  };
  return { train: read(splitFiles.train), test: read(splitFiles.test) };
}
