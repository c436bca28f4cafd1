import type { ContentSimilarity, FeatureRows } from './content';
import { accumulateProfile, profileCosine } from './content';
import type { Profile } from './profile';
import { likedMovieEvidence, type Recall } from './recall';
import type { RecommendScratch } from './scratch';

/**
 * A user's content candidates with the two cosines the content recalls are made of:
 *   taste(u) = Σ_j (r_uj − r_min)·v_j over the movies u rated (a bottom rating adds nothing), the
 *   audience's taste the same sum over everybody's ratings,
 *   cos_u(c) = cos(taste(u), v_c),   cos_a(c) = cos(taste(audience), v_c).
 * Both cosines are exact (from the movie vectors), so kept top-K neighbour lists do not bias them.
 * The first `linked` items are the movies the precomputed similarities link to the ones the user rated
 * above the minimum; the rest are the taste's most-watched movies those links missed (see
 * `ContentRecaller`). The evidence names a rated movie: the one contributing most.
 */
export interface ContentCandidates {
  items: Int32Array;
  linked: number;
  userCosine: Float64Array;
  audienceCosine: Float64Array;
  evidence: Float64Array;
}

const noCandidates: ContentCandidates = { items: new Int32Array(0), linked: 0, userCosine: new Float64Array(0), audienceCosine: new Float64Array(0), evidence: new Float64Array(0) };

/**
 * The hybrid's content list: how much better a movie fits the user's taste than the audience's, over
 * the linked candidates,
 *   recall(c) = (1 + cos_u(c) − cos_a(c)) / 2 ∈ [0,1].
 * Without the audience term the genres everybody watches (drama, comedy) would outweigh what sets this
 * user apart. It does not weigh how much a movie is watched: the hybrid's collaborative recalls and ALS
 * do, and with `watchRecall`'s prior, share or most-watched candidates in its place the hybrid lost
 * catalog coverage (see the README's quality section).
 */
export function liftRecall(candidates: ContentCandidates): Recall {
  const { linked, userCosine, audienceCosine } = candidates;
  const recall = new Float64Array(linked);
  for (let c = 0; c < linked; c++) recall[c] = Math.min(1, Math.max(0, (1 + userCosine[c]! - audienceCosine[c]!) / 2));
  return { items: candidates.items.subarray(0, linked), recall, absolute: true, evidence: candidates.evidence.subarray(0, linked) };
}

/**
 * The content method's list: how likely the user is to watch a movie, as its watch prior (how much it
 * is watched, `watchPrior` in the derived state) times the share of its fit that is this user's taste
 * rather than everybody's, over every candidate:
 *   recall(c) = prior(c) · cos_u(c) / (cos_u(c) + cos_a(c)) ∈ [0,1].
 * The share is ½ for a movie that fits the user as it fits everybody and 1 for one only this user's
 * taste reaches. Fit alone ranks the rarely watched movies of a taste first, which loses to
 * most-popular wherever people watch what is popular within their tastes (synthetic 10^6 stratified
 * NDCG@10 0.0653 against most-popular's 0.2436). The share, unlike the lift, does not shrink with the
 * number of features (ml-latest-small's tags make every cosine small, genres alone large), so one
 * prior exponent serves every catalog; lift × prior ranked best at γ 0.1 on ml-latest-small and at
 * 0.5 to 1 on the synthetic data (see the README's quality section).
 */
export function watchRecall(candidates: ContentCandidates, prior: Float32Array): Recall {
  const { items, userCosine, audienceCosine } = candidates;
  const recall = new Float64Array(items.length);
  for (let c = 0; c < items.length; c++) {
    const both = userCosine[c]! + audienceCosine[c]!;
    recall[c] = both > 0 ? (prior[items[c]!]! * userCosine[c]!) / both : 0;
  }
  return { items, recall, absolute: true, evidence: candidates.evidence };
}

/** Scratch space of the content candidates' search for one call at a time: per movie, and per feature. */
export interface ContentScratch {
  best: Float64Array;
  bestSource: Int32Array;
  mark: Uint8Array;
  touched: Int32Array;
  taste: Float64Array;
  /** Per feature: the rated movie contributing most of it to the taste, and how much. */
  featureSource: Int32Array;
  featureContribution: Float64Array;
}

export function contentScratch(numMovies: number, numFeatures: number): ContentScratch {
  return {
    best: new Float64Array(numMovies),
    bestSource: new Int32Array(numMovies),
    mark: new Uint8Array(numMovies),
    touched: new Int32Array(numMovies),
    taste: new Float64Array(numFeatures),
    featureSource: new Int32Array(numFeatures),
    featureContribution: new Float64Array(numFeatures),
  };
}

