import assert from 'node:assert/strict';
import { readSilverRatings, silverPrefix, writeSilverRatingColumns, writeSilverRatings, writeSilverRatingsParquet } from '../../../activities/silver';
import { decodeColumns, encodeColumns } from '../../../domain/typed-columns';
import { MemoryObjectStore } from '../../support/memory-store';

describe('activities/silver: ratings as parquet and as columns', () => {
  const date = '2026-04-01';
  // Sorted by (user, movie) with one rating a pair, as extract writes silver; timestamps with fractions, which the parquet rounds.
  const table = {
    userIds: Int32Array.from([1, 1, 2, 7]),
    movieIds: Int32Array.from([3, 9, 3, 1]),
    ratings: Float32Array.from([4.5, 1, 3, 5]),
    timestamps: Float64Array.from([1_700_000_000.4, 1_700_000_100.6, 1_700_000_200, 1_700_000_300.5]),
  };

  it('reads back from the columns what the parquet holds', async () => {
    const store = new MemoryObjectStore();
    const prefix = await writeSilverRatings(store, date, table);
    assert.equal(prefix, silverPrefix('ratings', date));
    const fromColumns = await readSilverRatings(store, prefix);
    await store.delete(`silver/ratings-columns/dt=${date}/ratings.bin`);
    const fromParquet = await readSilverRatings(store, prefix);
    assert.deepEqual(fromColumns, fromParquet);
    assert.deepEqual(Array.from(fromColumns.timestamps), [1_700_000_000, 1_700_000_101, 1_700_000_200, 1_700_000_301]);
    const buffers = [fromColumns.userIds, fromColumns.movieIds, fromColumns.ratings, fromColumns.timestamps].map((column) => column.buffer);
    assert.equal(new Set(buffers).size, 4, 'a buffer per column: the stages transfer them to a thread');
  });

  it('keeps the columns out of the parquet table’s prefix, and replaces them with the parquet on a rewrite', async () => {
    const store = new MemoryObjectStore();
    await writeSilverRatings(store, date, table);
    for await (const object of store.list(silverPrefix('ratings', date))) assert.match(object.key, /(\.parquet|\/_SUCCESS)$/);
    const fewer = { userIds: table.userIds.slice(0, 2), movieIds: table.movieIds.slice(0, 2), ratings: table.ratings.slice(0, 2), timestamps: table.timestamps.slice(0, 2) };
    await writeSilverRatings(store, date, fewer);
    assert.equal((await readSilverRatings(store, silverPrefix('ratings', date))).userIds.length, 2);
  });

  it('writes the columns first and the parquet from them later, once, and drops it when the columns change', async () => {
    const store = new MemoryObjectStore();
    const prefix = silverPrefix('ratings', date);
    const keys = async () => {
      const found: string[] = [];
      for await (const object of store.list(prefix)) found.push(object.key.slice(prefix.length));
      return found;
    };
    await writeSilverRatingColumns(store, date, table);
    assert.deepEqual(await keys(), [], 'no parquet yet');
    assert.equal((await readSilverRatings(store, prefix)).userIds.length, 4);
    assert.deepEqual(await writeSilverRatingsParquet(store, date), { rows_written: 4, parts: 1 });
    assert.deepEqual(await keys(), ['_SUCCESS', 'part-00000.parquet']);
    assert.deepEqual(await writeSilverRatingsParquet(store, date), { rows_written: 0, parts: 0 }, 'a repeat writes nothing');
    await writeSilverRatingColumns(store, date, { userIds: table.userIds.slice(0, 1), movieIds: table.movieIds.slice(0, 1), ratings: table.ratings.slice(0, 1), timestamps: table.timestamps.slice(0, 1) });
    assert.deepEqual(await keys(), [], 'new columns: the parquet of the old ones is gone');
    assert.deepEqual(await writeSilverRatingsParquet(store, date), { rows_written: 1, parts: 1 });
  });
});

describe('domain/typed-columns', () => {
  it('reads back columns of every type, a float64 column after an odd number of 4-byte values included', () => {
    const columns = [Int32Array.from([1, -2, 3]), Float64Array.from([0.5, 1e300, -3]), Uint32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([0.25, 2, 8])];
    const bytes = encodeColumns(0x12345678, 3, columns);
    const decoded = decodeColumns(bytes, 0x12345678, [{ of: 'int32' }, { of: 'float64' }, { of: 'uint32', perRow: 2 }, { of: 'float32' }], 'test columns');
    assert.deepEqual(decoded, { rows: 3, columns });
    assert.throws(() => decodeColumns(bytes, 0x12345679, [{ of: 'int32' }], 'test columns'), /test columns: bad magic/);
    assert.throws(() => decodeColumns(bytes, 0x12345678, [{ of: 'int32' }], 'test columns'), /4 columns, expected 1/);
  });
});
