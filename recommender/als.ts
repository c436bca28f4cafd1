import type { UserItemMatrix } from './matrix';
import type { Profile } from './profile';
import { createRandom } from './random';

/**
 * Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008), fitted by alternating least
 * squares: every rated movie is a 1 with confidence 1 + `confidence`, every other movie a 0 with
 * confidence 1, and users and movies get `factors` latent factors each, regularised by
 * `regularisation`. It sees the whole catalog at once where the neighbourhood recalls see pairs of
 * movies or of users, which is why it adds to them in the hybrid.
 *
 * Only the movies' factors are kept. A user's factors are solved from their rated movies when they are
 * asked for — exactly the alternating step the fit makes for every user — so a profile with fresh
 * ratings costs one k × k solve (k = `factors`) plus |rated| rank-one updates, and the batch's
 * candidate pools and an online answer compute the same numbers. Memory: numMovies × k float32.
 */
export interface AlsParams {
  /** Latent factors per user and movie (k). */
  factors: number;
  /** L2 regularisation λ of every factor vector. */
  regularisation: number;
  /** α: a rated movie counts with confidence 1 + α, an unrated one with 1. */
  confidence: number;
  /** Alternating sweeps (users, then movies) of the fit. */
  epochs: number;
  /** Conjugate-gradient steps per row and sweep, warm-started from the row's previous factors (Takács, Pilászy & Tikk 2011). */
  conjugateGradientSteps: number;
}

/**
 * Chosen on validation splits carved from training (the hybrid's blend with ALS, ml-100k seed 42 and
 * ml-latest-small seed 1): λ 50 against 25 and 100, α 10 against 5 and 20, 64 factors against 32 and
 * 128 (128 ranked about as well, with four times the k² work of every user's solve); an exact
 * least-squares solve per row in the fit ranked no better than three conjugate-gradient steps, at
 * about six times the fit time on ml-100k; 6 sweeps ranked as well as 10 (the best blend's NDCG@10
 * within ±0.0008 on ml-100k and ml-latest-small, seeds 42 and 1) at 60% of the fit time, 4 a little
 * worse.
 */
export const defaultAlsParams: AlsParams = { factors: 64, regularisation: 50, confidence: 10, epochs: 6, conjugateGradientSteps: 3 };

/** The movies' factors: movie i's are values[i·factors .. (i+1)·factors). No movie has any when factors is 0 (not fitted). */
export interface MovieFactors {
  factors: number;
  values: Float32Array;
}

export const noMovieFactors: MovieFactors = { factors: 0, values: new Float32Array(0) };

/** The same seed for every fit, so that the same ratings give the same model. */
const initialisationSeed = 1;

/**
 * The movies' factors, fitted on who rated what. Each sweep solves every user's factors given the
 * movies', then every movie's given the users', each row by a few conjugate-gradient steps from where
 * it was: Σ over the row's ratings plus one k × k product per step, never a k³ solve per row.
 */
export function fitAls(matrix: UserItemMatrix, params: AlsParams = defaultAlsParams): MovieFactors {
  const { numUsers, numMovies, rowPtr, colIdx, colPtr, rowIdx } = matrix;
  const k = params.factors;
  const random = createRandom(initialisationSeed);
  const movies = Float64Array.from({ length: numMovies * k }, () => (random() - 0.5) * 0.01);
  const users = new Float64Array(numUsers * k);
  const solver = new RowSolver(k);
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    solver.sweep(users, numUsers, rowPtr, colIdx, movies, numMovies, params);
    solver.sweep(movies, numMovies, colPtr, rowIdx, users, numUsers, params);
  }
  return { factors: k, values: Float32Array.from(movies) };
}

/** The conjugate-gradient steps of the fit, with their scratch vectors. */
class RowSolver {
  private readonly gram: Float64Array;
  private readonly residual: Float64Array;
  private readonly direction: Float64Array;
  private readonly product: Float64Array;

  constructor(private readonly k: number) {
    this.gram = new Float64Array(k * k);
    this.residual = new Float64Array(k);
    this.direction = new Float64Array(k);
    this.product = new Float64Array(k);
  }

  /**
   * Updates every row of `rows` (count × k) given the other side's factors, where row r's rated
   * entries are others[index[ptr[r] .. ptr[r+1])]: minimises Σ_j c_rj·(p_rj − x·y_j)² + λ|x|².
   */
  sweep(rows: Float64Array, count: number, ptr: Int32Array, index: Int32Array, others: Float64Array, otherCount: number, params: AlsParams): void {
    const { k, gram, residual, direction, product } = this;
    gramOf(others, otherCount, k, params.regularisation, gram);
    const alpha = params.confidence;
    for (let r = 0; r < count; r++) {
      const x = r * k;
      // residual = b − A·x, with b = (1 + α)·Σ y_j and A = YᵀY + λI + α·Σ y_j·y_jᵀ.
      this.multiply(rows, x, ptr[r]!, ptr[r + 1]!, index, others, alpha, product);
      for (let a = 0; a < k; a++) residual[a] = -product[a]!;
      for (let q = ptr[r]!; q < ptr[r + 1]!; q++) {
        const y = index[q]! * k;
        for (let a = 0; a < k; a++) residual[a]! += (1 + alpha) * others[y + a]!;
      }
      direction.set(residual);
      let norm = dot(residual, 0, residual, 0, k);
      for (let step = 0; step < params.conjugateGradientSteps && norm > 1e-20; step++) {
        this.multiply(direction, 0, ptr[r]!, ptr[r + 1]!, index, others, alpha, product);
        const length = norm / dot(direction, 0, product, 0, k);
        for (let a = 0; a < k; a++) {
          rows[x + a]! += length * direction[a]!;
          residual[a]! -= length * product[a]!;
        }
        const next = dot(residual, 0, residual, 0, k);
        for (let a = 0; a < k; a++) direction[a] = residual[a]! + (next / norm) * direction[a]!;
        norm = next;
      }
    }
  }

