/**
 * The movie catalog in bronze (`bronze/catalog/`): movie metadata as loaded, one JSON object per line,
 * plus a manifest saying where it came from. The content model and the movie features read it.
 */

import type { ObjectStore } from './ports';

export const CATALOG_MOVIES_KEY = 'bronze/catalog/movies.jsonl';
export const CATALOG_MANIFEST_KEY = 'bronze/catalog/manifest.json';

export interface CatalogMovie {
  movie_id: number;
  title: string;
  genres: string[];
  year?: number;
  tags?: string[];
}

export interface CatalogManifest {
  dataset: string;
  movies: number;
  loaded_at: string;
}

export function catalogLine(movie: CatalogMovie): string {
  return JSON.stringify(movie);
}

/** Reads one catalog line back; undefined for a line that is not a catalog movie. */
export function parseCatalogLine(line: string): CatalogMovie | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const m = value as Partial<CatalogMovie>;
  if (typeof m.movie_id !== 'number' || !Number.isInteger(m.movie_id) || m.movie_id <= 0) return undefined;
  if (typeof m.title !== 'string' || !Array.isArray(m.genres)) return undefined;
  return {
    movie_id: m.movie_id,
    title: m.title,
    genres: m.genres.filter((g): g is string => typeof g === 'string'),
    ...(typeof m.year === 'number' ? { year: m.year } : {}),
    ...(Array.isArray(m.tags) ? { tags: m.tags.filter((t): t is string => typeof t === 'string') } : {}),
  };
}

/** Replaces the catalog in the store; the manifest is written last, once the movies are there. */
export async function publishCatalog(store: ObjectStore, dataset: string, movies: CatalogMovie[], now: Date): Promise<CatalogManifest> {
  await store.put(CATALOG_MOVIES_KEY, `${movies.map(catalogLine).join('\n')}\n`, 'application/x-ndjson');
  const manifest: CatalogManifest = { dataset, movies: movies.length, loaded_at: now.toISOString() };
  await store.put(CATALOG_MANIFEST_KEY, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  return manifest;
}