/**
 * Finds a user's content candidates. The linked ones come from the precomputed similarities: every
 * movie sharing a feature with the taste when the catalog keeps the dense matrix, a movie's
 * `neighboursPerMovie` most similar ones otherwise. Those lists choose among equally similar movies by
 * index, not by how much they are watched, so in a large catalog they miss most of a taste's
 * most-watched movies: the `mostWatched` most-watched movies that share a feature with the taste are
 * candidates too (synthetic 10^6: the content method's NDCG@10 0.2986 → 0.3340 with them). Such a
 * movie's reason is the rated movie that put most of the movie's strongest feature into the taste.
 */
export class ContentRecaller {
  constructor(
    private readonly content: ContentSimilarity,
    private readonly rows: FeatureRows,
    /** cos(audience taste, movie) per movie. */
    private readonly audienceCosine: Float32Array,
    /** Movie indices by number of raters, most first. */
    private readonly byRaters: Int32Array,
    private readonly ratingMin: number,
    private readonly mostWatched: number,
  ) {}

  /** `scratch.seen` marks the profile's own movies, which are never candidates. */
  candidates(profile: Profile, scratch: RecommendScratch): ContentCandidates {
    const { best, bestSource, mark, touched, taste } = scratch.content;
    const { seen } = scratch;
    const { content } = this;
    const weights = new Float64Array(profile.ratings.length);
    for (let k = 0; k < weights.length; k++) weights[k] = profile.ratings[k]! - this.ratingMin;
    const norm = accumulateProfile(this.rows, profile.movies, weights, taste);
    if (norm === 0) return noCandidates;
    let count = 0;
    const visit = (c: number, s: number, w: number, j: number) => {
      if (seen[c] || s <= 0) return;
      if (mark[c] === 0) {
        mark[c] = 1;
        touched[count++] = c;
      }
      if (w * s > best[c]!) {
        best[c] = w * s;
        bestSource[c] = j;
      }
    };
    for (let k = 0; k < profile.movies.length; k++) {
      const w = weights[k]!;
      if (w === 0) continue;
      const j = profile.movies[k]!;
      if (content.kind === 'dense') {
        const offset = j * content.n;
        for (let c = 0; c < content.n; c++) visit(c, content.values[offset + c]!, w, j);
      } else {
        for (let q = content.ptr[j]!; q < content.ptr[j + 1]!; q++) visit(content.idx[q]!, content.sim[q]!, w, j);
      }
    }
    const linked = count;
    // The dense matrix links every movie that shares a feature with the taste already.
    if (content.kind === 'top-k') count = this.addMostWatched(profile.movies, weights, scratch, count);
    const items = touched.slice(0, count);
    const userCosine = new Float64Array(count);
    const audienceCosine = new Float64Array(count);
    const evidence = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      const i = items[c]!;
      userCosine[c] = profileCosine(this.rows, taste, norm, i);
      audienceCosine[c] = this.audienceCosine[i]!;
      evidence[c] = likedMovieEvidence(bestSource[i]!);
      best[i] = 0;
      mark[i] = 0;
    }
    taste.fill(0);
    return { items, linked, userCosine, audienceCosine, evidence };
  }

  /**
   * Appends to `touched` (holding `count` candidates) the `mostWatched` most-watched movies that are not
   * candidates yet, unseen and sharing a feature with the taste; returns the new count.
   */
  private addMostWatched(movies: Int32Array, weights: Float64Array, scratch: RecommendScratch, count: number): number {
    const { taste, mark, touched, bestSource, featureSource, featureContribution } = scratch.content;
    const { seen } = scratch;
    const { rows } = this;
    const { ptr, feature, weight } = rows;
    for (let k = 0; k < movies.length; k++) {
      const j = movies[k]!;
      for (let q = ptr[j]!; q < ptr[j + 1]!; q++) {
        const contribution = weights[k]! * weight[q]!;
        if (contribution > featureContribution[feature[q]!]!) {
          featureContribution[feature[q]!] = contribution;
          featureSource[feature[q]!] = j;
        }
      }
    }
    let added = 0;
    for (let r = 0; r < this.byRaters.length && added < this.mostWatched; r++) {
      const c = this.byRaters[r]!;
      if (seen[c] || mark[c]) continue;
      // The feature bringing c closest to the taste; none when c shares no feature with it.
      let strongest = 0;
      for (let q = ptr[c]!; q < ptr[c + 1]!; q++) {
        const share = taste[feature[q]!]! * weight[q]!;
        if (share > strongest) {
          strongest = share;
          bestSource[c] = featureSource[feature[q]!]!;
        }
      }
      if (strongest === 0) continue;
      mark[c] = 1;
      touched[count++] = c;
      added++;
    }
    featureContribution.fill(0);
    return count;
  }
}
