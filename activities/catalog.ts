import { ApplicationFailure } from '@temporalio/activity';
import { CATALOG_MOVIES_KEY, parseCatalogLine, type CatalogMovie } from '../domain/catalog';
import type { ObjectStore } from '../domain/ports';

/** The catalog loaded by `npm run catalog:load`; without it no stage can make sense of movie ids. */
export async function readCatalog(store: ObjectStore): Promise<CatalogMovie[]> {
  const movies: CatalogMovie[] = [];
  let found = false;
  for await (const object of store.list(CATALOG_MOVIES_KEY)) {
    if (object.key !== CATALOG_MOVIES_KEY) continue;
    found = true;
    for await (const line of store.lines(object.key)) {
      const movie = parseCatalogLine(line);
      if (movie) movies.push(movie);
    }
  }
  if (!found || movies.length === 0) {
    throw ApplicationFailure.nonRetryable(`no movie catalog at ${CATALOG_MOVIES_KEY}: load one with \`npm run catalog:load\``, 'InvalidBatchData');
  }
  return movies;
}
