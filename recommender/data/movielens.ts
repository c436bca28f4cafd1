import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dataset, Movie, Rating, RatingColumns } from '../types';

const ml100kGenres = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

function growColumns(capacity: number): RatingColumns {
  return {
    userIds: new Int32Array(capacity),
    movieIds: new Int32Array(capacity),
    ratings: new Float32Array(capacity),
    timestamps: new Float64Array(capacity),
  };
}

function trimColumns(columns: RatingColumns, n: number): RatingColumns {
  return {
    userIds: columns.userIds.slice(0, n),
    movieIds: columns.movieIds.slice(0, n),
    ratings: columns.ratings.slice(0, n),
    timestamps: columns.timestamps.slice(0, n),
  };
}

/** Parses rating lines `user<sep>movie<sep>rating<sep>timestamp` into columns, skipping a header if asked. */
export function parseRatings(text: string, separator: string, hasHeader: boolean): RatingColumns {
  const lines = text.split('\n');
  const columns = growColumns(lines.length);
  let n = 0;
  for (let l = hasHeader ? 1 : 0; l < lines.length; l++) {
    const line = lines[l]!.trim();
    if (line === '') continue;
    const fields = line.split(separator);
    if (fields.length < 4) throw new Error(`ratings line ${l + 1}: expected 4 fields, got ${fields.length}`);
    columns.userIds[n] = Number(fields[0]);
    columns.movieIds[n] = Number(fields[1]);
    columns.ratings[n] = Number(fields[2]);
    columns.timestamps[n] = Number(fields[3]);
    n++;
  }
  return trimColumns(columns, n);
}

/** ml-100k `u.item`: Latin-1, `|`-separated, release date like 01-Jan-1995, then 19 genre flags. */
export function parseMl100kItems(text: string): Movie[] {
  const movies: Movie[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split('|');
    const flags = fields.slice(fields.length - 19);
    const year = /(\d{4})\s*$/.exec(fields[2] ?? '')?.[1];
    const movie: Movie = {
      movieId: Number(fields[0]),
      title: fields[1] ?? '',
      genres: ml100kGenres.filter((_, g) => flags[g] === '1'),
    };
    if (year) movie.year = Number(year);
    movies.push(movie);
  }
  return movies;
}

/** Splits one CSV line, honouring double-quoted fields with "" escapes. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(current);
      current = '';
    } else current += ch;
  }
  fields.push(current);
  return fields;
}

/** ml-latest-small `movies.csv` (`movieId,title,genres`, year at the end of the title) plus `tags.csv`. */
export function parseLatestMovies(moviesCsv: string, tagsCsv: string | undefined): Movie[] {
  const tagsByMovie = new Map<number, string[]>();
  if (tagsCsv !== undefined) {
    for (const line of tagsCsv.split('\n').slice(1)) {
      if (line.trim() === '') continue;
      const [, movieId, tag] = splitCsvLine(line.replace(/\r$/, ''));
      if (!tag) continue;
      const id = Number(movieId);
      const list = tagsByMovie.get(id) ?? [];
      list.push(tag);
      tagsByMovie.set(id, list);
    }
  }
  const movies: Movie[] = [];
  for (const line of moviesCsv.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const [movieId, title = '', genres = ''] = splitCsvLine(line.replace(/\r$/, ''));
    const id = Number(movieId);
    const year = /\((\d{4})\)\s*$/.exec(title)?.[1];
    const movie: Movie = {
      movieId: id,
      title: title.trim(),
      genres: genres === '(no genres listed)' ? [] : genres.split('|').filter((g) => g !== ''),
    };
    if (year) movie.year = Number(year);
    const tags = tagsByMovie.get(id);
    if (tags) movie.tags = tags;
    movies.push(movie);
  }
  return movies;
}

export function loadMovieLens100k(dir: string): Dataset & { ratings: RatingColumns } {
  return {
    ratings: parseRatings(readFileSync(path.join(dir, 'u.data'), 'utf8'), '\t', false),
    movies: parseMl100kItems(readFileSync(path.join(dir, 'u.item'), 'latin1')),
  };
}

/** A folder in ml-latest-small format: `ratings.csv`, `movies.csv`, optional `tags.csv`. */
export function loadMovieLensLatestSmall(dir: string): Dataset & { ratings: RatingColumns } {
  const tagsPath = path.join(dir, 'tags.csv');
  return {
    ratings: parseRatings(readFileSync(path.join(dir, 'ratings.csv'), 'utf8'), ',', true),
    movies: parseLatestMovies(
      readFileSync(path.join(dir, 'movies.csv'), 'utf8'),
      existsSync(tagsPath) ? readFileSync(tagsPath, 'utf8') : undefined,
    ),
  };
}

export function ratingsToObjects(columns: RatingColumns): Rating[] {
  return Array.from(columns.userIds, (userId, k) => ({
    userId,
    movieId: columns.movieIds[k]!,
    rating: columns.ratings[k]!,
    timestamp: columns.timestamps[k]!,
  }));
}
