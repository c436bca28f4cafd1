import { Worker } from 'node:worker_threads';
import { isCompiled, moduleBeside } from '../../config/source-tree';
import type { JobInput, JobName, JobOutput, ThreadMessage } from './jobs';

const entry = moduleBeside(import.meta.url, './thread-main');

/** The compiled entry itself; from the sources, a bootstrap that first registers tsx's loader, which worker threads do not inherit. */
function threadStart(): { script: string | URL; eval: boolean } {
  if (isCompiled(import.meta.url)) return { script: entry, eval: false };
  const tsxApi = import.meta.resolve('tsx/esm/api');
  return { script: `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`, eval: true };
}
const start = threadStart();

/**
 * Runs a CPU-heavy job (fit, evaluation, feature computation) in a worker thread, so the activity's
 * thread stays free to heartbeat and to notice cancellation. Typed arrays in `transfer` move to the
 * thread without a copy.
 */
export function runInThread<N extends JobName>(
  job: N,
  input: JobInput<N>,
  options: { transfer?: ArrayBuffer[]; onProgress?: (progress: Record<string, number | string>) => void; signal?: AbortSignal } = {},
): Promise<JobOutput<N>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(start.script, { eval: start.eval, workerData: { job, input }, transferList: options.transfer ?? [] });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      finish(() => reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('cancelled')));
      void worker.terminate();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: ThreadMessage<N>) => {
      if (message.type === 'progress') options.onProgress?.(message.progress);
      else if (message.type === 'done') finish(() => resolve(message.output));
      else finish(() => reject(Object.assign(new Error(message.message), { name: message.name, stack: message.stack })));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`${job} thread exited with code ${code} before finishing`))));
  });
}
