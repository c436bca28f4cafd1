import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { BatchActivities } from '../activities';
import type { Config } from '../config';
import { isCompiled, WORKFLOW_BUNDLE } from '../config/source-tree';
import { candidatesTaskQueue } from '../domain/batch';

/**
 * Where the worker takes the workflow code from. Compiled, it loads the bundle `npm run build` made,
 * as Temporal recommends for production (no webpack run at start, the same code on every worker);
 * from the sources it bundles `workflows/index.ts` at start, so an edit takes effect on restart.
 */
export function workflowCode(moduleUrl: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (isCompiled(moduleUrl)) return { workflowBundle: { codePath: fileURLToPath(new URL(`../${WORKFLOW_BUNDLE}`, moduleUrl)) } };
  return { workflowsPath: fileURLToPath(new URL('../workflows/index.ts', moduleUrl)) };
}

/** The two workers of one batch worker process, run and stopped together. */
export interface BatchWorkers {
  run(): Promise<void>;
  /** Runs until `body` settles, then drains both workers. */
  runUntil<T>(body: Promise<T>): Promise<T>;
}

/**
 * The batch task queue's worker (the workflow bundle and the stages' activities) and the shards'
 * (validation shards and candidate shards), which runs at most `shardConcurrency` shards at once: each
 * takes a core for its thread, while the stages' activities are mostly waiting on I/O.
 */
export async function createBatchWorkers(connection: NativeConnection, temporal: Config['temporal'], activities: BatchActivities, shardConcurrency: number): Promise<BatchWorkers> {
  const stages = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    ...workflowCode(import.meta.url),
    activities,
  });
  const shards = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: candidatesTaskQueue(temporal.taskQueue),
    activities: { validateShard: activities.validateShard, precomputeCandidates: activities.precomputeCandidates, scoreEvaluation: activities.scoreEvaluation },
    maxConcurrentActivityTaskExecutions: shardConcurrency,
  });
  return {
    async run() {
      await Promise.all([stages.run(), shards.run()]);
    },
    async runUntil<T>(body: Promise<T>) {
      const [result] = await Promise.all([stages.runUntil(body), shards.runUntil(body)]);
      return result;
    },
  };
}
