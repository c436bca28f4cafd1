import { Matrix } from 'ml-matrix';
import type { Movie } from './types';
import { topK } from './top-k';

/**
 * Content-based side (SPEC §2.7): every movie is a TF-IDF vector over its metadata (genres, the
 * release year at several widths, tags where present), L2-normalised; movie-movie cosine similarity is
 * precomputed at init. Small catalogs keep the dense matrix (computed with ml-matrix); larger ones
 * keep each movie's top-K neighbours, because a dense n×n matrix grows as n² (10k movies = 400 MB).
 */
export interface ContentParams {
  /** Catalogs up to this many movies keep the dense similarity matrix. */
  denseMaxMovies: number;
  /** Neighbours kept per movie above that size. */
  neighboursPerMovie: number;
  /**
   * Release-year bucket widths, in years, one feature each: with [1, 5, 10] films of the same year
   * share three features, of neighbouring years one or two.
   */
  yearWidths: number[];
  /** Scales the year features' weights: with several widths they would otherwise outweigh the genres. */
  yearWeight: number;
  /**
   * γ of the content method's watch prior, (log(1 + raters) / log(1 + the most raters))^γ: how much a
   * movie's audience counts beside its fit to the user's taste (0: not at all).
   */
  popularityExponent: number;
}

export const defaultContentParams: ContentParams = { denseMaxMovies: 5000, neighboursPerMovie: 100, yearWidths: [1, 5, 10], yearWeight: 0.5, popularityExponent: 1 };

/** The precomputed similarities: dense (n×n, row-major) or per-movie neighbour lists sorted best first. */
export type ContentSimilarity =
  | { kind: 'dense'; n: number; values: Float32Array }
  | { kind: 'top-k'; n: number; ptr: Int32Array; idx: Int32Array; sim: Float32Array };

/** Sparse TF-IDF rows: feature ids and weights per movie, rows L2-normalised. */
export interface FeatureRows {
  ptr: Int32Array;
  feature: Int32Array;
  weight: Float64Array;
  numFeatures: number;
}

function movieFeatures(movie: Movie | undefined, yearWidths: number[]): Map<string, number> {
  const features = new Map<string, number>();
  if (!movie) return features;
  for (const genre of movie.genres) features.set(`genre:${genre.toLowerCase()}`, 1);
  if (movie.year !== undefined) {
    for (const width of yearWidths) features.set(`year${width}:${Math.floor(movie.year / width) * width}`, 1);
  }
  for (const tag of movie.tags ?? []) {
    const key = `tag:${tag.trim().toLowerCase()}`;
    features.set(key, (features.get(key) ?? 0) + 1);
  }
  return features;
}

/** TF-IDF with tf = 1 + log(count) and idf = log(n / df) (year features × yearWeight), each row scaled to unit length. */
export function featureRows(movies: (Movie | undefined)[], { yearWidths, yearWeight }: Pick<ContentParams, 'yearWidths' | 'yearWeight'>): FeatureRows {
  const n = movies.length;
  const perMovie = movies.map((m) => movieFeatures(m, yearWidths));
  const featureIds = new Map<string, number>();
  const df: number[] = [];
  for (const features of perMovie) {
    for (const key of features.keys()) {
      let id = featureIds.get(key);
      if (id === undefined) {
        id = featureIds.size;
        featureIds.set(key, id);
        df.push(0);
      }
      df[id]!++;
    }
  }
  const total = perMovie.reduce((s, f) => s + f.size, 0);
  const ptr = new Int32Array(n + 1);
  const feature = new Int32Array(total);
  const weight = new Float64Array(total);
  let k = 0;
  perMovie.forEach((features, i) => {
    ptr[i] = k;
    let norm = 0;
    const start = k;
    for (const [key, count] of features) {
      const id = featureIds.get(key)!;
      const w = (1 + Math.log(count)) * Math.log(n / df[id]!) * (key.startsWith('year') ? yearWeight : 1);
      feature[k] = id;
      weight[k] = w;
      norm += w * w;
      k++;
    }
    const length = Math.sqrt(norm);
    for (let q = start; q < k; q++) weight[q] = length > 0 ? weight[q]! / length : 0;
  });
  ptr[n] = k;
  return { ptr, feature, weight, numFeatures: featureIds.size };
}

