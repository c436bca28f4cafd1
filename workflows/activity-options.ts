import type { ActivityOptions } from '@temporalio/workflow';

/** Failure types that retrying cannot fix: the data or the input is wrong. */
export const NON_RETRYABLE = ['InvalidBatchData', 'InvalidInput'];

/** Short calls to S3, DynamoDB or the API: fail fast, retry often. */
export const ioActivity: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** How fast validation reads bronze at the least (this machine reads about ten times faster): sizes its timeout. */
const VALIDATION_MIN_BYTES_PER_SECOND = 1_000_000;

/**
 * Validating a day: the start-to-close timeout grows with the partition's bytes (5 minutes plus one
 * second per megabyte), so a growing daily volume never meets a fixed limit; a stuck attempt is still
 * noticed within a minute by its heartbeats.
 */
export function validationActivity(partitionBytes: number): ActivityOptions {
  return { ...ioActivity, startToCloseTimeout: 5 * 60_000 + Math.ceil((1000 * partitionBytes) / VALIDATION_MIN_BYTES_PER_SECOND) };
}

/**
 * Long CPU and I/O stages (extract, train, evaluate). They heartbeat their progress; a worker that dies
 * is noticed when heartbeats stop, and the retry resumes from the last heartbeat's details.
 */
export const computeActivity: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * One candidate shard of the train stage: CPU-bound, heartbeating its progress; a shard whose worker
 * dies is retried on another, the others keep their results.
 */
export const shardActivity: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * Making every API replica serve the new model: one attempt waits (heartbeating) until they all do or
 * its own timeout names the laggards; attempts are retried while no replica is live (the API is down
 * or restarting).
 */
export const reloadActivity: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
};
