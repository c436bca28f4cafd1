import { alsScores, alsScratch, alsUserFactors, defaultAlsParams, fitAls, noMovieFactors } from './als';
import { defaultBaselineParams, fitBaselines } from './baseline';
import { CandidateListsBuilder, candidatePool, type CandidateLists } from './candidates';
import { computeContentSimilarity, defaultContentParams, forEachSimilar } from './content';
import { ContentRecaller, liftRecall, watchRecall, type ContentCandidates } from './content-recall';
import { UnknownMovieError } from './errors';
import { defaultItemCfParams, fitItemCf, itemCfRecall, itemCfScratch, type ItemCfScratch } from './item-cf';
import type { UserItemMatrix } from './matrix';
import { withExtraMovies } from './matrix';
import { deriveState, type HybridParams, type HybridWeights, type ModelCore, type ModelState } from './model-state';
import { mergeRatings, type FreshRating, type Profile } from './profile';
import { addScores, mixRecalls, mixScratch, ratingEvidence, reasonText, type MixScratch, type Recall } from './recall';
import { emptyPool, rankPool, selectPool, type Pool } from './rerank';
import { topK } from './top-k';
import type { Movie } from './types';
import { UserBasedCF, baseValue, defaultUserCfParams } from './user-cf';

export type { HybridParams, HybridWeights, ModelCore, ModelState } from './model-state';

/** `item-based` is content similarity (metadata); `item-cf` is collaborative item-to-item (who rated what). */
export type Method = 'user-based' | 'item-based' | 'hybrid' | 'item-cf';
export const methods: readonly Method[] = ['user-based', 'item-based', 'hybrid', 'item-cf'];
export type RecommendationPath = 'personalised' | 'content-from-few-ratings' | 'popular';

export const defaultHybridParams: HybridParams = {
  userCf: defaultUserCfParams,
  content: defaultContentParams,
  itemCf: defaultItemCfParams,
  baseline: defaultBaselineParams,
  als: defaultAlsParams,
  hybridWeights: { userCf: 0.2, itemCf: 0.6, content: 0.2, als: 0 },
  predictionUserWeight: 0.6,
  candidatePool: 100,
  minCandidateRatings: 30,
  hybridMinCandidateRatings: 10,
  minUserRatings: 5,
  priorWeight: 10,
  qualityWeight: 0.3,
};

export interface RecommendOptions {
  method?: Method;
  limit?: number;
  qualityWeight?: number;
}

/** A rating the served model does not contain yet (from the fresh-rating store), in time order. */
export interface FreshRatingInput {
  movieId: number;
  rating: number;
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
  /** With fresh ratings given: how many were folded into the user's profile (ratings of movies the model does not know are not). */
  freshRatingsUsed?: number;
}

export interface SimilarMovie {
  movieId: number;
  title: string;
  similarity: number;
}

export function mergeParams(params: Partial<HybridParams> | undefined): HybridParams {
  return {
    ...defaultHybridParams,
    ...params,
    userCf: { ...defaultHybridParams.userCf, ...params?.userCf },
    content: { ...defaultHybridParams.content, ...params?.content },
    itemCf: { ...defaultHybridParams.itemCf, ...params?.itemCf },
    hybridWeights: { ...defaultHybridParams.hybridWeights, ...params?.hybridWeights },
    baseline: { ...defaultHybridParams.baseline, ...params?.baseline },
    als: { ...defaultHybridParams.als, ...params?.als },
  };
}

function displayTitle(movie: Movie): string {
  return movie.year !== undefined && !/\(\d{4}\)\s*$/.test(movie.title) ? `${movie.title} (${movie.year})` : movie.title;
}

/**
 * The hybrid recommender: user-based CF (request time, from the stored matrix), content-based
 * similarity and item-cf's neighbour table (precomputed), and ALS's movie factors (a user's solved per
 * call), recall → rerank by quality (SPEC §2.8). When the model carries the batch's
 * candidate pools, a user without fresh ratings is answered from them (a lookup and the rerank's second
 * half), with exactly the answer the recalls would compute. Synchronous: each instance keeps scratch
 * buffers for one call at a time, so each thread builds its own instance over the same (shareable) state.
 */
