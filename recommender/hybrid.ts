import type { BaselineParams, Baselines } from './baseline';
import { defaultBaselineParams, fitBaselines, ratingScale } from './baseline';
import type { ContentParams, ContentSimilarity, FeatureRows } from './content';
import { accumulateProfile, computeContentSimilarity, defaultContentParams, featureRows, forEachSimilar, profileCosine, profileCosines } from './content';
import { UnknownMovieError } from './errors';
import type { UserItemMatrix } from './matrix';
import { withExtraMovies } from './matrix';
import type { QualityScores } from './quality';
import { computeQuality } from './quality';
import { topK } from './top-k';
import type { Movie } from './types';
import type { UserCfParams } from './user-cf';
import { UserBasedCF, defaultUserCfParams } from './user-cf';

export type Method = 'user-based' | 'item-based' | 'hybrid';
export const methods: readonly Method[] = ['user-based', 'item-based', 'hybrid'];
export type RecommendationPath = 'personalised' | 'content-from-few-ratings' | 'popular';

export interface HybridParams {
  userCf: UserCfParams;
  content: ContentParams;
  baseline: BaselineParams;
  /** Weight of the user-based recall in the hybrid recall; the content recall gets the rest. */
  hybridUserWeight: number;
  /** How many of the best recall candidates go to the rerank. */
  candidatePool: number;
  /** Candidates need at least this many ratings (the popular fallback is not filtered). */
  minCandidateRatings: number;
  /** Users with fewer ratings get content from their few ratings instead of CF. */
  minUserRatings: number;
  /** C of the Bayesian-shrunk mean rating, in ratings. */
  priorWeight: number;
  /** Default quality_weight of a request. */
  qualityWeight: number;
}

export const defaultHybridParams: HybridParams = {
  userCf: defaultUserCfParams,
  content: defaultContentParams,
  baseline: defaultBaselineParams,
  hybridUserWeight: 0.6,
  candidatePool: 100,
  minCandidateRatings: 30,
  minUserRatings: 5,
  priorWeight: 10,
  qualityWeight: 0.3,
};

export interface RecommendOptions {
  method?: Method;
  limit?: number;
  qualityWeight?: number;
}

export interface RecommendedItem {
  movieId: number;
  title: string;
  score: number;
  recall_score: number;
  quality_score: number;
  reason: string;
}

export interface Recommendations {
  userId: number;
  method: Method;
  path: RecommendationPath;
  items: RecommendedItem[];
}

export interface SimilarMovie {
  movieId: number;
  title: string;
  similarity: number;
}

/** Everything a fitted model consists of; the artifact stores exactly this. */
export interface ModelState {
  matrix: UserItemMatrix;
  baselines: Baselines;
  content: ContentSimilarity;
  /** Catalog metadata aligned with the matrix's movie indices. */
  catalog: Movie[];
  params: HybridParams;
}

interface Recall {
  items: Int32Array;
  recall: Float64Array;
  /** The recall is already a [0,1] score on a scale shared by all users; otherwise min-max within the pool. */
  absolute: boolean;
  reason(position: number): string;
}

export function mergeParams(params: Partial<HybridParams> | undefined): HybridParams {
  return {
    ...defaultHybridParams,
    ...params,
    userCf: { ...defaultHybridParams.userCf, ...params?.userCf },
    content: { ...defaultHybridParams.content, ...params?.content },
    baseline: { ...defaultHybridParams.baseline, ...params?.baseline },
  };
}

function displayTitle(movie: Movie): string {
  return movie.year !== undefined && !/\(\d{4}\)\s*$/.test(movie.title) ? `${movie.title} (${movie.year})` : movie.title;
}

/**
 * The hybrid recommender: user-based CF (request time, from the stored matrix) and content-based
 * similarity (precomputed), recall → rerank by quality (SPEC §2.8). Synchronous and single-threaded:
 * per-request scratch buffers are reused.
 */
