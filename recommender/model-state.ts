import type { AlsParams, MovieFactors } from './als';
import { movieGram } from './als';
import type { Baselines, BaselineParams } from './baseline';
import { ratingScale } from './baseline';
import type { CandidateLists } from './candidates';
import type { ContentParams, ContentSimilarity, FeatureRows } from './content';
import { accumulateProfile, featureRows, profileCosines } from './content';
import type { UserItemMatrix } from './matrix';
import type { QualityScores } from './quality';
import { computeQuality } from './quality';
import type { Movie } from './types';
import type { ItemCfParams, ItemNeighbours } from './item-cf';
import type { Centring, UserCfParams } from './user-cf';
import { computeCentring } from './user-cf';

export interface HybridParams {
  userCf: UserCfParams;
  content: ContentParams;
  itemCf: ItemCfParams;
  baseline: BaselineParams;
  /** The implicit ALS the hybrid scores its candidates with (fitted only when `hybridWeights.als` > 0). */
  als: AlsParams;
  /** Weights of the three recalls and of ALS's score in the hybrid's recall (each normalised within its list first). */
  hybridWeights: HybridWeights;
  /** Weight of the user-based prediction in the hybrid's rating prediction; the content-based one gets the rest. */
  predictionUserWeight: number;
  /** How many of the best recall candidates go to the rerank. */
  candidatePool: number;
  /** Candidates need at least this many ratings (the popular fallback is not filtered). */
  minCandidateRatings: number;
  /**
   * The same for the hybrid's candidates. The filter is there for the hybrid's content list (the lift),
   * which cannot tell a movie few people watched from one many did; the hybrid's collaborative recalls
   * and ALS can, so it needs less of it.
   */
  hybridMinCandidateRatings: number;
  /** Users with fewer ratings get content from their few ratings instead of CF. */
  minUserRatings: number;
  /** C of the Bayesian-shrunk mean rating, in ratings. */
  priorWeight: number;
  /** Default quality_weight of a request. */
  qualityWeight: number;
}

export interface HybridWeights {
  userCf: number;
  itemCf: number;
  content: number;
  /** ALS's score of the candidates the three recalls found: it brings no candidates of its own. */
  als: number;
}

/** What a fitted model consists of; the artifact stores exactly this. */
export interface ModelCore {
  matrix: UserItemMatrix;
  baselines: Baselines;
  content: ContentSimilarity;
  /** The collaborative item-to-item table of the item-cf recall. */
  itemNeighbours: ItemNeighbours;
  /** ALS's movie factors; none when the hybrid does not weigh ALS. */
  movieFactors: MovieFactors;
  /** Catalog metadata aligned with the matrix's movie indices. */
  catalog: Movie[];
  params: HybridParams;
}

/** What serving derives from the core in linear time: computed once per model, shared by its threads. */
export interface DerivedState {
  scale: { min: number; max: number };
  quality: QualityScores;
  centring: Centring;
  contentRows: FeatureRows;
  /** cos(audience taste, movie): how well each movie matches what everybody rated highly. */
  audienceCosine: Float32Array;
  /** The content method's watch prior of each movie (see `watchPriors`). */
  watchPrior: Float32Array;
  /** Movie indices by number of raters, most first (ties: smaller index). */
  byRaters: Int32Array;
  /** YᵀY + λI of ALS's movie factors: the part of every user's ALS system that is the same for all. */
  alsGram: Float64Array;
}

/** A model ready to answer: the core, its derived state and, when the batch computed them, the candidate pools. */
export interface ModelState extends ModelCore {
  derived: DerivedState;
  candidates?: CandidateLists;
}

/** The audience's taste: every movie's vector weighted by the sum of its ratings above the scale's minimum. */
function audienceCosines(matrix: UserItemMatrix, rows: FeatureRows, ratingMin: number): Float32Array {
  const { numMovies, colPtr, colValues } = matrix;
  const weights = new Float64Array(numMovies);
  for (let i = 0; i < numMovies; i++) {
    for (let k = colPtr[i]!; k < colPtr[i + 1]!; k++) weights[i]! += colValues[k]! - ratingMin;
  }
  const movies = Int32Array.from({ length: numMovies }, (_, i) => i);
  const taste = new Float64Array(rows.numFeatures);
  const norm = accumulateProfile(rows, movies, weights, taste);
  return profileCosines(rows, taste, norm, numMovies);
}

/**
 * (log(1 + n_i) / log(1 + max_j n_j))^γ, n = raters: 1 for the most-watched movie and, for γ > 0, 0 for
 * one nobody rated. Logarithmic, so that between two movies that fit a taste alike the more-watched one
 * wins without the long tail of popularity drowning the fit (a linear prior (n_i / max_j n_j)^γ ranked
 * worse on every dataset). γ = `content.popularityExponent`; 1 ranked best, or within 0.0008 of the
 * best, among 0, 0.5, 1 and 1.5 on validation splits carved from training (ml-100k and ml-latest-small,
 * seeds 42 and 1; synthetic 10^5 and 10^6).
 */
function watchPriors(matrix: UserItemMatrix, exponent: number): Float32Array {
  const { numMovies, colPtr } = matrix;
  let most = 0;
  for (let i = 0; i < numMovies; i++) most = Math.max(most, colPtr[i + 1]! - colPtr[i]!);
  const prior = new Float32Array(numMovies);
  if (most === 0) return prior;
  for (let i = 0; i < numMovies; i++) prior[i] = Math.pow(Math.log1p(colPtr[i + 1]! - colPtr[i]!) / Math.log1p(most), exponent);
  return prior;
}

function moviesByRaters(matrix: UserItemMatrix): Int32Array {
  const { colPtr } = matrix;
  const raters = (i: number) => colPtr[i + 1]! - colPtr[i]!;
  return Int32Array.from({ length: matrix.numMovies }, (_, i) => i).sort((a, b) => raters(b) - raters(a) || a - b);
}

export function deriveState(core: ModelCore, candidates?: CandidateLists): ModelState {
  const scale = ratingScale(core.matrix);
  const contentRows = featureRows(core.catalog, core.params.content);
  return {
    ...core,
    derived: {
      scale,
      quality: computeQuality(core.matrix, core.params.priorWeight, scale),
      centring: computeCentring(core.matrix, core.baselines, core.params.userCf),
      contentRows,
      audienceCosine: audienceCosines(core.matrix, contentRows, scale.min),
      watchPrior: watchPriors(core.matrix, core.params.content.popularityExponent),
      byRaters: moviesByRaters(core.matrix),
      alsGram: movieGram(core.movieFactors, core.params.als.regularisation),
    },
    ...(candidates ? { candidates } : {}),
  };
}
