import type { Baselines } from './baseline';
import type { UserItemMatrix } from './matrix';
import type { Profile } from './profile';
import { ratingEvidence, type Recaller } from './recall';
import { topK } from './top-k';

/**
 * User-based collaborative filtering (SPEC §2.6) computed at request time from the stored matrix.
 * Similarity of the target user u to every other user v is the cosine over the movies both rated,
 * accumulated through the movie → users index, so a request costs Σ over u's movies of their rater
 * counts, never users × movies. The target is a `Profile`: the model's row of a user, or that row
 * with ratings the model does not contain yet, or the ratings of a user the model does not know.
 */
export interface UserCfParams {
  /** What ratings are centred on before the cosine: raw ratings, the user's mean, or the baseline μ+b_u+b_i. */
  centring: 'none' | 'user-mean' | 'baseline';
  /** Neighbours need a similarity strictly above this. */
  similarityThreshold: number;
  /** Neighbours need at least this many co-rated movies. */
  minCoRated: number;
  /** Shrinks similarity by n/(n+shrinkage) for n co-rated movies: few co-ratings, less trust. */
  shrinkage: number;
  /**
   * Significance weighting by overlap: also multiplies by n/√(|R_u|·|R_v|), the share of both users'
   * histories that the co-rated movies make up. The cosine itself stays over co-rated movies only;
   * this keeps very active raters, who co-rate something with everyone, from becoming everyone's
   * nearest neighbours.
   */
  overlapWeighting: boolean;
  /** k of the rating prediction: the most similar users who rated the movie. */
  maxNeighbours: number;
  /** Neighbours whose movies become candidates of a recommendation. */
  recallNeighbours: number;
  /**
   * The recall's neighbour search reads at most about this many raters of a movie (every s-th, s =
   * ⌈raters / this⌉, each standing for s); the `rescoredNeighbours` best by that estimate are then scored
   * exactly. 0 reads every rater. A movie rated by a large share of all users says little about who is
   * similar to whom, while its rater list is most of the search's cost on large data.
   */
  maxRatersScanned: number;
  /** How many neighbours found by the estimate are scored exactly (only when a rater list was thinned). */
  rescoredNeighbours: number;
}

export const defaultUserCfParams: UserCfParams = {
  centring: 'baseline',
  similarityThreshold: 0,
  minCoRated: 2,
  shrinkage: 100,
  overlapWeighting: true,
  maxNeighbours: 40,
  recallNeighbours: 50,
  maxRatersScanned: 1000,
  rescoredNeighbours: 200,
};

/** Candidate movies with their recall score and a per-movie evidence value. */
export interface Candidates {
  items: Int32Array;
  recall: Float64Array;
  /** The neighbours' similarity-weighted rating of each candidate (the reason's "similar users rated it"). */
  evidence: Float64Array;
}

/** Ratings centred as the CF needs them, aligned with the CSR values and with the CSC values. */
export interface Centring {
  rowCentred: Float32Array;
  colCentred: Float32Array;
  userMean: Float32Array;
}

/** The value ratings are centred on, and predictions start from. */
export function baseValue(params: UserCfParams, baselines: Baselines, userMean: number, userBias: number, i: number): number {
  switch (params.centring) {
    case 'none':
      return 0;
    case 'user-mean':
      return userMean;
    case 'baseline':
      return baselines.globalMean + userBias + baselines.itemBias[i]!;
  }
}

export function computeCentring(matrix: UserItemMatrix, baselines: Baselines, params: UserCfParams): Centring {
  const { numUsers, numMovies, rowPtr, colIdx, values, colPtr, rowIdx, colValues } = matrix;
  const userMean = new Float32Array(numUsers);
  for (let u = 0; u < numUsers; u++) {
    let s = 0;
    for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) s += values[k]!;
    const n = rowPtr[u + 1]! - rowPtr[u]!;
    userMean[u] = n > 0 ? s / n : baselines.globalMean;
  }
  const base = (u: number, i: number) => baseValue(params, baselines, userMean[u]!, baselines.userBias[u]!, i);
  const rowCentred = new Float32Array(values.length);
  for (let u = 0; u < numUsers; u++) {
    for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) rowCentred[k] = values[k]! - base(u, colIdx[k]!);
  }
  const colCentred = new Float32Array(colValues.length);
  for (let i = 0; i < numMovies; i++) {
    for (let k = colPtr[i]!; k < colPtr[i + 1]!; k++) colCentred[k] = colValues[k]! - base(rowIdx[k]!, i);
  }
  return { rowCentred, colCentred, userMean };
}

/**
 * Scratch space of the user-based CF for one call at a time, per user and per movie. A caller owns
 * its scratch: threads over one model (or one thread's concurrent callers) each pass their own.
 */
