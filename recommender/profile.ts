/**
 * A user's ratings as the recalls read them: movie indices in ascending order, the ratings, and the
 * ratings centred on the collaborative baseline. Built from the model's matrix row, or from that row
 * with ratings the model does not contain yet folded in (a later rating of the same movie replaces
 * the model's), or from those ratings alone for a user the model does not know.
 */
export interface Profile {
  /** The user's dense index in the model, or -1 for a user the model does not know. */
  user: number;
  /** True when this is exactly the model's row of `user` (its similarities may then be reused). */
  fromModel: boolean;
  movies: Int32Array;
  ratings: Float32Array;
  centred: Float32Array;
}

/** A rating the served model does not contain yet, by movie index. */
export interface FreshRating {
  movie: number;
  rating: number;
}

/** The row's ratings with `fresh` folded in (the later of two ratings of a movie wins; `fresh` is in time order), by movie index. */
export function mergeRatings(movies: Int32Array, ratings: Float32Array, fresh: readonly FreshRating[]): { movies: Int32Array; ratings: Float32Array } {
  const byMovie = new Map<number, number>();
  for (let k = 0; k < movies.length; k++) byMovie.set(movies[k]!, ratings[k]!);
  for (const f of fresh) byMovie.set(f.movie, f.rating);
  const merged = Int32Array.from(byMovie.keys()).sort();
  return { movies: merged, ratings: Float32Array.from(merged, (i) => byMovie.get(i)!) };
}
