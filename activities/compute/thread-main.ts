import { parentPort, workerData } from 'node:worker_threads';
import { jobs, type JobName, type ThreadMessage } from './jobs';

const { job, input } = workerData as { job: JobName; input: never };
const post = (message: ThreadMessage<JobName>, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

try {
  const { output, transfer } = jobs[job](input, (progress) => post({ type: 'progress', progress }));
  post({ type: 'done', output }, transfer);
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'error', name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
}
