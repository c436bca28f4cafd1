/** One rating event: a user's rating of a movie at a time (epoch seconds). */
export interface Rating {
  userId: number;
  movieId: number;
  rating: number;
  timestamp: number;
}

/** Catalog metadata of one movie; `year` and `tags` only where the source has them. */
export interface Movie {
  movieId: number;
  title: string;
  genres: string[];
  year?: number;
  tags?: string[];
}

/**
 * Ratings in columnar form: the same four fields as `Rating`, one typed array each, all of the same
 * length. Large datasets (10^7 ratings) travel in this form, never as arrays of objects.
 */
export interface RatingColumns {
  userIds: Int32Array;
  movieIds: Int32Array;
  ratings: Float32Array;
  timestamps: Float64Array;
}

export interface Dataset {
  ratings: Rating[] | RatingColumns;
  movies: Movie[];
}

export function isRatingColumns(ratings: Rating[] | RatingColumns): ratings is RatingColumns {
  return !Array.isArray(ratings);
}

export function ratingCount(ratings: Rating[] | RatingColumns): number {
  return isRatingColumns(ratings) ? ratings.userIds.length : ratings.length;
}

export function toColumns(ratings: Rating[] | RatingColumns): RatingColumns {
  if (isRatingColumns(ratings)) return ratings;
  const n = ratings.length;
  const columns: RatingColumns = {
    userIds: new Int32Array(n),
    movieIds: new Int32Array(n),
    ratings: new Float32Array(n),
    timestamps: new Float64Array(n),
  };
  ratings.forEach((r, i) => {
    columns.userIds[i] = r.userId;
    columns.movieIds[i] = r.movieId;
    columns.ratings[i] = r.rating;
    columns.timestamps[i] = r.timestamp;
  });
  return columns;
}

/** The rows at `positions` of a columnar rating set, in that order. */
export function selectRows(columns: RatingColumns, positions: ArrayLike<number>): RatingColumns {
  const n = positions.length;
  const out: RatingColumns = {
    userIds: new Int32Array(n),
    movieIds: new Int32Array(n),
    ratings: new Float32Array(n),
    timestamps: new Float64Array(n),
  };
  for (let k = 0; k < n; k++) {
    const p = positions[k]!;
    out.userIds[k] = columns.userIds[p]!;
    out.movieIds[k] = columns.movieIds[p]!;
    out.ratings[k] = columns.ratings[p]!;
    out.timestamps[k] = columns.timestamps[p]!;
  }
  return out;
}
