/**
 * Ratings in compact typed arrays, and the rule of the silver layer: for each (user, movie) the latest
 * rating wins — the one with the greatest event timestamp, and among equal timestamps the one read last.
 */

import { selectRows, type RatingColumns } from './types';

/** Ratings in columnar form; timestamps in epoch seconds. */
export type RatingTable = RatingColumns;

/** Collects ratings as they are read; grows by doubling. */
export class RatingCollector {
  private users = new Int32Array(1024);
  private movies = new Int32Array(1024);
  private values = new Float32Array(1024);
  private times = new Float64Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  add(userId: number, movieId: number, rating: number, timestampSeconds: number): void {
    if (this.length === this.users.length) this.grow();
    const i = this.length++;
    this.users[i] = userId;
    this.movies[i] = movieId;
    this.values[i] = rating;
    this.times[i] = timestampSeconds;
  }

  /** What was added so far, in arrival order (views, not copies). */
  collected(): RatingTable {
    return {
      userIds: this.users.subarray(0, this.length),
      movieIds: this.movies.subarray(0, this.length),
      ratings: this.values.subarray(0, this.length),
      timestamps: this.times.subarray(0, this.length),
    };
  }

  private grow(): void {
    const size = this.users.length * 2;
    const users = new Int32Array(size);
    users.set(this.users);
    const movies = new Int32Array(size);
    movies.set(this.movies);
    const values = new Float32Array(size);
    values.set(this.values);
    const times = new Float64Array(size);
    times.set(this.times);
    this.users = users;
    this.movies = movies;
    this.values = values;
    this.times = times;
  }
}

/** The surviving ratings of a table in arrival order, ordered by (user, movie), and how many older ratings they replaced. */
export function latestPerPair(input: RatingTable): { table: RatingTable; replaced: number } {
  const { userIds: users, movieIds: movies, timestamps: times } = input;
  const n = users.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => users[a]! - users[b]! || movies[a]! - movies[b]! || times[a]! - times[b]! || a - b);
  let kept = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const next = k + 1 < n ? order[k + 1]! : -1;
    if (next === -1 || users[next] !== users[i] || movies[next] !== movies[i]) order[kept++] = i;
  }
  const table = selectRows(input, order.subarray(0, kept));
  return { table, replaced: n - kept };
}
