import { createRandom, normal, shuffleInPlace } from '../random';
import type { Dataset, Movie, RatingColumns } from '../types';

const genreNames = [
  'Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];
/** Relative frequency of each genre in the catalog (Drama and Comedy dominate, as in MovieLens). */
const genreWeights = [8, 5, 2, 3, 10, 4, 1, 14, 2, 0.5, 3, 1, 2, 5, 3, 6, 1.5, 1];

export interface SyntheticOptions {
  ratings: number;
  seed?: number;
  users?: number;
  movies?: number;
}

/** Draws an index from a cumulative weight table by binary search. */
function draw(cumulative: Float64Array, random: () => number): number {
  const target = random() * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulativeOf(weights: ArrayLike<number>): Float64Array {
  const c = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) {
    s += weights[i]!;
    c[i] = s;
  }
  return c;
}

/**
 * Seeded synthetic ratings with MovieLens-like shape, generated columnar (10^7 ratings ≈ 200 MB):
 * - movie popularity follows a Zipf law over a random ranking; user activity a Pareto law (≥ 10 each);
 * - each user has two favourite genres: 60% of their picks come from those genres' popular movies,
 *   and they rate movies of their favourite genres higher (latent taste tied to genres);
 * - rating = 3.4 + movie quality + user bias + taste match + noise, rounded to half stars in [0.5, 5];
 * - each user's ratings are spread over a year starting at a random date in 2000-2018.
 */
export function generateSynthetic(options: SyntheticOptions): Dataset & { ratings: RatingColumns } {
  const total = Math.floor(options.ratings);
  if (!(total >= 1)) throw new RangeError('ratings must be at least 1');
  const random = createRandom(options.seed ?? 42);
  const numMovies = options.movies ?? Math.min(50_000, Math.max(500, Math.round(2000 * Math.sqrt(total / 1e5))));
  const numUsers = options.users ?? Math.max(20, Math.round(total / 100));
  const maxPerUser = Math.max(1, Math.floor(numMovies * 0.5));
  if (total > numUsers * maxPerUser) throw new RangeError('too many ratings for the number of users and movies');

  const movies: Movie[] = [];
  const movieGenres: number[][] = [];
  const quality = new Float32Array(numMovies);
  const genreCumulative = cumulativeOf(genreWeights);
  for (let m = 0; m < numMovies; m++) {
    const genres = new Set<number>([draw(genreCumulative, random)]);
    const extra = Math.floor(random() * 3);
    for (let g = 0; g < extra; g++) genres.add(draw(genreCumulative, random));
    const list = [...genres].sort((a, b) => a - b);
    movieGenres.push(list);
    const year = 2020 - Math.floor(Math.pow(random(), 2) * 70);
    movies.push({ movieId: m + 1, title: `Synthetic Movie ${m + 1} (${year})`, genres: list.map((g) => genreNames[g]!), year });
    quality[m] = normal(random) * 0.45;
  }

  const rank = Int32Array.from({ length: numMovies }, (_, i) => i);
  shuffleInPlace(rank, random);
  const popularity = Float64Array.from(rank, (r) => 1 / Math.pow(r + 10, 1.1));
  const globalCumulative = cumulativeOf(popularity);
  const genreMovies: number[][] = genreNames.map(() => []);
  movieGenres.forEach((list, m) => list.forEach((g) => genreMovies[g]!.push(m)));
  const genreTables = genreMovies.map((list) => ({ movies: list, cumulative: cumulativeOf(list.map((m) => popularity[m]!)) }));

  const activity = Float64Array.from({ length: numUsers }, () => Math.pow(1 - random(), -1 / 1.3));
  const counts = new Int32Array(numUsers);
  const minPerUser = Math.min(10, Math.floor(total / numUsers));
  let activitySum = 0;
  for (const a of activity) activitySum += a;
  let assigned = 0;
  for (let u = 0; u < numUsers; u++) {
    counts[u] = Math.min(maxPerUser, minPerUser + Math.floor(((total - minPerUser * numUsers) * activity[u]!) / activitySum));
    assigned += counts[u]!;
  }
  for (let u = 0; assigned < total; u = (u + 1) % numUsers) {
    if (counts[u]! < maxPerUser) {
      counts[u]!++;
      assigned++;
    }
  }

  const columns: RatingColumns = {
    userIds: new Int32Array(total),
    movieIds: new Int32Array(total),
    ratings: new Float32Array(total),
    timestamps: new Float64Array(total),
  };
  const stamp = new Int32Array(numMovies).fill(-1);
  const start2000 = 946_684_800;
  const yearSeconds = 365 * 86_400;
  let out = 0;
  for (let u = 0; u < numUsers; u++) {
    const favourites = [draw(genreCumulative, random), draw(genreCumulative, random)];
    const bias = normal(random) * 0.35;
    const startTime = start2000 + Math.floor(random() * 18 * yearSeconds);
    const n = counts[u]!;
    let made = 0;
    for (let attempt = 0; made < n; attempt++) {
      let m: number;
      if (attempt < n * 20 && random() < 0.6) {
        const table = genreTables[favourites[Math.floor(random() * 2)]!]!;
        if (table.movies.length === 0) continue;
        m = table.movies[draw(table.cumulative, random)]!;
      } else if (attempt < n * 40) {
        m = draw(globalCumulative, random);
      } else {
        m = Math.floor(random() * numMovies);
      }
      if (stamp[m] === u) continue;
      stamp[m] = u;
      const match = movieGenres[m]!.some((g) => favourites.includes(g)) ? 0.5 : -0.3;
      const value = 3.4 + quality[m]! + bias + match + normal(random) * 0.7;
      columns.userIds[out] = u + 1;
      columns.movieIds[out] = m + 1;
      columns.ratings[out] = Math.min(5, Math.max(0.5, Math.round(value * 2) / 2));
      columns.timestamps[out] = startTime + Math.floor((made / n) * yearSeconds) + Math.floor(random() * 3600);
      out++;
      made++;
    }
  }
  return { ratings: columns, movies };
}
