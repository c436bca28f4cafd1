import type { Baselines } from './baseline';
import type { UserItemMatrix } from './matrix';
import { topK } from './top-k';

/**
 * User-based collaborative filtering (SPEC §2.6) computed at request time from the stored matrix.
 * Similarity of the target user u to every other user v is the cosine over the movies both rated,
 * accumulated through the movie → users index, so a request costs Σ over u's movies of their rater
 * counts, never users × movies.
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
}

export const defaultUserCfParams: UserCfParams = {
  centring: 'baseline',
  similarityThreshold: 0,
  minCoRated: 2,
  shrinkage: 100,
  overlapWeighting: true,
  maxNeighbours: 40,
  recallNeighbours: 50,
};

/** Candidate movies with their recall score and a per-movie evidence value. */
export interface Candidates {
  items: Int32Array;
  recall: Float64Array;
  /** user-based: the neighbours' similarity-weighted rating; item-based: index of the movie that contributed most. */
  evidence: Float64Array;
}

export class UserBasedCF {
  /** Centred ratings aligned with the CSR values and with the CSC values. */
  private readonly rowCentred: Float32Array;
  private readonly colCentred: Float32Array;
  private readonly userMean: Float32Array;
  // Scratch buffers reused across requests (the module is synchronous, one request at a time).
  /** Per other user v, interleaved so one request touches one cache line per v: [dot, Σr_u², Σr_v², n]. */
  private readonly accumulators: Float32Array;
  private readonly sim: Float64Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private simUser = -1;
  private readonly itemAcc: Float64Array;
  private readonly itemSimSum: Float64Array;
  private readonly itemTouched: Int32Array;
  private readonly itemMark: Uint8Array;
  private readonly raters: Int32Array;
  private readonly raterPos: Int32Array;

  constructor(
    private readonly matrix: UserItemMatrix,
    private readonly baselines: Baselines,
    readonly params: UserCfParams,
    private readonly scale: { min: number; max: number },
  ) {
    const { numUsers, numMovies, rowPtr, colIdx, values, colPtr, rowIdx, colValues } = matrix;
    this.userMean = new Float32Array(numUsers);
    for (let u = 0; u < numUsers; u++) {
      let s = 0;
      for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) s += values[k]!;
      const n = rowPtr[u + 1]! - rowPtr[u]!;
      this.userMean[u] = n > 0 ? s / n : baselines.globalMean;
    }
    this.rowCentred = new Float32Array(values.length);
    for (let u = 0; u < numUsers; u++) {
      for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) this.rowCentred[k] = values[k]! - this.base(u, colIdx[k]!);
    }
    this.colCentred = new Float32Array(colValues.length);
    for (let i = 0; i < numMovies; i++) {
      for (let k = colPtr[i]!; k < colPtr[i + 1]!; k++) this.colCentred[k] = colValues[k]! - this.base(rowIdx[k]!, i);
    }
    this.accumulators = new Float32Array(numUsers * 4);
    this.sim = new Float64Array(numUsers);
    this.touched = new Int32Array(numUsers);
    this.raters = new Int32Array(numUsers);
    this.raterPos = new Int32Array(numUsers);
    this.itemAcc = new Float64Array(numMovies);
    this.itemSimSum = new Float64Array(numMovies);
    this.itemTouched = new Int32Array(numMovies);
    this.itemMark = new Uint8Array(numMovies);
  }

  /** The value ratings are centred on, and predictions start from. */
  base(u: number, i: number): number {
    switch (this.params.centring) {
      case 'none':
        return 0;
      case 'user-mean':
        return this.userMean[u]!;
      case 'baseline':
        return this.baselines.globalMean + this.baselines.userBias[u]! + this.baselines.itemBias[i]!;
    }
  }

  /**
   * Fills `sim` for every user sharing a movie with u (the `touched` list); others stay 0.
   * Users below the co-rating minimum get 0.
   */
  private computeSimilarities(u: number): void {
    if (this.simUser === u) return;
    const { accumulators: a, sim, touched } = this;
    for (let t = 0; t < this.touchedCount; t++) {
      const v = touched[t]!;
      a.fill(0, v * 4, v * 4 + 4);
      sim[v] = 0;
    }
    let count = 0;
    const { rowPtr, colIdx, colPtr, rowIdx } = this.matrix;
    const { rowCentred, colCentred } = this;
    for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) {
      const i = colIdx[k]!;
      const ru = rowCentred[k]!;
      const ru2 = ru * ru;
      for (let q = colPtr[i]!; q < colPtr[i + 1]!; q++) {
        const v = rowIdx[q]!;
        if (v === u) continue;
        const b = v * 4;
        if (a[b + 3] === 0) touched[count++] = v;
        const rv = colCentred[q]!;
        a[b] = a[b]! + ru * rv;
        a[b + 1] = a[b + 1]! + ru2;
        a[b + 2] = a[b + 2]! + rv * rv;
        a[b + 3] = a[b + 3]! + 1;
      }
    }
    const { minCoRated, shrinkage, overlapWeighting } = this.params;
    const countU = rowPtr[u + 1]! - rowPtr[u]!;
    for (let t = 0; t < count; t++) {
      const v = touched[t]!;
      const b = v * 4;
      const n = a[b + 3]!;
      const denominator = Math.sqrt(a[b + 1]! * a[b + 2]!);
      if (n < minCoRated || denominator === 0) continue;
      let s = (a[b]! / denominator) * (n / (n + shrinkage));
      if (overlapWeighting) s *= n / Math.sqrt(countU * (rowPtr[v + 1]! - rowPtr[v]!));
      sim[v] = s;
    }
    this.touchedCount = count;
    this.simUser = u;
  }

  /** Similarity of users u and v as used by the model (0 when below the co-rating minimum). */
  similarity(u: number, v: number): number {
    this.computeSimilarities(u);
    return this.sim[v]!;
  }

  /** The most similar users above the threshold, best first. */
  neighbours(u: number, limit: number): { users: Int32Array; sims: Float64Array } {
    this.computeSimilarities(u);
    const { touched, sim, raters } = this;
    let n = 0;
    for (let t = 0; t < this.touchedCount; t++) {
      const v = touched[t]!;
      if (sim[v]! > this.params.similarityThreshold) raters[n++] = v;
    }
    const users = topK(raters, n, sim, limit);
    return { users, sims: Float64Array.from(users, (v) => sim[v]!) };
  }

  /** Similarity-weighted prediction over the k most similar users who rated movie i. */
  predict(u: number, i: number): number {
    this.computeSimilarities(u);
    const { colPtr, rowIdx } = this.matrix;
    const { sim, raters, raterPos, colCentred } = this;
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
   * `seen` marks u's own movies, which are skipped.
   */
  recall(u: number, seen: Uint8Array): Candidates {
    const { users, sims } = this.neighbours(u, this.params.recallNeighbours);
    const { rowPtr, colIdx, values } = this.matrix;
    const { itemAcc, itemSimSum, itemTouched, itemMark } = this;
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

  /** Drops the cached similarities (the scratch buffers stay). */
  reset(): void {
    this.simUser = -1;
  }
}