export interface UserCfScratch {
  /** Per other user v, interleaved so one request touches one cache line per v: [dot, Σr_u², Σr_v², n]. */
  accumulators: Float64Array;
  /**
   * The same sums in float32 for a thinned search, whose sums are estimates that only rank the
   * candidates scored exactly afterwards: half the bytes, so more of them stay in the core's cache when
   * there are 10^5 users (7% less precompute time at 10^7 ratings).
   */
  estimates: Float32Array;
  touched: Int32Array;
  /** Similarities by position in `touched`: sequential memory, where a per-user array would cost a cache miss per read. */
  touchedSim: Float64Array;
  /** Exact similarity per user to the row `simUser` of the model `simModel` (for predictions), and which users are set. */
  sim: Float64Array;
  simUsers: Int32Array;
  simModel: UserBasedCF | undefined;
  simUser: number;
  simCount: number;
  profileCentred: Float64Array;
  inProfile: Uint8Array;
  itemAcc: Float64Array;
  itemSimSum: Float64Array;
  itemTouched: Int32Array;
  itemMark: Uint8Array;
  raters: Int32Array;
  raterPos: Int32Array;
}

export function userCfScratch(numUsers: number, numMovies: number): UserCfScratch {
  return {
    accumulators: new Float64Array(numUsers * 4),
    estimates: new Float32Array(numUsers * 4),
    touched: new Int32Array(numUsers),
    touchedSim: new Float64Array(numUsers),
    sim: new Float64Array(numUsers),
    simUsers: new Int32Array(numUsers),
    simModel: undefined,
    simUser: -1,
    simCount: 0,
    raters: new Int32Array(numUsers),
    raterPos: new Int32Array(numUsers),
    itemAcc: new Float64Array(numMovies),
    itemSimSum: new Float64Array(numMovies),
    itemTouched: new Int32Array(numMovies),
    itemMark: new Uint8Array(numMovies),
    profileCentred: new Float64Array(numMovies),
    inProfile: new Uint8Array(numMovies),
  };
}

/** Recall candidates whose evidence is the neighbours' weighted rating, as every recall hands the rerank. */
export function userCfRecaller(cf: UserBasedCF): Recaller {
  return {
    recall(profile, scratch) {
      const candidates = cf.recall(profile, scratch.seen, scratch.userCf);
      return { items: candidates.items, recall: candidates.recall, absolute: false, evidence: candidates.evidence.map(ratingEvidence) };
    },
  };
}

/**
 * The model's side of user-based CF: the matrix, its baselines and centring, read-only. Every method
 * takes the caller's scratch; without one it uses a scratch of its own, for single-caller use.
 */
export class UserBasedCF {
  readonly centring: Centring;
  private own: UserCfScratch | undefined;

  constructor(
    private readonly matrix: UserItemMatrix,
    private readonly baselines: Baselines,
    readonly params: UserCfParams,
    private readonly scale: { min: number; max: number },
    centring?: Centring,
  ) {
    this.centring = centring ?? computeCentring(matrix, baselines, params);
  }

  private scratch(): UserCfScratch {
    return (this.own ??= userCfScratch(this.matrix.numUsers, this.matrix.numMovies));
  }

  /** The value ratings of the model's user u are centred on, and predictions start from. */
  base(u: number, i: number): number {
    return baseValue(this.params, this.baselines, this.centring.userMean[u]!, this.baselines.userBias[u]!, i);
  }

  /** The model's row of user u as a profile. */
  rowProfile(u: number): Profile {
    const { rowPtr, colIdx, values } = this.matrix;
    const start = rowPtr[u]!;
    const end = rowPtr[u + 1]!;
    return { user: u, fromModel: true, movies: colIdx.subarray(start, end), ratings: values.subarray(start, end), centred: this.centring.rowCentred.subarray(start, end) };
  }

