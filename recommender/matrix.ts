import { IdIndex } from './id-index';
import type { Rating, RatingColumns } from './types';
import { toColumns } from './types';

/**
 * The user × movie rating matrix, sparse: CSR by user (rows sorted by movie index) and its transpose
 * (CSC, the movie → users inverted index, rows sorted by user index). Dense indices are 0..n-1;
 * `userIds` / `movieIds` map them back to ids, `userIndex` / `movieIndex` map ids to indices.
 * A (user, movie) pair appears once: when the input repeats it, the latest timestamp wins.
 */
export interface UserItemMatrix {
  numUsers: number;
  numMovies: number;
  userIds: Int32Array;
  movieIds: Int32Array;
  userIndex: IdIndex;
  movieIndex: IdIndex;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
  colPtr: Int32Array;
  rowIdx: Int32Array;
  colValues: Float32Array;
}

function indexIds(ids: Int32Array): { sorted: Int32Array; index: IdIndex } {
  const seen = new Set<number>();
  for (const id of ids) seen.add(id);
  const sorted = Int32Array.from(seen).sort();
  return { sorted, index: IdIndex.of(sorted) };
}

export function buildUserItemMatrix(ratings: Rating[] | RatingColumns, extraMovieIds: Iterable<number> = []): UserItemMatrix {
  const columns = toColumns(ratings);
  const n = columns.userIds.length;
  const users = indexIds(columns.userIds);
  const movieIdsWithExtra = new Set<number>();
  for (const id of columns.movieIds) movieIdsWithExtra.add(id);
  for (const id of extraMovieIds) movieIdsWithExtra.add(id);
  const movieIds = Int32Array.from(movieIdsWithExtra).sort();
  const movieIndex = IdIndex.of(movieIds);
  const numUsers = users.sorted.length;
  const numMovies = movieIds.length;

  const u = new Int32Array(n);
  const m = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    u[k] = users.index.get(columns.userIds[k]!)!;
    m[k] = movieIndex.get(columns.movieIds[k]!)!;
  }

  // Two stable counting sorts (by movie, then by user) leave every row sorted by movie index,
  // with repeats of a pair adjacent and in input order.
  const byMovie = countingOrder(m, numMovies, null);
  const byUser = countingOrder(u, numUsers, byMovie);

  const rowPtr = new Int32Array(numUsers + 1);
  const colIdx = new Int32Array(n);
  const values = new Float32Array(n);
  let out = 0;
  let k = 0;
  let lastPosition = -1;
  for (let row = 0; row < numUsers; row++) {
    rowPtr[row] = out;
    while (k < n && u[byUser[k]!] === row) {
      const p = byUser[k]!;
      const movie = m[p]!;
      if (out > rowPtr[row]! && colIdx[out - 1] === movie) {
        if (columns.timestamps[p]! >= columns.timestamps[lastPosition]!) {
          values[out - 1] = columns.ratings[p]!;
          lastPosition = p;
        }
      } else {
        colIdx[out] = movie;
        values[out] = columns.ratings[p]!;
        lastPosition = p;
        out++;
      }
      k++;
    }
  }
  rowPtr[numUsers] = out;
  return withTranspose({
    numUsers,
    numMovies,
    userIds: users.sorted,
    movieIds,
    userIndex: users.index,
    movieIndex,
    rowPtr,
    colIdx: colIdx.slice(0, out),
    values: values.slice(0, out),
  });
}

/** Positions of `keys` ordered by key, stable with respect to `order` (or to position when null). */
function countingOrder(keys: Int32Array, numKeys: number, order: Int32Array | null): Int32Array {
  const start = new Int32Array(numKeys + 1);
  for (const key of keys) start[key + 1]!++;
  for (let i = 0; i < numKeys; i++) start[i + 1]! += start[i]!;
  const result = new Int32Array(keys.length);
  for (let k = 0; k < keys.length; k++) {
    const p = order ? order[k]! : k;
    result[start[keys[p]!]!++] = p;
  }
  return result;
}

type CsrPart = Omit<UserItemMatrix, 'colPtr' | 'rowIdx' | 'colValues'>;

/** Adds the movie → users index (CSC) to a CSR matrix. */
export function withTranspose(csr: CsrPart): UserItemMatrix {
  const { numUsers, numMovies, rowPtr, colIdx, values } = csr;
  const nnz = colIdx.length;
  const colPtr = new Int32Array(numMovies + 1);
  for (let k = 0; k < nnz; k++) colPtr[colIdx[k]! + 1]!++;
  for (let i = 0; i < numMovies; i++) colPtr[i + 1]! += colPtr[i]!;
  const fill = colPtr.slice(0, numMovies);
  const rowIdx = new Int32Array(nnz);
  const colValues = new Float32Array(nnz);
  for (let row = 0; row < numUsers; row++) {
    for (let k = rowPtr[row]!; k < rowPtr[row + 1]!; k++) {
      const dst = fill[colIdx[k]!]!++;
      rowIdx[dst] = row;
      colValues[dst] = values[k]!;
    }
  }
  return { ...csr, colPtr, rowIdx, colValues };
}

/** The same matrix with empty columns appended for movies that have no ratings yet (catalog-only movies). */
export function withExtraMovies(matrix: UserItemMatrix, movieIds: Iterable<number>): UserItemMatrix {
  const extra = [...new Set(movieIds)].filter((id) => !matrix.movieIndex.has(id)).sort((a, b) => a - b);
  if (extra.length === 0) return matrix;
  const numMovies = matrix.numMovies + extra.length;
  const ids = new Int32Array(numMovies);
  ids.set(matrix.movieIds);
  ids.set(extra, matrix.numMovies);
  const movieIndex = IdIndex.of(ids);
  const colPtr = new Int32Array(numMovies + 1);
  colPtr.set(matrix.colPtr);
  colPtr.fill(matrix.colPtr[matrix.numMovies]!, matrix.numMovies + 1);
  return { ...matrix, numMovies, movieIds: ids, movieIndex, colPtr };
}
