import { alsScores, alsUserFactors, defaultAlsParams, fitAls, noMovieFactors } from './als';
import { defaultBaselineParams, fitBaselines } from './baseline';
import { CandidateListsBuilder, candidatePool, type CandidateLists } from './candidates';
import { computeContentSimilarity, defaultContentParams, forEachSimilar } from './content';
import { ContentRecaller, liftRecall, watchRecall, type ContentCandidates } from './content-recall';
import { UnknownMovieError } from './errors';
import { defaultItemCfParams, fitItemCf, itemCfRecaller } from './item-cf';
import type { UserItemMatrix } from './matrix';
import { withExtraMovies } from './matrix';
import { deriveState, type HybridParams, type HybridWeights, type ModelCore, type ModelState } from './model-state';
import { popularItems } from './popular';
import { RatingPredictor } from './prediction';
import { mergeRatings, type FreshRating, type Profile } from './profile';
import { addScores, mixRecalls, reasonText, type Recall, type Recaller } from './recall';
import { methods, type FreshRatingInput, type Method, type RecommendationPath, type RecommendedItem, type RecommendOptions, type Recommendations, type SimilarMovie } from './recommendation';
import { emptyPool, rankPool, selectPool, type Pool } from './rerank';
import { createScratch, type RecommendScratch } from './scratch';
import { topK } from './top-k';
import type { Movie } from './types';
import { UserBasedCF, baseValue, defaultUserCfParams, userCfRecaller } from './user-cf';


