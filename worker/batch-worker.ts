import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { BatchActivities } from '../activities';
import type { Config } from '../config';

/** The worker of the batch task queue: the workflow bundle plus the given activities. */
export function createBatchWorker(connection: NativeConnection, temporal: Config['temporal'], activities: BatchActivities): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
    activities,
  });
}
