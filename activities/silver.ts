import type { ObjectStore } from '../domain/ports';
import { RatingCollector, latestPerPair, type RatingTable } from '../recommender/ratings-table';
import type { MovieFeatures, UserFeatures } from '../recommender/features';
import { decodeParquet, encodeParquet, type ParquetSchemaDefinition } from '../adapters/parquet/codec';
import { decodeColumns, encodeColumns } from '../domain/typed-columns';

/**
 * The silver layer (SPEC §4): deduplicated ratings and the features, as parquet, per run date. The
 * ratings are also kept as typed columns beside the parquet (`silver/ratings-columns/`), which the
 * batch's own stages read: decoding 10^7 parquet rows costs tens of seconds, reading the columns
 * about one. Parquet stays the layer's format for everyone else.
 */

export const silverPrefix = (table: 'ratings' | 'user_features' | 'movie_features', runDate: string) => `silver/${table}/dt=${runDate}/`;
const partKey = (prefix: string, part: number) => `${prefix}part-${String(part).padStart(5, '0')}.parquet`;

/** Rows per parquet object: keeps each object (and the memory to encode it) bounded. */
const ROWS_PER_PART = 1_000_000;

const RATINGS_SCHEMA: ParquetSchemaDefinition = {
  user_id: { type: 'INT32', compression: 'SNAPPY' },
  movie_id: { type: 'INT32', compression: 'SNAPPY' },
  rating: { type: 'FLOAT', compression: 'SNAPPY' },
  timestamp: { type: 'INT64', compression: 'SNAPPY' },
};

const USER_FEATURES_SCHEMA: ParquetSchemaDefinition = {
  user_id: { type: 'INT32' },
  rating_count: { type: 'INT32' },
  rating_mean: { type: 'DOUBLE' },
  rating_std: { type: 'DOUBLE' },
  first_rated_at: { type: 'UTF8' },
  last_rated_at: { type: 'UTF8' },
  genre_affinity: { type: 'JSON' },
  top_genres: { type: 'UTF8', repeated: true },
  run_date: { type: 'UTF8' },
};

const MOVIE_FEATURES_SCHEMA: ParquetSchemaDefinition = {
  movie_id: { type: 'INT32' },
  title: { type: 'UTF8' },
  genres: { type: 'UTF8', repeated: true },
  year: { type: 'INT32', optional: true },
  rating_count: { type: 'INT32' },
  rating_mean: { type: 'DOUBLE', optional: true },
  bayesian_mean: { type: 'DOUBLE' },
  popularity: { type: 'DOUBLE' },
  quality_score: { type: 'DOUBLE' },
  run_date: { type: 'UTF8' },
};

/** Replaces whatever the prefix held with `parts`, so a rerun leaves exactly the new objects. */
async function replaceParts(store: ObjectStore, prefix: string, parts: Buffer[]): Promise<string[]> {
  const keys = parts.map((_, i) => partKey(prefix, i));
  for (const [i, bytes] of parts.entries()) await store.put(keys[i]!, bytes, 'application/vnd.apache.parquet');
  const wanted = new Set(keys);
  const stale: string[] = [];
  for await (const object of store.list(prefix)) if (!wanted.has(object.key)) stale.push(object.key);
  for (const key of stale) await store.delete(key);
  return keys;
}

async function readRows(store: ObjectStore, prefix: string, visit: (row: Record<string, unknown>) => void): Promise<void> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) if (object.key.endsWith('.parquet')) keys.push(object.key);
  for (const key of keys) {
    const bytes = await store.get(key);
    if (!bytes) throw new Error(`silver object ${key} disappeared while reading`);
    for await (const row of decodeParquet(bytes)) visit(row);
  }
}

/** "MRSR": silver ratings as columns. */
const SILVER_RATINGS = 0x4d525352;

/** Where the columns of the ratings under a silver prefix are kept (outside the parquet table's prefix). */
function ratingColumnsKey(ratingsPrefix: string): string {
  const date = /dt=(\d{4}-\d{2}-\d{2})\/$/.exec(ratingsPrefix)?.[1];
  if (date === undefined) throw new RangeError(`${ratingsPrefix} is not a silver ratings prefix`);
  return `silver/ratings-columns/dt=${date}/ratings.bin`;
}

/** Written beside a date's ratings parquet once every part is (with the counts): the parts under the prefix are that date's whole table (Hadoop's convention). */
const successKey = (ratingsPrefix: string) => `${ratingsPrefix}_SUCCESS`;

/** The ratings of a date as silver keeps them: the typed columns the batch reads, then the parquet table from them. */
export async function writeSilverRatings(store: ObjectStore, runDate: string, table: RatingTable): Promise<string> {
  const prefix = await writeSilverRatingColumns(store, runDate, table);
  await writeSilverRatingsParquet(store, runDate);
  return prefix;
}

/**
 * The ratings of a date as typed columns, which the batch's stages read; the date's parquet table is
 * removed first, so that no reader takes it for these ratings, until `writeSilverRatingsParquet` writes it
 * from the columns.
 */
