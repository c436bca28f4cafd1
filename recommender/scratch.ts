import { alsScratch } from './als';
import { contentScratch, type ContentScratch } from './content-recall';
import { itemCfScratch, type ItemCfScratch } from './item-cf';
import type { ModelState } from './model-state';
import { mixScratch, type MixScratch } from './recall';
import { userCfScratch, type UserCfScratch } from './user-cf';

/**
 * The working memory of one recommendation or prediction call, sized for a model: the model itself is
 * read-only, so callers that share it (threads over one shared state, or several callers of one
 * instance) each pass a scratch of their own. Every buffer is left zeroed (or unmarked) by the call
 * that used it.
 */
export interface RecommendScratch {
  /** Marks the movies a call must not return: the profile's own, and any the request excludes. */
  seen: Uint8Array;
  userCf: UserCfScratch;
  content: ContentScratch;
  itemCf: ItemCfScratch;
  mix: MixScratch;
  /** The k × k system of ALS's solve for a user. */
  als: Float64Array;
  /** Per movie: the neighbour predictions' ratings and similarities, and `similarMovies`' values. */
  acc: Float64Array;
  touched: Int32Array;
  simRow: Float64Array;
}

export function createScratch(state: ModelState): RecommendScratch {
  const { numUsers, numMovies } = state.matrix;
  return {
    seen: new Uint8Array(numMovies),
    userCf: userCfScratch(numUsers, numMovies),
    content: contentScratch(numMovies, state.derived.contentRows.numFeatures),
    itemCf: itemCfScratch(numMovies),
    mix: mixScratch(numMovies),
    als: alsScratch(state.movieFactors.factors),
    acc: new Float64Array(numMovies),
    touched: new Int32Array(numMovies),
    simRow: new Float64Array(numMovies),
  };
}
