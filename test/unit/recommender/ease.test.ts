import assert from 'node:assert/strict';
import { Matrix, inverse } from 'ml-matrix';
import { buildUserItemMatrix, generateSynthetic } from '../../../recommender';
import { fitEaseNeighbours } from '../../../recommender/ease';
import { selectRows, toColumns } from '../../../recommender/types';

describe('recommender: EASE item-to-item weights', () => {
  const lambda = 20;
  const fixture = (movies: number) => buildUserItemMatrix(generateSynthetic({ ratings: 3_000, seed: 9, users: 120, movies }).ratings);

  // The inverse works on four rows at a time: catalogs with and without a remainder of rows.
  for (const matrix of [fixture(60), fixture(63)]) {
    const n = matrix.numMovies;
    it(`keeps B = −P/diag(P) of P = (XᵀX + λI)⁻¹, the diagonal out, largest magnitude first (${n} movies)`, () => {
      const gram = Matrix.zeros(n, n);
      for (let u = 0; u < matrix.numUsers; u++) {
        for (let p = matrix.rowPtr[u]!; p < matrix.rowPtr[u + 1]!; p++) {
          for (let q = matrix.rowPtr[u]!; q < matrix.rowPtr[u + 1]!; q++) gram.set(matrix.colIdx[p]!, matrix.colIdx[q]!, gram.get(matrix.colIdx[p]!, matrix.colIdx[q]!) + 1);
        }
      }
      for (let i = 0; i < n; i++) gram.set(i, i, gram.get(i, i) + lambda);
      const p = inverse(gram);
      const table = fitEaseNeighbours(matrix, lambda, n);
      for (let i = 0; i < n; i++) {
        const row = Array.from(table.idx.subarray(table.ptr[i], table.ptr[i + 1]));
        assert.ok(!row.includes(i), `movie ${i} is its own neighbour`);
        row.forEach((j, k) => {
          const expected = -p.get(i, j) / p.get(j, j);
          assert.ok(Math.abs(table.weight[table.ptr[i]! + k]! - expected) < 1e-5 * Math.max(1, Math.abs(expected)), `B(${i},${j})`);
          if (k > 0) assert.ok(Math.abs(table.weight[table.ptr[i]! + k]!) <= Math.abs(table.weight[table.ptr[i]! + k - 1]!), 'largest magnitude first');
        });
      }
    });
  }

  it('keeps at most `neighbours` per movie, the largest in magnitude, negative ones included', () => {
    const matrix = fixture(60);
    const n = matrix.numMovies;
    const full = fitEaseNeighbours(matrix, lambda, n);
    const table = fitEaseNeighbours(matrix, lambda, 5);
    let negatives = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(table.ptr[i + 1]! - table.ptr[i]! <= 5);
      const kept = Array.from(table.weight.subarray(table.ptr[i], table.ptr[i + 1]), Math.abs);
      const all = Array.from(full.weight.subarray(full.ptr[i], full.ptr[i + 1]), Math.abs).sort((a, b) => b - a);
      assert.deepEqual(kept, all.slice(0, kept.length), `movie ${i}`);
      negatives += table.weight.subarray(table.ptr[i], table.ptr[i + 1]).filter((w) => w < 0).length;
    }
    assert.ok(negatives > 0, 'some kept weights are negative');
  });

  it('solves a catalog above `maxMovies` over its most-rated movies, as a matrix of those movies alone would', () => {
    const matrix = fixture(60);
    const n = matrix.numMovies;
    const count = (i: number) => matrix.colPtr[i + 1]! - matrix.colPtr[i]!;
    const kept = new Set(Array.from({ length: n }, (_, i) => i).sort((a, b) => count(b) - count(a) || a - b).slice(0, 20));
    const table = fitEaseNeighbours(matrix, lambda, n, 20);
    // The same solve on the ratings of the kept movies only.
    const all = toColumns(generateSynthetic({ ratings: 3_000, seed: 9, users: 120, movies: 60 }).ratings);
    const positions = Int32Array.from(all.movieIds.keys()).filter((p) => kept.has(matrix.movieIndex.get(all.movieIds[p]!)!));
    const alone = buildUserItemMatrix(selectRows(all, positions));
    const aloneTable = fitEaseNeighbours(alone, lambda, n);
    for (let i = 0; i < n; i++) {
      const row = Array.from(table.idx.subarray(table.ptr[i], table.ptr[i + 1]), (j) => matrix.movieIds[j]!);
      if (!kept.has(i)) {
        assert.equal(row.length, 0, `movie ${i} is not solved`);
        continue;
      }
      const a = alone.movieIndex.get(matrix.movieIds[i]!)!;
      const expected = Array.from(aloneTable.idx.subarray(aloneTable.ptr[a], aloneTable.ptr[a + 1]), (j) => alone.movieIds[j]!);
      assert.deepEqual(new Set(row), new Set(expected), `movie ${i}`);
      row.forEach((id, k) => {
        const e = aloneTable.weight[aloneTable.ptr[a]! + expected.indexOf(id)]!;
        assert.ok(Math.abs(table.weight[table.ptr[i]! + k]! - e) < 1e-5 * Math.max(1, Math.abs(e)));
      });
    }
  });
});