export async function writeSilverRatingColumns(store: ObjectStore, runDate: string, table: RatingTable): Promise<string> {
  const prefix = silverPrefix('ratings', runDate);
  // `_SUCCESS` first: a reader stops taking the table as whole before its parts go.
  await store.delete(successKey(prefix));
  const stale: string[] = [];
  for await (const object of store.list(prefix)) stale.push(object.key);
  for (const key of stale) await store.delete(key);
  // Whole seconds, as the parquet's INT64 column holds them: either copy reads back the same table.
  const seconds = table.timestamps.map(Math.round);
  await store.put(ratingColumnsKey(prefix), encodeColumns(SILVER_RATINGS, table.userIds.length, [seconds, table.userIds, table.movieIds, table.ratings]), 'application/octet-stream');
  return prefix;
}

/**
 * The date's ratings parquet (for readers outside the batch), from its typed columns, in parts of a
 * million rows, then `_SUCCESS`; a date whose `_SUCCESS` is there already is left as it is (nothing
 * written). `onPart` hears the rows encoded so far.
 */
export async function writeSilverRatingsParquet(store: ObjectStore, runDate: string, onPart?: (rows: number) => void): Promise<{ rows_written: number; parts: number }> {
  const prefix = silverPrefix('ratings', runDate);
  if (await store.head(successKey(prefix))) return { rows_written: 0, parts: 0 };
  const table = await readSilverRatings(store, prefix);
  const rows = table.userIds.length;
  const parts: Buffer[] = [];
  for (let start = 0; start < rows || parts.length === 0; start += ROWS_PER_PART) {
    const end = Math.min(rows, start + ROWS_PER_PART);
    parts.push(
      await encodeParquet(RATINGS_SCHEMA, (function* () {
        for (let k = start; k < end; k++) {
          yield { user_id: table.userIds[k], movie_id: table.movieIds[k], rating: table.ratings[k], timestamp: BigInt(table.timestamps[k]!) };
        }
      })()),
    );
    onPart?.(end);
  }
  await replaceParts(store, prefix, parts);
  await store.put(successKey(prefix), JSON.stringify({ rows, parts: parts.length }), 'application/json');
  return { rows_written: rows, parts: parts.length };
}

/** The ratings under a silver prefix: from their columns, or from the parquet where there are none (silver written before them). */
export async function readSilverRatings(store: ObjectStore, prefix: string): Promise<RatingTable> {
  const stored = await store.get(ratingColumnsKey(prefix));
  if (stored !== undefined) {
    const [timestamps, userIds, movieIds, ratings] = decodeColumns(stored, SILVER_RATINGS, [{ of: 'float64' }, { of: 'int32' }, { of: 'int32' }, { of: 'float32' }], 'silver ratings').columns;
    return { userIds: userIds as Int32Array, movieIds: movieIds as Int32Array, ratings: ratings as Float32Array, timestamps: timestamps as Float64Array };
  }
  const ratings = new RatingCollector();
  await readRows(store, prefix, (row) => ratings.add(Number(row.user_id), Number(row.movie_id), Number(row.rating), Number(row.timestamp)));
  return latestPerPair(ratings.collected()).table;
}

export async function writeSilverFeatures(store: ObjectStore, runDate: string, users: UserFeatures[], movies: MovieFeatures[]): Promise<{ userKey: string; movieKey: string }> {
  const userRows = users.map((u) => ({ ...u, run_date: runDate }));
  const movieRows = movies.map((m) => ({ ...m, run_date: runDate }));
  const [userKey] = await replaceParts(store, silverPrefix('user_features', runDate), [await encodeParquet(USER_FEATURES_SCHEMA, userRows)]);
  const [movieKey] = await replaceParts(store, silverPrefix('movie_features', runDate), [await encodeParquet(MOVIE_FEATURES_SCHEMA, movieRows)]);
  return { userKey: userKey!, movieKey: movieKey! };
}

export async function readSilverFeatures(store: ObjectStore, runDate: string): Promise<{ users: UserFeatures[]; movies: MovieFeatures[] }> {
  const users: UserFeatures[] = [];
  const movies: MovieFeatures[] = [];
  await readRows(store, silverPrefix('user_features', runDate), (row) => {
    const { run_date: _runDate, ...features } = row;
    users.push({ ...(features as unknown as UserFeatures), top_genres: (row.top_genres as string[] | null) ?? [] });
  });
  await readRows(store, silverPrefix('movie_features', runDate), (row) => {
    const { run_date: _runDate, year, rating_mean, ...features } = row;
    movies.push({
      ...(features as unknown as MovieFeatures),
      genres: (row.genres as string[] | null) ?? [],
      ...(year !== null && year !== undefined ? { year: Number(year) } : {}),
      ...(rating_mean !== null && rating_mean !== undefined ? { rating_mean: Number(rating_mean) } : {}),
    });
  });
  return { users, movies };
}