  /**
   * Accumulates the co-rated sums of the profile with every user sharing a movie (the profile's own user
   * excepted) and leaves their similarities in `touchedSim`, by position in `touched`; returns how many.
   * Users below the co-rating minimum get 0. With `cap` > 0, rater lists longer than `cap` are read as
   * one contiguous run of `cap` raters (from an offset that varies by movie), each standing for
   * n / cap raters, which makes the sums estimates; `thinned` reports whether that happened.
   */
  private scan(profile: Profile, cap: number, scratch: UserCfScratch): { count: number; thinned: boolean } {
    const { touched, touchedSim } = scratch;
    const a = this.thins(profile, cap) ? scratch.estimates : scratch.accumulators;
    let count = 0;
    let thinned = false;
    const { rowPtr, colPtr, rowIdx } = this.matrix;
    const { colCentred } = this.centring;
    const self = profile.user;
    const { movies, centred } = profile;
    for (let k = 0; k < movies.length; k++) {
      const i = movies[k]!;
      const ru = centred[k]!;
      const start = colPtr[i]!;
      const end = colPtr[i + 1]!;
      const n = end - start;
      const s = cap > 0 && n > cap ? n / cap : 1;
      const from = s > 1 ? start + (((i * 2654435761) >>> 0) % (n - cap + 1)) : start;
      const to = s > 1 ? from + cap : end;
      if (s > 1) thinned = true;
      const wru = s * ru;
      const wru2 = wru * ru;
      for (let q = from; q < to; q++) {
        const v = rowIdx[q]!;
        if (v === self) continue;
        const b = v * 4;
        if (a[b + 3] === 0) touched[count++] = v;
        const rv = colCentred[q]!;
        a[b] = a[b]! + wru * rv;
        a[b + 1] = a[b + 1]! + wru2;
        a[b + 2] = a[b + 2]! + s * rv * rv;
        a[b + 3] = a[b + 3]! + s;
      }
    }
    const { minCoRated, shrinkage, overlapWeighting } = this.params;
    const countU = movies.length;
    for (let t = 0; t < count; t++) {
      const v = touched[t]!;
      const b = v * 4;
      const n = a[b + 3]!;
      const denominator = Math.sqrt(a[b + 1]! * a[b + 2]!);
      let similarity = 0;
      if (n >= minCoRated && denominator > 0) {
        similarity = (a[b]! / denominator) * (n / (n + shrinkage));
        if (overlapWeighting) similarity *= n / Math.sqrt(countU * (rowPtr[v + 1]! - rowPtr[v]!));
      }
      touchedSim[t] = similarity;
      a[b] = 0;
      a[b + 1] = 0;
      a[b + 2] = 0;
      a[b + 3] = 0;
    }
    return { count, thinned };
  }

  /** Whether the profile rates a movie with more than `cap` (> 0) raters, whose rater list a search thins. */
  private thins(profile: Profile, cap: number): boolean {
    if (cap <= 0) return false;
    const { colPtr } = this.matrix;
    for (const i of profile.movies) if (colPtr[i + 1]! - colPtr[i]! > cap) return true;
    return false;
  }

  /** The model's exact similarity of the profile to user v from their co-rated movies (a merge of v's row against the marked profile). */
  private exactSimilarity(profile: Profile, v: number, scratch: UserCfScratch): number {
    const { profileCentred, inProfile } = scratch;
    const { rowPtr, colIdx } = this.matrix;
    const { rowCentred } = this.centring;
    let dot = 0;
    let squaresU = 0;
    let squaresV = 0;
    let n = 0;
    for (let k = rowPtr[v]!; k < rowPtr[v + 1]!; k++) {
      const i = colIdx[k]!;
      if (inProfile[i] === 0) continue;
      const ru = profileCentred[i]!;
      const rv = rowCentred[k]!;
      dot += ru * rv;
      squaresU += ru * ru;
      squaresV += rv * rv;
      n++;
    }
    const denominator = Math.sqrt(squaresU * squaresV);
    if (n < this.params.minCoRated || denominator === 0) return 0;
    let similarity = (dot / denominator) * (n / (n + this.params.shrinkage));
    if (this.params.overlapWeighting) similarity *= n / Math.sqrt(profile.movies.length * (rowPtr[v + 1]! - rowPtr[v]!));
    return similarity;
  }

  /**
   * The recall's neighbour candidates: every user above the threshold with their exact similarity; or,
   * when a rater list was thinned, the `rescoredNeighbours` best by the estimate, scored exactly.
   */
  private candidates(profile: Profile, scratch: UserCfScratch): { users: Int32Array; sims: Float64Array } {
    const { count, thinned } = this.scan(profile, this.params.maxRatersScanned, scratch);
    const { touched, touchedSim, raters, profileCentred, inProfile } = scratch;
    const threshold = this.params.similarityThreshold;
    let n = 0;
    for (let t = 0; t < count; t++) if (touchedSim[t]! > threshold) raters[n++] = t;
    if (!thinned) {
      return { users: Int32Array.from(raters.subarray(0, n), (t) => touched[t]!), sims: Float64Array.from(raters.subarray(0, n), (t) => touchedSim[t]!) };
    }
    const chosen = topK(raters, n, touchedSim, this.params.rescoredNeighbours);
    const { movies, centred } = profile;
    for (let k = 0; k < movies.length; k++) {
      profileCentred[movies[k]!] = centred[k]!;
      inProfile[movies[k]!] = 1;
    }
    const users = Int32Array.from(chosen, (t) => touched[t]!);
    const sims = Float64Array.from(users, (v) => this.exactSimilarity(profile, v, scratch));
    for (const i of movies) inProfile[i] = 0;
    return { users, sims };
  }