export class HybridRecommender {
  readonly state: ModelState;
  private readonly cf: UserBasedCF;
  private readonly contentRecaller: ContentRecaller;
  private readonly mix: MixScratch;
  private readonly itemCf: ItemCfScratch;
  /** The k × k system of ALS's solve for a user. */
  private readonly alsSystem: Float64Array;
  private readonly seen: Uint8Array;
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;
  private readonly simRow: Float64Array;

  constructor(state: ModelState) {
    this.state = state;
    const { matrix, baselines, params, derived } = state;
    this.cf = new UserBasedCF(matrix, baselines, params.userCf, derived.scale, derived.centring);
    const n = matrix.numMovies;
    this.contentRecaller = new ContentRecaller(state.content, derived.contentRows, derived.audienceCosine, derived.byRaters, derived.scale.min, params.candidatePool, n);
    this.mix = mixScratch(n);
    this.itemCf = itemCfScratch(n);
    this.alsSystem = alsScratch(state.movieFactors.factors);
    this.seen = new Uint8Array(n);
    this.acc = new Float64Array(n);
    this.touched = new Int32Array(n);
    this.simRow = new Float64Array(n);
  }

  /**
   * Fits the model: the CF keeps the matrix (plus baselines), the content side precomputes similarity,
   * item-cf its neighbour table, and ALS its movie factors when the hybrid weighs ALS.
   */
  static fit(matrix: UserItemMatrix, movies: Movie[], params?: Partial<HybridParams>): HybridRecommender {
    const merged = mergeParams(params);
    const full = withExtraMovies(matrix, movies.map((m) => m.movieId));
    const byId = new Map(movies.map((m) => [m.movieId, m]));
    const catalog = Array.from(full.movieIds, (id) => byId.get(id) ?? { movieId: id, title: `Movie ${id}`, genres: [] });
    return HybridRecommender.fromCore({
      matrix: full,
      baselines: fitBaselines(full, merged.baseline),
      content: computeContentSimilarity(catalog, merged.content),
      itemNeighbours: fitItemCf(full, merged.itemCf),
      movieFactors: merged.hybridWeights.als > 0 ? fitAls(full, merged.als) : noMovieFactors,
      catalog,
      params: merged,
    });
  }

  static fromCore(core: ModelCore, candidates?: CandidateLists): HybridRecommender {
    return new HybridRecommender(deriveState(core, candidates));
  }

  get params(): HybridParams {
    return this.state.params;
  }

  get matrix(): UserItemMatrix {
    return this.state.matrix;
  }

  get catalog(): Movie[] {
    return this.state.catalog;
  }

  get quality() {
    return this.state.derived.quality;
  }

