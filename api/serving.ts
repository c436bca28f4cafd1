/** What the serving routes share: the model holder and the 503 they answer while no model is loaded. */
import type { FeatureStore } from '../domain/ports';
import type { FreshRatingsReader } from './fresh-ratings';
import type { LoadedModel, ModelHolder } from './model-holder';
import { ProblemError } from './problems';

/** A fresh deployment takes a batch run to get its first model: clients need not poll every second. */
export const NO_MODEL_RETRY_AFTER_SECONDS = 30;

export interface ServingDeps {
  models: ModelHolder;
  features: FeatureStore;
  /** The request's user's ratings the served model does not contain yet. */
  fresh: FreshRatingsReader;
  /** Bearer token of POST /reload. */
  reloadToken: string;
  /** Bytes of recommendation answers kept per served model (least recently used go first); 0 turns caching off. */
  recommendationCacheBytes: number;
}

export function requireModel(models: ModelHolder): LoadedModel {
  const model = models.current();
  if (model === undefined) {
    throw new ProblemError(
      503,
      'No model loaded',
      'no recommendation model is loaded yet: none is deployed in the registry, or it could not be loaded; event ingest is unaffected',
      {},
      { 'Retry-After': String(NO_MODEL_RETRY_AFTER_SECONDS) },
    );
  }
  return model;
}
