import { decideDeployment } from '../domain/gate';
import { promote, readCurrentPointer, readManifest } from '../domain/model-registry';
import type { ActivityDeps } from './deps';
import type { DeploySummary, EvaluationSummary } from './types';

/**
 * The quality gate: deploy when the model reaches the minimum, beats the most-popular baseline and does
 * not regress beyond the tolerance against the deployed model. Failing the gate is a business outcome
 * (`deployed: false` with the reasons), not an error. `force` deploys anyway and says so.
 */
export function createDeployModel(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function deployModel(input: { model_version: string; evaluation: EvaluationSummary; force: boolean }): Promise<DeploySummary> {
    const { store, settings } = deps;
    const pointer = await readCurrentPointer(store);
    const currentVersion = pointer && pointer.version !== input.model_version ? pointer.version : undefined;
    const currentMetrics = currentVersion ? (await readManifest(store, currentVersion))?.metrics : undefined;
    const gate = decideDeployment(
      {
        candidate: input.evaluation.metrics,
        baseline: input.evaluation.baseline,
        ...(currentVersion && currentMetrics ? { current: { model_version: currentVersion, metrics: currentMetrics } } : {}),
      },
      settings.gate,
    );
    if (!gate.passed && !input.force) {
      return { deployed: false, model_version: input.model_version, ...(pointer ? { previous_version: pointer.version } : {}), gate };
    }
    if (!gate.passed) gate.reasons.push('deployed although the gate failed: force_deploy was requested');
    const promoted = await promote(store, input.model_version, now());
    return { deployed: true, model_version: input.model_version, ...(promoted.previous ? { previous_version: promoted.previous } : {}), gate };
  };
}