export function computeContentSimilarity(movies: (Movie | undefined)[], params: ContentParams): ContentSimilarity {
  const rows = featureRows(movies, params);
  const n = movies.length;
  if (n <= params.denseMaxMovies) {
    const x = new Matrix(n, Math.max(1, rows.numFeatures));
    for (let i = 0; i < n; i++) {
      for (let k = rows.ptr[i]!; k < rows.ptr[i + 1]!; k++) x.set(i, rows.feature[k]!, rows.weight[k]!);
    }
    const gram = x.mmulByTranspose();
    const values = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      const row = gram.getRow(i);
      for (let j = 0; j < n; j++) values[i * n + j] = i === j ? 0 : row[j]!;
    }
    return { kind: 'dense', n, values };
  }
  return topKSimilarity(rows, n, params.neighboursPerMovie);
}

/** Per-movie top-K through the feature → movies inverted index. */
function topKSimilarity(rows: FeatureRows, n: number, k: number): ContentSimilarity {
  const postingsPtr = new Int32Array(rows.numFeatures + 1);
  for (const f of rows.feature) postingsPtr[f + 1]!++;
  for (let f = 0; f < rows.numFeatures; f++) postingsPtr[f + 1]! += postingsPtr[f]!;
  const fill = postingsPtr.slice(0, rows.numFeatures);
  const postingMovie = new Int32Array(rows.feature.length);
  const postingWeight = new Float64Array(rows.feature.length);
  for (let i = 0; i < n; i++) {
    for (let q = rows.ptr[i]!; q < rows.ptr[i + 1]!; q++) {
      const slot = fill[rows.feature[q]!]!++;
      postingMovie[slot] = i;
      postingWeight[slot] = rows.weight[q]!;
    }
  }
  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  const ptr = new Int32Array(n + 1);
  const idx = new Int32Array(n * k);
  const sim = new Float32Array(n * k);
  let out = 0;
  for (let i = 0; i < n; i++) {
    ptr[i] = out;
    let count = 0;
    for (let q = rows.ptr[i]!; q < rows.ptr[i + 1]!; q++) {
      const f = rows.feature[q]!;
      const w = rows.weight[q]!;
      if (w === 0) continue;
      for (let p = postingsPtr[f]!; p < postingsPtr[f + 1]!; p++) {
        const j = postingMovie[p]!;
        if (j === i) continue;
        if (acc[j] === 0) touched[count++] = j;
        acc[j]! += w * postingWeight[p]!;
      }
    }
    const best = topK(touched, count, acc, k);
    for (const j of best) {
      idx[out] = j;
      sim[out] = acc[j]!;
      out++;
    }
    for (let t = 0; t < count; t++) acc[touched[t]!] = 0;
  }
  ptr[n] = out;
  return { kind: 'top-k', n, ptr, idx: idx.slice(0, out), sim: sim.slice(0, out) };
}

/** Calls `visit(j, sim)` for every movie with a positive similarity to movie i. */
export function forEachSimilar(similarity: ContentSimilarity, i: number, visit: (j: number, sim: number) => void): void {
  if (similarity.kind === 'dense') {
    const { n, values } = similarity;
    const offset = i * n;
    for (let j = 0; j < n; j++) {
      const s = values[offset + j]!;
      if (s > 0) visit(j, s);
    }
  } else {
    for (let q = similarity.ptr[i]!; q < similarity.ptr[i + 1]!; q++) visit(similarity.idx[q]!, similarity.sim[q]!);
  }
}

/**
 * A taste profile: Σ_j w_j·v_j over movies j with weights w_j (the rows are unit vectors). Returns
 * its length; `profile` (numFeatures long, all zero on entry) holds the vector.
 */
export function accumulateProfile(rows: FeatureRows, movies: ArrayLike<number>, weights: ArrayLike<number>, profile: Float64Array): number {
  for (let t = 0; t < movies.length; t++) {
    const j = movies[t]!;
    const w = weights[t]!;
    if (w === 0) continue;
    for (let q = rows.ptr[j]!; q < rows.ptr[j + 1]!; q++) profile[rows.feature[q]!]! += w * rows.weight[q]!;
  }
  let norm = 0;
  for (const x of profile) norm += x * x;
  return Math.sqrt(norm);
}

/** cos(profile, v_i), given the profile and its length (> 0). */
export function profileCosine(rows: FeatureRows, profile: Float64Array, norm: number, i: number): number {
  const { ptr, feature, weight } = rows;
  const end = ptr[i + 1]!;
  let dot = 0;
  for (let q = ptr[i]!; q < end; q++) dot += profile[feature[q]!]! * weight[q]!;
  return dot / norm;
}

/** cos(profile, v_i) for every movie i (0 for an empty profile). */
export function profileCosines(rows: FeatureRows, profile: Float64Array, norm: number, n: number): Float32Array {
  const cosines = new Float32Array(n);
  if (norm === 0) return cosines;
  for (let i = 0; i < n; i++) cosines[i] = profileCosine(rows, profile, norm, i);
  return cosines;
}