export class HybridRecommender {
  readonly params: HybridParams;
  readonly matrix: UserItemMatrix;
  readonly baselines: Baselines;
  readonly content: ContentSimilarity;
  readonly catalog: Movie[];
  readonly quality: QualityScores;
  readonly scale: { min: number; max: number };
  private readonly cf: UserBasedCF;
  private readonly contentRows: FeatureRows;
  /** cos(audience taste, movie): how well each movie matches what everybody rated highly. */
  private readonly audienceCosine: Float32Array;
  private readonly profile: Float64Array;
  private readonly seen: Uint8Array;
  private readonly acc: Float64Array;
  private readonly best: Float64Array;
  private readonly bestSource: Int32Array;
  private readonly mark: Uint8Array;
  private readonly touched: Int32Array;
  private readonly simRow: Float64Array;
  private readonly userPart: Float64Array;
  private readonly contentPart: Float64Array;
  private readonly userPosition: Int32Array;
  private readonly contentPosition: Int32Array;

  constructor(state: ModelState) {
    this.params = state.params;
    this.matrix = state.matrix;
    this.baselines = state.baselines;
    this.content = state.content;
    this.catalog = state.catalog;
    this.scale = ratingScale(state.matrix);
    this.quality = computeQuality(state.matrix, state.params.priorWeight, this.scale);
    this.cf = new UserBasedCF(state.matrix, state.baselines, state.params.userCf, this.scale);
    const n = state.matrix.numMovies;
    this.seen = new Uint8Array(n);
    this.acc = new Float64Array(n);
    this.best = new Float64Array(n);
    this.bestSource = new Int32Array(n);
    this.mark = new Uint8Array(n);
    this.touched = new Int32Array(n);
    this.simRow = new Float64Array(n);
    this.userPart = new Float64Array(n);
    this.contentPart = new Float64Array(n);
    this.userPosition = new Int32Array(n);
    this.contentPosition = new Int32Array(n);
    this.contentRows = featureRows(state.catalog, state.params.content);
    this.profile = new Float64Array(this.contentRows.numFeatures);
    this.audienceCosine = this.computeAudienceCosine();
  }

  /** Fits both models: the CF keeps the matrix (plus baselines), the content side precomputes similarity. */
  static fit(matrix: UserItemMatrix, movies: Movie[], params?: Partial<HybridParams>): HybridRecommender {
    const merged = mergeParams(params);
    const full = withExtraMovies(matrix, movies.map((m) => m.movieId));
    const byId = new Map(movies.map((m) => [m.movieId, m]));
    const catalog = Array.from(full.movieIds, (id) => byId.get(id) ?? { movieId: id, title: `Movie ${id}`, genres: [] });
    return new HybridRecommender({
      matrix: full,
      baselines: fitBaselines(full, merged.baseline),
      content: computeContentSimilarity(catalog, merged.content),
      catalog,
      params: merged,
    });
  }

  hasUser(userId: number): boolean {
    return this.matrix.userIndex.has(userId);
  }

  hasMovie(movieId: number): boolean {
    return this.matrix.movieIndex.has(movieId);
  }

  movie(movieId: number): Movie | undefined {
    const i = this.matrix.movieIndex.get(movieId);
    return i === undefined ? undefined : this.catalog[i];
  }

  /** Movies the user has rated, as ids. */
  ratedMovies(userId: number): number[] {
    const u = this.matrix.userIndex.get(userId);
    if (u === undefined) return [];
    const { rowPtr, colIdx, movieIds } = this.matrix;
    return Array.from(colIdx.subarray(rowPtr[u], rowPtr[u + 1]), (i) => movieIds[i]!);
  }

