import assert from 'node:assert/strict';
import { Matrix, solve } from 'ml-matrix';
import { buildUserItemMatrix, generateSynthetic, type UserItemMatrix } from '../../../recommender';
import { alsScores, alsScratch, alsUserFactors, defaultAlsParams, fitAls, movieGram, type AlsParams, type MovieFactors } from '../../../recommender/als';
import type { Profile } from '../../../recommender/profile';
import { ratings } from './fixtures';

/** User u's row of the matrix as a profile (ALS reads only the movies). */
function rowOf(matrix: UserItemMatrix, u: number): Profile {
  const { rowPtr, colIdx, values } = matrix;
  const movies = colIdx.subarray(rowPtr[u], rowPtr[u + 1]);
  return { user: u, fromModel: true, movies, ratings: values.subarray(rowPtr[u], rowPtr[u + 1]), centred: new Float32Array(movies.length) };
}

/** Every user's factors solved from the movies' factors. */
function usersOf(matrix: UserItemMatrix, factors: MovieFactors, params: AlsParams): Float64Array[] {
  const gram = movieGram(factors, params.regularisation);
  const scratch = alsScratch(factors.factors);
  return Array.from({ length: matrix.numUsers }, (_, u) => alsUserFactors(factors, gram, params.confidence, rowOf(matrix, u), scratch));
}

/** The implicit-feedback loss: Σ_u Σ_i c_ui·(p_ui − x_u·y_i)² + λ·(Σ|x_u|² + Σ|y_i|²), users solved from the movies. */
function loss(matrix: UserItemMatrix, factors: MovieFactors, params: AlsParams): number {
  const k = factors.factors;
  const y = (i: number) => factors.values.subarray(i * k, (i + 1) * k);
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from({ length: k }, (_, t) => a[t]! * b[t]!).reduce((s, v) => s + v, 0);
  let total = 0;
  usersOf(matrix, factors, params).forEach((x, u) => {
    const rated = new Set(rowOf(matrix, u).movies);
    for (let i = 0; i < matrix.numMovies; i++) {
      const p = rated.has(i) ? 1 : 0;
      total += (1 + params.confidence * p) * (p - dot(x, y(i))) ** 2;
    }
    total += params.regularisation * dot(x, x);
  });
  for (let i = 0; i < matrix.numMovies; i++) total += params.regularisation * dot(y(i), y(i));
  return total;
}

describe('recommender: implicit ALS', () => {
  const matrix = buildUserItemMatrix(generateSynthetic({ ratings: 3_000, seed: 9, users: 120, movies: 60 }).ratings);
  const params: AlsParams = { ...defaultAlsParams, factors: 8, regularisation: 5 };

  it('solves a user exactly: (YᵀY + λI + α·Σ y_i·y_iᵀ)·x = (1 + α)·Σ y_i over the rated movies', () => {
    const factors = fitAls(matrix, params);
    const k = factors.factors;
    const y = new Matrix(matrix.numMovies, k);
    for (let i = 0; i < matrix.numMovies; i++) for (let a = 0; a < k; a++) y.set(i, a, factors.values[i * k + a]!);
    const [x] = usersOf(matrix, factors, params);
    const rated = rowOf(matrix, 0).movies;
    const system = y.transpose().mmul(y).add(Matrix.eye(k, k).mul(params.regularisation));
    const target = Matrix.zeros(k, 1);
    for (const i of rated) {
      const row = y.getRowVector(i);
      system.add(row.transpose().mmul(row).mul(params.confidence));
      target.add(row.transpose().mul(1 + params.confidence));
    }
    const expected = solve(system, target).getColumn(0);
    expected.forEach((v, a) => assert.ok(Math.abs(x![a]! - v) < 1e-9 * Math.max(1, Math.abs(v)), `factor ${a}: ${x![a]} against ${v}`));
    const items = Int32Array.from([3, 0, 7]);
    assert.deepEqual(
      Array.from(alsScores(factors, x!, items)),
      Array.from(items, (i) => Array.from({ length: k }, (_, a) => factors.values[i * k + a]! * x![a]!).reduce((s, v) => s + v, 0)),
    );
  });

  it('lowers the implicit loss sweep after sweep, with a few conjugate-gradient steps per row', () => {
    const losses = [0, 1, 3, 10].map((epochs) => loss(matrix, fitAls(matrix, { ...params, epochs }), params));
    for (let e = 1; e < losses.length; e++) assert.ok(losses[e]! < losses[e - 1]!, `loss ${losses.join(' → ')}`);
  });

  it('fits the same factors from the same ratings, finite, one row of k per movie', () => {
    const once = fitAls(matrix, params);
    assert.deepEqual(fitAls(matrix, params), once);
    assert.equal(once.factors, params.factors);
    assert.equal(once.values.length, matrix.numMovies * params.factors);
    assert.ok(once.values.every(Number.isFinite));
  });

  it('gives no opinion (every score 0) rather than NaN when the solve breaks down', () => {
    const overflowing: MovieFactors = { factors: 2, values: Float32Array.of(3e38, 3e38, 1, 2, 2, 1) };
    const x = alsUserFactors(overflowing, movieGram(overflowing, 1), 10, { user: 0, fromModel: false, movies: Int32Array.of(0), ratings: Float32Array.of(5), centred: Float32Array.of(0) }, alsScratch(2));
    assert.deepEqual(Array.from(alsScores(overflowing, x, Int32Array.of(1, 2))), [0, 0]);
  });

  it('ranks the unseen movies of a user’s taste above those of the other taste', () => {
    // Users 1–8 watch movies 1–5, users 9–16 movies 6–10; user 17 has seen 1, 2 and 3.
    const triples: [number, number, number][] = [];
    for (let u = 1; u <= 16; u++) for (let m = 1; m <= 5; m++) triples.push([u, u <= 8 ? m : m + 5, 4]);
    triples.push([17, 1, 5], [17, 2, 4], [17, 3, 4]);
    const small = buildUserItemMatrix(ratings(triples));
    const smallParams = { ...params, factors: 4, regularisation: 0.5 };
    const factors = fitAls(small, smallParams);
    const x = usersOf(small, factors, smallParams)[small.userIndex.get(17)!]!;
    const scoreOf = (movieId: number) => alsScores(factors, x, Int32Array.of(small.movieIndex.get(movieId)!))[0]!;
    for (const same of [4, 5]) for (const other of [6, 7, 8, 9, 10]) assert.ok(scoreOf(same) > scoreOf(other), `movie ${same} above movie ${other}`);
  });
});
