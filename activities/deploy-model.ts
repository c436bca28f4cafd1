import { ApplicationFailure } from '@temporalio/activity';
import type { GateDecision } from '../domain/batch';
import { decideDeployment, type GateSettings } from '../domain/gate';
import { evaluationReportKey, promote, PromotionRefusedError, readCurrentPointer, readManifest, writeDeploymentRecord, writeManifest } from '../domain/model-registry';
import type { EvaluationReport } from '../domain/evaluation-report';
import type { ObjectStore } from '../domain/ports';
import { readStoredJson } from '../domain/stored-json';
import type { ActivityDeps } from './deps';
import type { DeploySummary, EvaluationSummary } from './types';

export interface DeployRequest {
  model_version: string;
  /** The candidate's metrics and the most-popular baseline's, as the evaluation measured them. */
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  /** An operator's explicit decision: deploy whatever the gate and the registry's rules say, and record that. */
  force: boolean;
}

/**
 * The quality gate, then the promotion: deploy when the model reaches the minimum, beats the
 * most-popular baseline and does not regress beyond the tolerance against the deployed model, and the
 * registry accepts it (not of an older run date than the deployed model, not the version an operator
 * rolled back from; see `promote`). A refusal is a business outcome (`deployed: false` with the
 * reasons), not an error. `force` deploys anyway and says so. The batch's deploy stage and the
 * operator's `npm run model -- deploy` both decide here.
 */
export async function deployVersion(store: ObjectStore, settings: GateSettings, request: DeployRequest, now: Date): Promise<DeploySummary> {
  const summary = await decideAndPromote(store, settings, request, now);
  // After the promotion: a retry after a failed write promotes again (a no-op) and writes the record then.
  await writeDeploymentRecord(store, { version: request.model_version, decided_at: now.toISOString(), deployed: summary.deployed, forced: summary.deployed && request.force, gate: summary.gate });
  return summary;
}

async function decideAndPromote(store: ObjectStore, settings: GateSettings, request: DeployRequest, now: Date): Promise<DeploySummary> {
  const pointer = await readCurrentPointer(store);
  const currentVersion = pointer && pointer.version !== request.model_version ? pointer.version : undefined;
  const currentMetrics = currentVersion ? (await readManifest(store, currentVersion))?.metrics : undefined;
  const gate = decideDeployment(
    {
      candidate: request.metrics,
      baseline: request.baseline,
      ...(currentVersion && currentMetrics ? { current: { model_version: currentVersion, metrics: currentMetrics } } : {}),
    },
    settings,
  );
  const refused = (decision: GateDecision): DeploySummary => ({ deployed: false, model_version: request.model_version, ...(pointer ? { previous_version: pointer.version } : {}), gate: decision });
  if (!gate.passed && !request.force) return refused(gate);
  try {
    // The gate judged the pointer read above; promote re-checks its own rules against the pointer it replaces.
    const promoted = await promote(store, request.model_version, now, { force: request.force });
    if (!gate.passed) gate.reasons.push('deployed although the gate failed: the deployment was forced');
    return { deployed: true, model_version: request.model_version, ...(promoted.previous ? { previous_version: promoted.previous } : {}), gate };
  } catch (err) {
    if (!(err instanceof PromotionRefusedError)) throw err;
    return refused({ passed: false, checks: [...gate.checks, { name: err.check, passed: false, detail: err.message }], reasons: [...gate.reasons, err.message] });
  }
}

/** A registered version's evaluation as the deploy decision needs it: its metrics and the baseline's. */
export async function readEvaluation(store: ObjectStore, version: string): Promise<{ metrics: Record<string, number>; baseline: Record<string, number> }> {
  const manifest = await readManifest(store, version);
  if (manifest === undefined) throw new Error(`model ${version} is not in the registry`);
  const report = await readStoredJson<EvaluationReport>(store, evaluationReportKey(version));
  return { metrics: manifest.metrics ?? {}, baseline: report?.series.find((s) => s.role === 'baseline')?.metrics ?? {} };
}

/**
 * The batch's deploy stage: records the evaluation's metrics in the model's manifest (the evaluation ran
 * beside the candidate shards, before the manifest existed), then decides as `deployVersion`.
 */
export function createDeployModel(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function deployModel(input: { model_version: string; evaluation: EvaluationSummary; force: boolean }): Promise<DeploySummary> {
    const manifest = await readManifest(deps.store, input.model_version);
    if (!manifest) throw ApplicationFailure.nonRetryable(`model ${input.model_version} is not in the registry`, 'InvalidBatchData');
    await writeManifest(deps.store, { ...manifest, metrics: input.evaluation.metrics });
    return deployVersion(deps.store, deps.settings.gate, { model_version: input.model_version, metrics: input.evaluation.metrics, baseline: input.evaluation.baseline, force: input.force }, now());
  };
}
