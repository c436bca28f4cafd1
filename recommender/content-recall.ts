import type { ContentSimilarity, FeatureRows } from './content';
import { accumulateProfile, profileCosine } from './content';
import type { Profile } from './profile';
import { emptyRecall, likedMovieEvidence, type Recall, type Recaller } from './recall';
import type { RecommendScratch } from './scratch';

/**
 * Content recall: how much better a movie matches the user's taste than the audience's.
 *   taste(u) = Σ_j (r_uj − r_min)·v_j over the movies u rated (a bottom rating adds nothing),
 *   lift(c)  = cos(taste(u), v_c) − cos(taste(everyone), v_c) ∈ [−1, 1],   recall(c) = (1 + lift(c)) / 2.
 * The candidates are the movies the precomputed similarities link to the ones the user rated above the
 * minimum; the cosines are computed exactly from the movie vectors, so kept top-K neighbour lists do
 * not bias them. Without the audience term the genres everybody watches (drama, comedy) would
 * outweigh what sets this user apart; the score is on an absolute scale, so a user whose taste is the
 * audience's gets flat recall and the quality decides. The reason names the rated movie that
 * contributed most.
 */
/** Scratch space of the content recall for one call at a time: per movie, and the taste vector. */
export interface ContentScratch {
  best: Float64Array;
  bestSource: Int32Array;
  mark: Uint8Array;
  touched: Int32Array;
  taste: Float64Array;
}

export function contentScratch(numMovies: number, numFeatures: number): ContentScratch {
  return { best: new Float64Array(numMovies), bestSource: new Int32Array(numMovies), mark: new Uint8Array(numMovies), touched: new Int32Array(numMovies), taste: new Float64Array(numFeatures) };
}

export class ContentRecaller implements Recaller {
  constructor(
    private readonly content: ContentSimilarity,
    private readonly rows: FeatureRows,
    /** cos(audience taste, movie) per movie. */
    private readonly audienceCosine: Float32Array,
    private readonly ratingMin: number,
  ) {}

  /** `scratch.seen` marks the profile's own movies, which are never candidates. */
  recall(profile: Profile, scratch: RecommendScratch): Recall {
    const { best, bestSource, mark, touched, taste } = scratch.content;
    const { seen } = scratch;
    const { content } = this;
    const weights = new Float64Array(profile.ratings.length);
    for (let k = 0; k < weights.length; k++) weights[k] = profile.ratings[k]! - this.ratingMin;
    const norm = accumulateProfile(this.rows, profile.movies, weights, taste);
    if (norm === 0) return emptyRecall(true);
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
    const items = touched.slice(0, count);
    const recall = new Float64Array(count);
    const evidence = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      const i = items[c]!;
      const lift = profileCosine(this.rows, taste, norm, i) - this.audienceCosine[i]!;
      recall[c] = Math.min(1, Math.max(0, (1 + lift) / 2));
      evidence[c] = likedMovieEvidence(bestSource[i]!);
      best[i] = 0;
      mark[i] = 0;
    }
    taste.fill(0);
    return { items, recall, absolute: true, evidence };
  }
}