  recommend(userId: number, options: RecommendOptions = {}): Recommendations {
    const method = options.method ?? 'hybrid';
    const limit = options.limit ?? 10;
    const qualityWeight = options.qualityWeight ?? this.params.qualityWeight;
    if (!methods.includes(method)) throw new RangeError(`unknown method ${String(method)}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(qualityWeight >= 0 && qualityWeight <= 1)) throw new RangeError('qualityWeight must be within [0, 1]');

    const u = this.matrix.userIndex.get(userId);
    const { rowPtr, colIdx } = this.matrix;
    const rated = u === undefined ? 0 : rowPtr[u + 1]! - rowPtr[u]!;
    if (u === undefined || rated === 0) return { userId, method, path: 'popular', items: this.popular(limit, []) };

    const seen = this.seen;
    for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) seen[colIdx[k]!] = 1;
    try {
      let path: RecommendationPath = 'personalised';
      let recall: Recall;
      if (rated < this.params.minUserRatings) {
        path = 'content-from-few-ratings';
        recall = this.contentRecall(u);
      } else if (method === 'user-based') {
        recall = this.userRecall(u);
        if (recall.items.length === 0) recall = this.contentRecall(u);
      } else if (method === 'item-based') {
        recall = this.contentRecall(u);
      } else {
        recall = this.hybridRecall(u);
      }
      const items = this.rerank(recall, qualityWeight, limit);
      if (items.length === 0) path = 'popular';
      if (items.length < limit) items.push(...this.popular(limit - items.length, items.map((item) => item.movieId)));
      return { userId, method, path, items };
    } finally {
      for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) seen[colIdx[k]!] = 0;
    }
  }

  /** Rating prediction; unknown users get the movie's shrunk mean rating. */
  predictRating(userId: number, movieId: number, method: Method = 'user-based'): number {
    const i = this.matrix.movieIndex.get(movieId);
    if (i === undefined) throw new UnknownMovieError(movieId);
    const u = this.matrix.userIndex.get(userId);
    if (u === undefined) return this.scale.min + this.quality.avgRating[i]! * (this.scale.max - this.scale.min);
    if (method === 'user-based') return this.cf.predict(u, i);
    if (method === 'item-based') return this.contentPredict(u, i);
    const w = this.params.hybridUserWeight;
    return w * this.cf.predict(u, i) + (1 - w) * this.contentPredict(u, i);
  }

  similarMovies(movieId: number, limit = 10): SimilarMovie[] {
    const i = this.matrix.movieIndex.get(movieId);
    if (i === undefined) throw new UnknownMovieError(movieId);
    const { acc, touched } = this;
    let count = 0;
    forEachSimilar(this.content, i, (j, s) => {
      acc[j] = s;
      touched[count++] = j;
    });
    const best = topK(touched, count, acc, limit);
    const result = Array.from(best, (j) => ({ movieId: this.matrix.movieIds[j]!, title: this.catalog[j]!.title, similarity: acc[j]! }));
    for (let t = 0; t < count; t++) acc[touched[t]!] = 0;
    return result;
  }

  private userRecall(u: number): Recall {
    const candidates = this.cf.recall(u, this.seen);
    return {
      items: candidates.items,
      recall: candidates.recall,
      absolute: false,
      reason: (c) => `similar users rated it ${candidates.evidence[c]!.toFixed(1)}`,
    };
  }

  /**
   * Content recall: how much better a movie matches the user's taste than the audience's.
   *   taste(u) = Σ_j (r_uj − r_min)·v_j over the movies u rated (a bottom rating adds nothing),
   *   lift(c)  = cos(taste(u), v_c) − cos(taste(everyone), v_c) ∈ [−1, 1],   recall(c) = (1 + lift(c)) / 2.
   * The candidates are the movies the precomputed similarities link to the ones the user rated above the
   * minimum; the cosines are computed exactly from the movie vectors, so kept top-K neighbour lists do
   * not bias them. Without the audience term the genres everybody watches (drama, comedy) would
   * outweigh what sets this user apart; the score is on an absolute scale, so a user whose taste is the
   * audience's gets flat recall and the quality decides.
   */
  private contentRecall(u: number): Recall {
    const { rowPtr, colIdx, values } = this.matrix;
    const { best, bestSource, mark, touched, seen, profile } = this;
    const start = rowPtr[u]!;
    const weights = new Float64Array(rowPtr[u + 1]! - start);
    for (let k = start; k < rowPtr[u + 1]!; k++) weights[k - start] = values[k]! - this.scale.min;
    const norm = accumulateProfile(this.contentRows, colIdx.subarray(start, rowPtr[u + 1]), weights, profile);
    if (norm === 0) return { items: new Int32Array(0), recall: new Float64Array(0), absolute: true, reason: () => '' };
    let count = 0;
    for (let k = start; k < rowPtr[u + 1]!; k++) {
      const w = weights[k - start]!;
      if (w === 0) continue;
      const j = colIdx[k]!;
      forEachSimilar(this.content, j, (c, s) => {
        if (seen[c]) return;
        if (mark[c] === 0) {
          mark[c] = 1;
          touched[count++] = c;
        }
        if (w * s > best[c]!) {
          best[c] = w * s;
          bestSource[c] = j;
        }
      });
    }
    const items = touched.slice(0, count);
    const recall = new Float64Array(count);
    const source = new Int32Array(count);
    for (let c = 0; c < count; c++) {
      const i = items[c]!;
      const lift = profileCosine(this.contentRows, profile, norm, i) - this.audienceCosine[i]!;
      recall[c] = Math.min(1, Math.max(0, (1 + lift) / 2));
      source[c] = bestSource[i]!;
      best[i] = 0;
      mark[i] = 0;
    }
    profile.fill(0);
    return { items, recall, absolute: true, reason: (c) => `because you liked ${displayTitle(this.catalog[source[c]!]!)}` };
  }

  /** The audience's taste: every movie's vector weighted by the sum of its ratings above the scale's minimum. */
  private computeAudienceCosine(): Float32Array {
    const { numMovies, colPtr, colValues } = this.matrix;
    const weights = new Float64Array(numMovies);
    for (let i = 0; i < numMovies; i++) {
      for (let k = colPtr[i]!; k < colPtr[i + 1]!; k++) weights[i]! += colValues[k]! - this.scale.min;
    }
    const movies = Int32Array.from({ length: numMovies }, (_, i) => i);
    const norm = accumulateProfile(this.contentRows, movies, weights, this.profile);
    const cosines = profileCosines(this.contentRows, this.profile, norm, numMovies);
    this.profile.fill(0);
    return cosines;
  }

  /** Both recalls, each min-max normalised within its own list, mixed with hybridUserWeight. */
  private hybridRecall(u: number): Recall {
    const user = this.userRecall(u);
    const content = this.contentRecall(u);
    const w = this.params.hybridUserWeight;
    const { mark, touched, userPart, contentPart, userPosition, contentPosition } = this;
    let count = 0;
    const visit = (list: Recall, weight: number, part: Float64Array, position: Int32Array): void => {
      const [min, max] = minMax(list.recall, list.recall.length);
      for (let c = 0; c < list.items.length; c++) {
        const item = list.items[c]!;
        if (mark[item] === 0) {
          mark[item] = 1;
          touched[count++] = item;
          userPart[item] = 0;
          contentPart[item] = 0;
          userPosition[item] = -1;
          contentPosition[item] = -1;
        }
        part[item] = weight * (max > min ? (list.recall[c]! - min) / (max - min) : 1);
        position[item] = c;
      }
    };
    visit(user, w, userPart, userPosition);
    visit(content, 1 - w, contentPart, contentPosition);
    const items = touched.slice(0, count);
    const recall = new Float64Array(count);
    const fromUser = new Int32Array(count);
    const fromContent = new Int32Array(count);
    for (let p = 0; p < count; p++) {
      const item = items[p]!;
      recall[p] = userPart[item]! + contentPart[item]!;
      // The reason follows the larger share of the mixed recall.
      fromUser[p] = userPart[item]! >= contentPart[item]! ? userPosition[item]! : -1;
      fromContent[p] = contentPosition[item]!;
      mark[item] = 0;
    }
    return {
      items,
      recall,
      absolute: false,
      reason: (p) => (fromUser[p]! >= 0 ? user.reason(fromUser[p]!) : content.reason(fromContent[p]!)),
    };
  }

  /**
   * The best `candidatePool` by recall, recall min-max normalised within that pool (unless absolute), then
   * score = recall·(1 − qw) + quality·qw.
   */
  private rerank(recall: Recall, qualityWeight: number, limit: number): RecommendedItem[] {
    const { colPtr } = this.matrix;
    const minRatings = this.params.minCandidateRatings;
    const positions = new Int32Array(recall.items.length);
    let n = 0;
    for (let c = 0; c < recall.items.length; c++) {
      const item = recall.items[c]!;
      if (colPtr[item + 1]! - colPtr[item]! >= minRatings) positions[n++] = c;
    }
    if (n === 0) return [];
    const pool = topK(positions, n, recall.recall, this.params.candidatePool);
    let min = Infinity;
    let max = -Infinity;
    for (const c of pool) {
      min = Math.min(min, recall.recall[c]!);
      max = Math.max(max, recall.recall[c]!);
    }
    const scored = Array.from(pool, (c) => {
      const item = recall.items[c]!;
      const recallScore = recall.absolute ? recall.recall[c]! : max > min ? (recall.recall[c]! - min) / (max - min) : 1;
      const qualityScore = this.quality.quality[item]!;
      return { c, item, recallScore, qualityScore, score: recallScore * (1 - qualityWeight) + qualityScore * qualityWeight };
    });
    scored.sort((a, b) => b.score - a.score || this.matrix.movieIds[a.item]! - this.matrix.movieIds[b.item]!);
    return scored.slice(0, limit).map((s) => ({
      movieId: this.matrix.movieIds[s.item]!,
      title: this.catalog[s.item]!.title,
      score: s.score,
      recall_score: s.recallScore,
      quality_score: s.qualityScore,
      reason: recall.reason(s.c),
    }));
  }

  /** The fallback: movies by quality score (which is also their recall score here), unseen ones only. */
  private popular(limit: number, exclude: number[]): RecommendedItem[] {
    const excluded = new Set(exclude);
    const items: RecommendedItem[] = [];
    for (const i of this.quality.byQuality) {
      if (items.length >= limit) break;
      const movieId = this.matrix.movieIds[i]!;
      if (this.seen[i] || excluded.has(movieId)) continue;
      const q = this.quality.quality[i]!;
      items.push({ movieId, title: this.catalog[i]!.title, score: q, recall_score: q, quality_score: q, reason: 'popular with high ratings' });
    }
    return items;
  }

  /** Item-based rating prediction: base(u,i) + similarity-weighted deviations of the k most similar rated movies. */
  private contentPredict(u: number, i: number): number {
    const { rowPtr, colIdx, values } = this.matrix;
    const { simRow, touched, acc } = this;
    forEachSimilar(this.content, i, (j, s) => {
      simRow[j] = s;
    });
    let count = 0;
    for (let k = rowPtr[u]!; k < rowPtr[u + 1]!; k++) {
      const j = colIdx[k]!;
      if (simRow[j]! > 0) {
        touched[count++] = j;
        acc[j] = values[k]!;
      }
    }
    let num = 0;
    let den = 0;
    for (const j of topK(touched, count, simRow, this.params.userCf.maxNeighbours)) {
      const s = simRow[j]!;
      num += s * (acc[j]! - this.cf.base(u, j));
      den += s;
    }
    forEachSimilar(this.content, i, (j) => {
      simRow[j] = 0;
    });
    for (let t = 0; t < count; t++) acc[touched[t]!] = 0;
    const estimate = this.cf.base(u, i) + (den > 0 ? num / den : 0);
    return Math.min(this.scale.max, Math.max(this.scale.min, estimate));
  }
}

function minMax(values: Float64Array, n: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let c = 0; c < n; c++) {
    min = Math.min(min, values[c]!);
    max = Math.max(max, values[c]!);
  }
  return [min, max];
}