export type { HybridParams, HybridWeights, ModelCore, ModelState } from './model-state';
export { methods } from './recommendation';
export type { FreshRatingInput, Method, RecommendationPath, RecommendedItem, RecommendOptions, Recommendations, SimilarMovie } from './recommendation';

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
 * call), recall → rerank by quality (SPEC §2.8). Each recall lives in its own module (user-cf's and
 * item-cf's behind `Recaller`, the content candidates with their two lists); this class composes
 * them, reranks, and falls back to popular movies. When the model carries the batch's candidate pools,
 * a user without fresh ratings is answered from them (a lookup and the rerank's second half), with
 * exactly the answer the recalls would compute. The model is read-only: every call works in
 * the caller's `RecommendScratch` (`createScratch(state)`), so callers sharing one model each pass their
 * own; without one, a call uses a scratch this instance keeps for single-caller use.
 */
export class HybridRecommender {
  readonly state: ModelState;
  private readonly cf: UserBasedCF;
  private readonly recallers: { user: Recaller; item: Recaller };
  private readonly contentRecaller: ContentRecaller;
  private readonly predictor: RatingPredictor;
  private own: RecommendScratch | undefined;

  constructor(state: ModelState) {
    this.state = state;
    const { matrix, baselines, params, derived } = state;
    this.cf = new UserBasedCF(matrix, baselines, params.userCf, derived.scale, derived.centring);
    this.recallers = { user: userCfRecaller(this.cf), item: itemCfRecaller(state.itemNeighbours) };
    this.contentRecaller = new ContentRecaller(state.content, derived.contentRows, derived.audienceCosine, derived.byRaters, derived.scale.min, params.candidatePool);
    this.predictor = new RatingPredictor(state, this.cf);
  }

  /** A scratch sized for this model, for a caller of its own (a thread, a concurrent caller). */
  createScratch(): RecommendScratch {
    return createScratch(this.state);
  }

  private scratch(): RecommendScratch {
    return (this.own ??= this.createScratch());
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
  recommend(userId: number, options: RecommendOptions = {}, fresh?: readonly FreshRatingInput[], use: 'fold' | 'exclude' = 'fold', scratch = this.scratch()): Recommendations {
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
    const { seen } = scratch;
    for (const i of excluded) seen[i] = 1;
    if (profile === undefined || profile.movies.length === 0) {
      const items = popularItems(this.state, limit, seen, []);
      for (const i of excluded) seen[i] = 0;
      return { userId, method, path: 'popular', items, ...freshInfo };
    }
    for (const i of profile.movies) seen[i] = 1;
    try {
      const few = profile.movies.length < this.params.minUserRatings;
      const lists = this.state.candidates;
      const precomputed = folded.length === 0 && lists !== undefined ? candidatePool(lists, u, methods.indexOf(method)) : undefined;
      const pool = precomputed ?? this.pools(profile, few ? 'item-based' : method, scratch)[0]!;
      return { userId, method, ...this.rankAndFill(pool, few ? 'content-from-few-ratings' : 'personalised', qualityWeight, limit, seen), ...freshInfo };
    } finally {
      for (const i of profile.movies) seen[i] = 0;
      for (const i of excluded) seen[i] = 0;
    }
  }

  /**
   * The candidate pools of users `from` .. `to` − 1 (dense indices), every method, as `recommend`
   * computes them: what the batch precomputes so that serving is a lookup. Users flagged in `carried`
   * (indexed from `from`) get empty pools here: their pools come from an earlier model (see carry-over.ts).
   */
  precomputeCandidates(from = 0, to = this.matrix.numUsers, options: { onProgress?: (done: number) => void; scratch?: RecommendScratch; carried?: Uint8Array } = {}): CandidateLists {
    const { onProgress, scratch = this.scratch(), carried } = options;
    const builder = new CandidateListsBuilder(from, methods.length);
    const { seen } = scratch;
    const empty = methods.map(() => emptyPool);
    for (let u = from; u < to; u++) {
      const profile = carried?.[u - from] === 1 ? undefined : this.cf.rowProfile(u);
      if (profile === undefined || profile.movies.length === 0) builder.add(empty);
      else {
        for (const i of profile.movies) seen[i] = 1;
        if (profile.movies.length < this.params.minUserRatings) builder.add(methods.map(() => this.pools(profile, 'item-based', scratch)[0]!));
        else builder.add(this.pools(profile, 'all', scratch));
        for (const i of profile.movies) seen[i] = 0;
      }
      if (onProgress && (u - from) % 1000 === 999) onProgress(u - from + 1);
    }
    return builder.build();
  }

  /** Rating prediction; unknown users get the movie's shrunk mean rating. */
  predictRating(userId: number, movieId: number, method: Method = 'user-based', scratch = this.scratch()): number {
    const i = this.matrix.movieIndex.get(movieId);
    if (i === undefined) throw new UnknownMovieError(movieId);
    const u = this.matrix.userIndex.get(userId);
    const { scale } = this.state.derived;
    if (u === undefined) return scale.min + this.quality.avgRating[i]! * (scale.max - scale.min);
    return this.predictor.predict(u, i, method, scratch);
  }

  similarMovies(movieId: number, limit = 10, scratch = this.scratch()): SimilarMovie[] {
    const i = this.matrix.movieIndex.get(movieId);
    if (i === undefined) throw new UnknownMovieError(movieId);
    const { acc, touched } = scratch;
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

  /**
   * The hybrid's `limit` best movie ids for a user the model knows, under each of `blends` (recall
   * weights), with the recalls computed once: what the batch's tuning scores. A user with fewer than
   * `minUserRatings` ratings gets the few-ratings answer; an unknown user the popular one.
   */
  hybridUnderBlends(userId: number, blends: readonly HybridWeights[], limit: number, scratch = this.scratch()): number[][] {
    const u = this.matrix.userIndex.get(userId);
    const profile = u === undefined ? undefined : this.cf.rowProfile(u);
    const { seen } = scratch;
    if (profile === undefined || profile.movies.length === 0) return blends.map(() => popularItems(this.state, limit, seen, []).map((item) => item.movieId));
    for (const i of profile.movies) seen[i] = 1;
    try {
      const ids = (pool: Pool, path: RecommendationPath) => this.rankAndFill(pool, path, this.params.qualityWeight, limit, seen).items.map((item) => item.movieId);
      if (profile.movies.length < this.params.minUserRatings) {
        const few = ids(this.pools(profile, 'item-based', scratch)[0]!, 'content-from-few-ratings');
        return blends.map(() => few);
      }
      const recalls = this.recallsOf(profile, scratch);
      return blends.map((weights) => ids(this.selectFrom(this.hybridRecall(recalls, weights, scratch), this.params.hybridMinCandidateRatings), 'personalised'));
    } finally {
      for (const i of profile.movies) seen[i] = 0;
    }
  }

  /**
   * The profile's recalls and ALS factors, each computed when first asked for: `content` is the content
   * method's, `contentLift` the hybrid's content list, both from one search of the content candidates.
   * The caller has marked the profile's movies in `scratch.seen`.
   */
  private recallsOf(profile: Profile, scratch: RecommendScratch): { user: () => Recall; item: () => Recall; content: () => Recall; contentLift: () => Recall; als: () => Float64Array } {
    let contentCandidates: ContentCandidates | undefined;
    let contentRecall: Recall | undefined;
    let contentLift: Recall | undefined;
    let userRecall: Recall | undefined;
    let itemRecall: Recall | undefined;
    let alsUser: Float64Array | undefined;
    const { movieFactors, derived, params } = this.state;
    const { recallers } = this;
    const candidates = () => (contentCandidates ??= this.contentRecaller.candidates(profile, scratch));
    return {
      content: () => (contentRecall ??= watchRecall(candidates(), derived.watchPrior)),
      contentLift: () => (contentLift ??= liftRecall(candidates())),
      user: () => (userRecall ??= recallers.user.recall(profile, scratch)),
      item: () => (itemRecall ??= recallers.item.recall(profile, scratch)),
      als: () => (alsUser ??= alsUserFactors(movieFactors, derived.alsGram, params.als.confidence, profile, scratch.als)),
    };
  }

  /** The hybrid's recall: the three recalls mixed, then ALS's score of the candidates they found added with its weight. */
  private hybridRecall(recalls: ReturnType<HybridRecommender['recallsOf']>, weights: HybridWeights, scratch: RecommendScratch): Recall {
    const parts: [number, () => Recall][] = [
      [weights.userCf, recalls.user],
      [weights.itemCf, recalls.item],
      [weights.content, recalls.contentLift],
    ];
    const mixed = mixRecalls(parts.filter(([weight]) => weight > 0).map(([weight, recall]) => ({ recall: recall(), weight })), scratch.mix);
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
   * in `scratch.seen`.
   */
  private pools(profile: Profile, method: Method | 'all', scratch: RecommendScratch): Pool[] {
    const recalls = this.recallsOf(profile, scratch);
    const { user, item, content } = recalls;
    const build: Record<Method, () => Pool> = {
      'user-based': () => this.selectFrom(user().items.length > 0 ? user() : content()),
      'item-based': () => this.selectFrom(content()),
      hybrid: () => this.selectFrom(this.hybridRecall(recalls, this.params.hybridWeights, scratch), this.params.hybridMinCandidateRatings),
      'item-cf': () => this.selectFrom(item().items.length > 0 ? item() : content()),
    };
    return method === 'all' ? methods.map((m) => build[m]()) : [build[method]()];
  }

  private ratingCount(item: number): number {
    const { colPtr } = this.matrix;
    return colPtr[item + 1]! - colPtr[item]!;
  }

  /** The pool ranked for the request, then popular movies when it has fewer than `limit`. */
  private rankAndFill(pool: Pool, path: RecommendationPath, qualityWeight: number, limit: number, seen: Uint8Array): { path: RecommendationPath; items: RecommendedItem[] } {
    const { movieIds } = this.matrix;
    const titleOf = (j: number) => displayTitle(this.catalog[j]!);
    // A precomputed pool may hold movies marked seen since (fresh ratings answered by exclusion).
    const items: RecommendedItem[] = rankPool(pool, this.quality.quality, movieIds, qualityWeight, limit, (item) => seen[item] === 1).map((r) => ({
      movieId: movieIds[r.item]!,
      title: this.catalog[r.item]!.title,
      score: r.score,
      recall_score: r.recallScore,
      quality_score: r.qualityScore,
      reason: reasonText(r.evidence, titleOf),
    }));
    if (items.length < limit) items.push(...popularItems(this.state, limit - items.length, seen, items.map((item) => item.movieId)));
    return { path: pool.items.length === 0 ? 'popular' : path, items };
  }
}