  /** The same model with the batch's candidate pools, answered from them. */
  withCandidates(candidates: CandidateLists): HybridRecommender {
    return new HybridRecommender({ ...this.state, candidates });
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

  /**
   * Recommendations for a user. `fresh` are the user's ratings the model does not contain yet (in time
   * order): with `use` = 'fold' they are folded into the user's profile (user-based similarity, content
   * taste, the few-ratings path); with 'exclude' the answer is the model's own (from the candidate pools
   * when there are any) without those movies — the cheap answer for when there is no time to compute.
   * Either way they are never recommended. Without fresh ratings and with candidate pools, the answer
   * comes from the pools.
   */
  recommend(userId: number, options: RecommendOptions = {}, fresh?: readonly FreshRatingInput[], use: 'fold' | 'exclude' = 'fold'): Recommendations {
    const method = options.method ?? 'hybrid';
    const limit = options.limit ?? 10;
    const qualityWeight = options.qualityWeight ?? this.params.qualityWeight;
    if (!methods.includes(method)) throw new RangeError(`unknown method ${String(method)}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(qualityWeight >= 0 && qualityWeight <= 1)) throw new RangeError('qualityWeight must be within [0, 1]');

    const u = this.matrix.userIndex.get(userId) ?? -1;
    const known = this.knownFresh(fresh ?? []);
    const folded = use === 'fold' ? known : [];
    const excluded = use === 'exclude' ? known.map((f) => f.movie) : [];
    const freshInfo = fresh === undefined ? {} : { freshRatingsUsed: new Set(folded.map((f) => f.movie)).size };
    const profile = folded.length > 0 ? this.mergedProfile(u, folded) : u >= 0 ? this.cf.rowProfile(u) : undefined;
    const seen = this.seen;
    for (const i of excluded) seen[i] = 1;
    if (profile === undefined || profile.movies.length === 0) {
      const items = this.popular(limit, []);
      for (const i of excluded) seen[i] = 0;
      return { userId, method, path: 'popular', items, ...freshInfo };
    }
    for (const i of profile.movies) seen[i] = 1;
    try {
      const few = profile.movies.length < this.params.minUserRatings;
      const lists = this.state.candidates;
      const precomputed = folded.length === 0 && lists !== undefined ? candidatePool(lists, u, methods.indexOf(method)) : undefined;
      const pool = precomputed ?? this.pools(profile, few ? 'item-based' : method)[0]!;
      return { userId, method, ...this.rankAndFill(pool, few ? 'content-from-few-ratings' : 'personalised', qualityWeight, limit), ...freshInfo };
    } finally {
      for (const i of profile.movies) seen[i] = 0;
      for (const i of excluded) seen[i] = 0;
    }
  }

  /**
   * The candidate pools of users `from` .. `to` − 1 (dense indices), every method, as `recommend`
   * computes them: what the batch precomputes so that serving is a lookup.
   */
  precomputeCandidates(from = 0, to = this.matrix.numUsers, onProgress?: (done: number) => void): CandidateLists {
    const builder = new CandidateListsBuilder(from, methods.length);
    const seen = this.seen;
    for (let u = from; u < to; u++) {
      const profile = this.cf.rowProfile(u);
      for (const i of profile.movies) seen[i] = 1;
      if (profile.movies.length === 0) builder.add(methods.map(() => emptyPool));
      else if (profile.movies.length < this.params.minUserRatings) builder.add(methods.map(() => this.pools(profile, 'item-based')[0]!));
      else builder.add(this.pools(profile, 'all'));
      for (const i of profile.movies) seen[i] = 0;
      if (onProgress && (u - from) % 1000 === 999) onProgress(u - from + 1);
    }
    return builder.build();
  }

  /** Rating prediction; unknown users get the movie's shrunk mean rating. */
  predictRating(userId: number, movieId: number, method: Method = 'user-based'): number {
    const i = this.matrix.movieIndex.get(movieId);
    if (i === undefined) throw new UnknownMovieError(movieId);
    const u = this.matrix.userIndex.get(userId);
    const { scale } = this.state.derived;
    if (u === undefined) return scale.min + this.quality.avgRating[i]! * (scale.max - scale.min);
    if (method === 'user-based') return this.cf.predict(u, i);
    if (method === 'item-based') return this.contentPredict(u, i);
    if (method === 'item-cf') return this.itemCfPredict(u, i);
    const w = this.params.predictionUserWeight;
    return w * this.cf.predict(u, i) + (1 - w) * this.contentPredict(u, i);
  }

  similarMovies(movieId: number, limit = 10): SimilarMovie[] {
    const i = this.matrix.movieIndex.get(movieId);
    if (i === undefined) throw new UnknownMovieError(movieId);
    const { acc, touched } = this;
    let count = 0;
    forEachSimilar(this.state.content, i, (j, s) => {
      acc[j] = s;
      touched[count++] = j;
    });
    const best = topK(touched, count, acc, limit);
    const result = Array.from(best, (j) => ({ movieId: this.matrix.movieIds[j]!, title: this.catalog[j]!.title, similarity: acc[j]! }));
    for (let t = 0; t < count; t++) acc[touched[t]!] = 0;
    return result;
  }

  /** Fresh ratings of movies the model knows, by movie index, in the order given. */
  private knownFresh(fresh: readonly FreshRatingInput[]): FreshRating[] {
    const known: FreshRating[] = [];
    for (const f of fresh) {
      const movie = this.matrix.movieIndex.get(f.movieId);
      if (movie !== undefined) known.push({ movie, rating: f.rating });
    }
    return known;
  }

  /**
   * The model's row of u (none for -1) with fresh ratings folded in, centred as the model centres: on
   * μ + b_u + b_i with the model's b_u for a known user and, for a new one, b_u estimated from these
   * ratings with the baseline's own regularisation.
   */
  private mergedProfile(u: number, fresh: readonly FreshRating[]): Profile {
    const { baselines, params } = this.state;
    const row = u >= 0 ? this.cf.rowProfile(u) : { movies: new Int32Array(0), ratings: new Float32Array(0) };
    const { movies, ratings } = mergeRatings(row.movies, row.ratings, fresh);
    let sum = 0;
    let deviation = 0;
    for (let k = 0; k < movies.length; k++) {
      sum += ratings[k]!;
      deviation += ratings[k]! - baselines.globalMean - baselines.itemBias[movies[k]!]!;
    }
    const mean = movies.length > 0 ? sum / movies.length : baselines.globalMean;
    const bias = u >= 0 ? baselines.userBias[u]! : deviation / (params.baseline.regUser + movies.length);
    const centred = Float32Array.from(movies, (i, k) => ratings[k]! - baseValue(params.userCf, baselines, mean, bias, i));
    return { user: u, fromModel: false, movies, ratings, centred };
  }

  private userRecall(profile: Profile): Recall {
    const candidates = this.cf.recall(profile, this.seen);
    return { items: candidates.items, recall: candidates.recall, absolute: false, evidence: candidates.evidence.map(ratingEvidence) };
  }

  /**
   * The hybrid's `limit` best movie ids for a user the model knows, under each of `blends` (recall
   * weights), with the recalls computed once: what the batch's tuning scores. A user with fewer than
   * `minUserRatings` ratings gets the few-ratings answer; an unknown user the popular one.
   */
  hybridUnderBlends(userId: number, blends: readonly HybridWeights[], limit: number): number[][] {
    const u = this.matrix.userIndex.get(userId);
    const profile = u === undefined ? undefined : this.cf.rowProfile(u);
    if (profile === undefined || profile.movies.length === 0) return blends.map(() => this.popular(limit, []).map((item) => item.movieId));
    const seen = this.seen;
    for (const i of profile.movies) seen[i] = 1;
    try {
      const ids = (pool: Pool, path: RecommendationPath) => this.rankAndFill(pool, path, this.params.qualityWeight, limit).items.map((item) => item.movieId);
      if (profile.movies.length < this.params.minUserRatings) {
        const few = ids(this.pools(profile, 'item-based')[0]!, 'content-from-few-ratings');
        return blends.map(() => few);
      }
      const recalls = this.recallsOf(profile);
      return blends.map((weights) => ids(this.selectFrom(this.hybridRecall(recalls, weights), this.params.hybridMinCandidateRatings), 'personalised'));
    } finally {
      for (const i of profile.movies) seen[i] = 0;
    }
  }

  /**
   * The profile's recalls and ALS factors, each computed when first asked for: `content` is the content
   * method's, `contentLift` the hybrid's content list, both from one search of the content candidates.
   * The caller has marked the profile's movies in `seen`.
   */
  private recallsOf(profile: Profile): { user: () => Recall; item: () => Recall; content: () => Recall; contentLift: () => Recall; als: () => Float64Array } {
    let contentCandidates: ContentCandidates | undefined;
    let contentRecall: Recall | undefined;
    let contentLift: Recall | undefined;
    let userRecall: Recall | undefined;
    let itemRecall: Recall | undefined;
    let alsUser: Float64Array | undefined;
    const { movieFactors, derived, params } = this.state;
    const candidates = () => (contentCandidates ??= this.contentRecaller.candidates(profile, this.seen));
    return {
      content: () => (contentRecall ??= watchRecall(candidates(), derived.watchPrior)),
      contentLift: () => (contentLift ??= liftRecall(candidates())),
      user: () => (userRecall ??= this.userRecall(profile)),
      item: () => (itemRecall ??= itemCfRecall(this.state.itemNeighbours, profile, this.seen, this.itemCf)),
      als: () => (alsUser ??= alsUserFactors(movieFactors, derived.alsGram, params.als.confidence, profile, this.alsSystem)),
    };
  }

  /** The hybrid's recall: the three recalls mixed, then ALS's score of the candidates they found added with its weight. */
  private hybridRecall(recalls: ReturnType<HybridRecommender['recallsOf']>, weights: HybridWeights): Recall {
    const parts: [number, () => Recall][] = [
      [weights.userCf, recalls.user],
      [weights.itemCf, recalls.item],
      [weights.content, recalls.contentLift],
    ];
    const mixed = mixRecalls(parts.filter(([weight]) => weight > 0).map(([weight, recall]) => ({ recall: recall(), weight })), this.mix);
    const { movieFactors } = this.state;
    if (!(weights.als > 0) || movieFactors.factors === 0 || mixed.items.length === 0) return mixed;
    return addScores(mixed, alsScores(movieFactors, recalls.als(), mixed.items), weights.als);
  }

  private selectFrom(recall: Recall, minRatings = this.params.minCandidateRatings): Pool {
    return selectPool(recall, (item) => this.ratingCount(item), minRatings, this.params.candidatePool);
  }

  /**
   * The pool of one method, or of every method (in `methods` order, sharing the recalls). A method
   * whose own recall finds nothing falls back to content. The caller has marked the profile's movies
   * in `seen`.
   */
  private pools(profile: Profile, method: Method | 'all'): Pool[] {
    const recalls = this.recallsOf(profile);
    const { user, item, content } = recalls;
    const build: Record<Method, () => Pool> = {
      'user-based': () => this.selectFrom(user().items.length > 0 ? user() : content()),
      'item-based': () => this.selectFrom(content()),
      hybrid: () => this.selectFrom(this.hybridRecall(recalls, this.params.hybridWeights), this.params.hybridMinCandidateRatings),
      'item-cf': () => this.selectFrom(item().items.length > 0 ? item() : content()),
    };
    return method === 'all' ? methods.map((m) => build[m]()) : [build[method]()];
  }

  private ratingCount(item: number): number {
    const { colPtr } = this.matrix;
    return colPtr[item + 1]! - colPtr[item]!;
  }

  /** The pool ranked for the request, then popular movies when it has fewer than `limit`. */
  private rankAndFill(pool: Pool, path: RecommendationPath, qualityWeight: number, limit: number): { path: RecommendationPath; items: RecommendedItem[] } {
    const { movieIds } = this.matrix;
    const titleOf = (j: number) => displayTitle(this.catalog[j]!);
    // A precomputed pool may hold movies marked seen since (fresh ratings answered by exclusion).
    const items: RecommendedItem[] = rankPool(pool, this.quality.quality, movieIds, qualityWeight, limit, (item) => this.seen[item] === 1).map((r) => ({
      movieId: movieIds[r.item]!,
      title: this.catalog[r.item]!.title,
      score: r.score,
      recall_score: r.recallScore,
      quality_score: r.qualityScore,
      reason: reasonText(r.evidence, titleOf),
    }));
    if (items.length < limit) items.push(...this.popular(limit - items.length, items.map((item) => item.movieId)));
    return { path: pool.items.length === 0 ? 'popular' : path, items };
  }

  /** The fallback: movies by quality score (which is also their recall score here), unseen ones only. */
  private popular(limit: number, exclude: number[]): RecommendedItem[] {
    const excluded = new Set(exclude);
    const items: RecommendedItem[] = [];
    const { quality, byQuality } = this.quality;
    for (const i of byQuality) {
      if (items.length >= limit) break;
      const movieId = this.matrix.movieIds[i]!;
      if (this.seen[i] || excluded.has(movieId)) continue;
      const q = quality[i]!;
      items.push({ movieId, title: this.catalog[i]!.title, score: q, recall_score: q, quality_score: q, reason: 'popular with high ratings' });
    }
    return items;
  }

  /** Item-based rating prediction: base(u,i) + similarity-weighted deviations of the k most similar rated movies. */
  private contentPredict(u: number, i: number): number {
    const content = this.state.content;
    return this.neighbourPredict(u, i, (visit) => forEachSimilar(content, i, visit));
  }

  /** The same prediction over the collaborative item-to-item table: i's neighbours the user rated, weighted by the table's weights. */
  private itemCfPredict(u: number, i: number): number {
    const { ptr, idx, weight } = this.state.itemNeighbours;
    return this.neighbourPredict(u, i, (visit) => {
      for (let q = ptr[i]!; q < ptr[i + 1]!; q++) visit(idx[q]!, weight[q]!);
    });
  }

  /** base(u,i) + Σ s_ij·(r_uj − base(u,j)) / Σ s_ij over the `maxNeighbours` most similar movies j the user rated, clamped to the scale. */
  private neighbourPredict(u: number, i: number, forEachNeighbour: (visit: (j: number, s: number) => void) => void): number {
    const { rowPtr, colIdx, values } = this.matrix;
    const { simRow, touched, acc } = this;
    forEachNeighbour((j, s) => {
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
    forEachNeighbour((j) => {
      simRow[j] = 0;
    });
    for (let t = 0; t < count; t++) acc[touched[t]!] = 0;
    const estimate = this.cf.base(u, i) + (den > 0 ? num / den : 0);
    const { scale } = this.state.derived;
    return Math.min(scale.max, Math.max(scale.min, estimate));
  }
}
