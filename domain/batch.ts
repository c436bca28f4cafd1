/**
 * The batch workflow's contract (SPEC §4 "Temporal"): its input, result, stage names and the shape of
 * the `progress` query. The Airflow DAG depends on these names and JSON shapes only.
 */

export const BATCH_WORKFLOW_TYPE = 'batchTrainingWorkflow';
export const PROGRESS_QUERY = 'progress';

/**
 * Every stage, in the order they start. `publishFeatures` (DynamoDB) runs beside the training, and
 * `evaluateModel` beside the candidate shards: nothing downstream of them reads what they write.
 */
export const STAGES = ['validateData', 'extractFeatures', 'publishFeatures', 'trainModel', 'evaluateModel', 'deployModel', 'reloadApi'] as const;
export type StageName = (typeof STAGES)[number];

export function batchWorkflowId(runDate: string): string {
  return `movie-rec-batch-${runDate}`;
}

const RUN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` that exists (2026-02-30 does not). */
export function isRunDate(value: unknown): value is string {
  if (typeof value !== 'string' || !RUN_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export interface BatchOptions {
  /**
   * Deploy even when the gate or the registry's rules refuse (an operator's explicit decision; the gate
   * result is still recorded). A run that completed without deploying is not run again for it: deploy
   * its model with `npm run model -- deploy <version> --force`.
   */
  force_deploy?: boolean;
  /** Accept this date's volume even when it is far from the trailing days' (an operator's override for one date). */
  accept_volume?: boolean;
  /** Skip the reload stage, e.g. when no API is running. */
  skip_reload?: boolean;
  /** Rebuild silver from all of bronze instead of merging the objects the previous snapshot has not merged. */
  full_rebuild?: boolean;
}

/**
 * The task queue of the batch's shards (validation shards, the train stage's candidate shards): the
 * batch queue's, with its own workers' limit on how many run at once per process (each takes a core),
 * apart from the stages' activities. Named for the candidate shards, its first use: runs in flight
 * keep finding it.
 */
export function candidatesTaskQueue(batchTaskQueue: string): string {
  return `${batchTaskQueue}-candidates`;
}

export interface BatchInput extends BatchOptions {
  run_date: string;
}

export interface StageSummary {
  name: StageName;
  status: 'completed' | 'skipped';
  started_at: string;
  finished_at: string;
  /** Small, stage-specific figures (rows read, items written, keys of what was produced). */
  details: Record<string, unknown>;
}

export interface GateCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface GateDecision {
  passed: boolean;
  checks: GateCheck[];
  reasons: string[];
}

export interface BatchResult {
  run_date: string;
  model_version: string;
  deployed: boolean;
  metrics: Record<string, number>;
  gate: GateDecision;
  stages: StageSummary[];
}

export interface BatchProgress {
  run_date: string;
  /** The stage started last (or `completed`); `running_stages` lists every stage under way. */
  stage: StageName | 'completed';
  running_stages: StageName[];
  completed_stages: StageName[];
  counts: Record<string, number>;
}