  /** out = (YᵀY + λI)·v + α·Σ_j y_j·(y_j·v) over the row's rated entries, v = vector[at .. at + k). */
  private multiply(vector: Float64Array, at: number, from: number, to: number, index: Int32Array, others: Float64Array, alpha: number, out: Float64Array): void {
    const { k, gram } = this;
    for (let a = 0; a < k; a++) out[a] = dot(gram, a * k, vector, at, k);
    for (let q = from; q < to; q++) {
      const y = index[q]! * k;
      const w = alpha * dot(others, y, vector, at, k);
      for (let a = 0; a < k; a++) out[a]! += w * others[y + a]!;
    }
  }
}

function dot(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, k: number): number {
  let s = 0;
  for (let t = 0; t < k; t++) s += a[i + t]! * b[j + t]!;
  return s;
}

/** YᵀY + λI of `count` rows of k factors, into `out` (k × k). */
function gramOf(factors: ArrayLike<number>, count: number, k: number, lambda: number, out: Float64Array): Float64Array {
  out.fill(0);
  for (let r = 0; r < count; r++) {
    const y = r * k;
    for (let a = 0; a < k; a++) {
      const v = factors[y + a]!;
      if (v === 0) continue;
      for (let b = a; b < k; b++) out[a * k + b]! += v * factors[y + b]!;
    }
  }
  for (let a = 0; a < k; a++) {
    out[a * k + a]! += lambda;
    for (let b = a + 1; b < k; b++) out[b * k + a] = out[a * k + b]!;
  }
  return out;
}

/** YᵀY + λI of the movies' factors: the part of every user's system that does not depend on the user, derived once per model. */
export function movieGram(factors: MovieFactors, regularisation: number): Float64Array {
  const k = factors.factors;
  return gramOf(factors.values, k === 0 ? 0 : factors.values.length / k, k, regularisation, new Float64Array(k * k));
}

/** Scratch space of one user's solve: the k × k system. */
export function alsScratch(factors: number): Float64Array {
  return new Float64Array(factors * factors);
}

/**
 * The profile's factors, solved exactly (Cholesky) from its rated movies: (YᵀY + λI + α·Σ y_i·y_iᵀ)·x =
 * (1 + α)·Σ y_i, the fit's own step for a user. `gram` is YᵀY + λI (`movieGram`).
 */
export function alsUserFactors(movieFactors: MovieFactors, gram: Float64Array, confidence: number, profile: Profile, scratch: Float64Array): Float64Array {
  const k = movieFactors.factors;
  const { values } = movieFactors;
  const system = scratch;
  system.set(gram);
  const user = new Float64Array(k);
  for (const i of profile.movies) {
    const y = i * k;
    for (let a = 0; a < k; a++) {
      const v = values[y + a]!;
      user[a]! += (1 + confidence) * v;
      const w = confidence * v;
      for (let b = a; b < k; b++) system[a * k + b]! += w * values[y + b]!;
    }
  }
  choleskySolve(system, user, k);
  return user;
}

/** Solves A·x = b in place (x over b) for a symmetric positive definite A whose upper triangle is set; A is overwritten. */
function choleskySolve(a: Float64Array, b: Float64Array, k: number): void {
  // A = LLᵀ, L stored in the lower triangle (read from the upper one, row by row).
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let p = 0; p < j; p++) d -= a[j * k + p]! * a[j * k + p]!;
    const l = Math.sqrt(d);
    a[j * k + j] = l;
    for (let i = j + 1; i < k; i++) {
      let s = a[j * k + i]!;
      for (let p = 0; p < j; p++) s -= a[i * k + p]! * a[j * k + p]!;
      a[i * k + j] = s / l;
    }
  }
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let p = 0; p < i; p++) s -= a[i * k + p]! * b[p]!;
    b[i] = s / a[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let p = i + 1; p < k; p++) s -= a[p * k + i]! * b[p]!;
    b[i] = s / a[i * k + i]!;
  }
}

/**
 * The user's ALS score x·y_i of each of `items`; all 0 (no opinion) when any is not finite, which a
 * fitted model never gives but a system without a positive pivot or factors that overflow would.
 */
export function alsScores(movieFactors: MovieFactors, user: Float64Array, items: Int32Array): Float64Array {
  const k = movieFactors.factors;
  const scores = Float64Array.from(items, (i) => dot(movieFactors.values, i * k, user, 0, k));
  return scores.every(Number.isFinite) ? scores : scores.fill(0);
}
