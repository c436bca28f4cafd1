import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Workers in tests log warnings and errors only; the runtime can be installed once per process. */
export function quietTemporalRuntime(): void {
  if (installed) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  installed = true;
}