  /** Fills `sim` with the exact similarity of user u to every user sharing a movie (for predictions). */
  private exactSimilarities(u: number, scratch: UserCfScratch): void {
    if (scratch.simModel === this && scratch.simUser === u) return;
    const { sim, simUsers, touched, touchedSim } = scratch;
    for (let t = 0; t < scratch.simCount; t++) sim[simUsers[t]!] = 0;
    const { count } = this.scan(this.rowProfile(u), 0, scratch);
    for (let t = 0; t < count; t++) {
      sim[touched[t]!] = touchedSim[t]!;
      simUsers[t] = touched[t]!;
    }
    scratch.simCount = count;
    scratch.simModel = this;
    scratch.simUser = u;
  }

  /** Similarity of users u and v as used by the model (0 when below the co-rating minimum). */
  similarity(u: number, v: number, scratch = this.scratch()): number {
    this.exactSimilarities(u, scratch);
    return scratch.sim[v]!;
  }

  /** The most similar users above the threshold, best first. */
  neighbours(target: number | Profile, limit: number, scratch = this.scratch()): { users: Int32Array; sims: Float64Array } {
    const { users, sims } = this.candidates(typeof target === 'number' ? this.rowProfile(target) : target, scratch);
    const positions = Int32Array.from({ length: users.length }, (_, p) => p);
    const best = topK(positions, positions.length, sims, limit);
    return { users: Int32Array.from(best, (p) => users[p]!), sims: Float64Array.from(best, (p) => sims[p]!) };
  }

  /** Similarity-weighted prediction over the k most similar users who rated movie i. */
  predict(u: number, i: number, scratch = this.scratch()): number {
    this.exactSimilarities(u, scratch);
    const { colPtr, rowIdx } = this.matrix;
    const { sim, raters, raterPos } = scratch;
    const { colCentred } = this.centring;
    const threshold = this.params.similarityThreshold;
    let n = 0;
    for (let q = colPtr[i]!; q < colPtr[i + 1]!; q++) {
      const v = rowIdx[q]!;
      if (v !== u && sim[v]! > threshold) {
        raters[n] = v;
        raterPos[v] = q;
        n++;
      }
    }
    // No usable neighbour: the baseline estimate μ + b_u + b_i, whatever the centring.
    let estimate = this.baselines.globalMean + this.baselines.userBias[u]! + this.baselines.itemBias[i]!;
    if (n > 0) {
      const chosen = topK(raters, n, sim, this.params.maxNeighbours);
      let num = 0;
      let den = 0;
      for (const v of chosen) {
        const s = sim[v]!;
        num += s * colCentred[raterPos[v]!]!;
        den += s;
      }
      if (den > 0) estimate = this.base(u, i) + num / den;
    }
    return Math.min(this.scale.max, Math.max(this.scale.min, estimate));
  }

  /**
   * Recall for a recommendation: over the top neighbours N(u),
   * recall(j) = Σ_{v∈N(u) rated j} sim(u,v)·r_vj / Σ_{v∈N(u)} sim(u,v), the similarity-weighted rating
   * with "not rated" counting as 0, so movies many close neighbours rated well come first.
   * Evidence: Σ sim·r_vj / Σ sim over the neighbours who rated j (the reason's "similar users rated it").
   * `seen` marks the profile's own movies, which are skipped.
   */
  recall(target: number | Profile, seen: Uint8Array, scratch = this.scratch()): Candidates {
    const { users, sims } = this.neighbours(target, this.params.recallNeighbours, scratch);
    const { rowPtr, colIdx, values } = this.matrix;
    const { itemAcc, itemSimSum, itemTouched, itemMark } = scratch;
    let count = 0;
    let total = 0;
    for (let n = 0; n < users.length; n++) {
      const v = users[n]!;
      const s = sims[n]!;
      total += s;
      for (let k = rowPtr[v]!; k < rowPtr[v + 1]!; k++) {
        const j = colIdx[k]!;
        if (seen[j]) continue;
        if (itemMark[j] === 0) {
          itemMark[j] = 1;
          itemTouched[count++] = j;
        }
        itemAcc[j]! += s * values[k]!;
        itemSimSum[j]! += s;
      }
    }
    const items = itemTouched.slice(0, count);
    const recall = new Float64Array(count);
    const evidence = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      const j = items[c]!;
      recall[c] = total > 0 ? itemAcc[j]! / total : 0;
      evidence[c] = itemSimSum[j]! > 0 ? itemAcc[j]! / itemSimSum[j]! : 0;
      itemAcc[j] = 0;
      itemMark[j] = 0;
      itemSimSum[j] = 0;
    }
    return { items, recall, evidence };
  }
}
