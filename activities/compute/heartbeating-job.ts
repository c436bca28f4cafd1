import { cancellationSignal, heartbeat } from '@temporalio/activity';
import type { JobInput, JobName, JobOutput } from './jobs';
import { runInThread } from './run-in-thread';

const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Runs a job in a worker thread from inside an activity: heartbeats `checkpoint` plus the job's latest
 * progress every few seconds, and stops the thread when the activity is cancelled.
 */
export async function runJobWithHeartbeats<N extends JobName>(
  job: N,
  input: JobInput<N>,
  checkpoint: object,
  transfer: ArrayBuffer[] = [],
): Promise<JobOutput<N>> {
  let progress: Record<string, number | string> = {};
  const beat = () => heartbeat({ ...checkpoint, job, progress });
  beat();
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  try {
    return await runInThread(job, input, { transfer, signal: cancellationSignal(), onProgress: (p) => (progress = p) });
  } finally {
    clearInterval(timer);
  }
}

/**
 * Heartbeats `details()` every few seconds while `body` runs, so long stretches of I/O (reading bronze,
 * writing parquet, upserting features) keep the activity alive and carry its latest checkpoint.
 */
export async function heartbeatWhile<T>(details: () => unknown, body: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(details()), HEARTBEAT_EVERY_MS);
  try {
    return await body();
  } finally {
    clearInterval(timer);
  }
}

/** Stops a long loop once the activity is cancelled (Temporal delivers the cancellation through heartbeats). */
export function throwIfCancelled(): void {
  const signal = cancellationSignal();
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('the activity was cancelled');
}
