import { ApplicationFailure } from '@temporalio/activity';
import { ReloadRejectedError } from '../adapters/http/model-server';
import type { ActivityDeps } from './deps';
import type { ReloadSummary } from './types';

/**
 * Tells the API to load the deployed version and checks that it serves it. A refused token will not fix
 * itself and fails at once; an API that is down or still on the old model is retried.
 */
export function createReloadApi(deps: ActivityDeps) {
  return async function reloadApi(input: { model_version: string }): Promise<ReloadSummary> {
    try {
      await deps.modelServer.reload(input.model_version);
    } catch (err) {
      if (err instanceof ReloadRejectedError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
      throw err;
    }
    const served = await deps.modelServer.servedVersion();
    if (served !== input.model_version) {
      throw new Error(`the API serves model ${served ?? '(none)'} after the reload, not ${input.model_version}`);
    }
    return { served_version: served };
  };
}
