import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { BATCH_WORKFLOW_TYPE, batchWorkflowId, PROGRESS_QUERY, type BatchInput, type BatchProgress, type BatchResult } from '../../domain/batch';

export type BatchHandle = WorkflowHandle<(input: BatchInput) => Promise<BatchResult>>;

/**
 * Starts the batch for a run date, or attaches to the run that has it already: a running one
 * (conflict policy USE_EXISTING) or a completed one (a failed or cancelled one may be run again).
 */
/** Starts the batch of `input.run_date` (or attaches to its run); `workflowId` other than the date's own gives a run of its own. */
export async function startOrAttachBatch(client: Client, taskQueue: string, input: BatchInput, workflowId = batchWorkflowId(input.run_date)): Promise<{ handle: BatchHandle; attached: boolean }> {
  const requestedAt = Date.now();
  try {
    const handle = await client.workflow.start<(input: BatchInput) => Promise<BatchResult>>(BATCH_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    // With USE_EXISTING the server hands back the running execution instead of starting one; it began before we asked.
    const { startTime } = await handle.describe();
    return { handle, attached: startTime.getTime() < requestedAt - 1000 };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: client.workflow.getHandle(workflowId), attached: true };
    }
    throw err;
  }
}

export function queryProgress(handle: BatchHandle): Promise<BatchProgress> {
  return handle.query<BatchProgress>(PROGRESS_QUERY);
}
