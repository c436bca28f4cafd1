/** The worker's workflow bundle entry: every workflow the batch task queue runs. */
export { batchTrainingWorkflow, progressQuery } from './batch-training';
