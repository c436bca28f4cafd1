import type { Config } from '../../config';
import { installServices } from './install';
import { servicesLayout } from './layout';
import { isOurs, isPortOpen, logTail, readPidRecord, runningRecord, startDetached, stopRecorded, type PidRecord } from './processes';
import { stackDefinitions, type ServiceDefinition } from './stack';

type Log = (line: string) => void;

const READY_TIMEOUT_MS = 120_000;
/** A wedged server may not act on SIGTERM: it gets this long before SIGKILL. */
const UNHEALTHY_STOP_GRACE_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `unhealthy`: started by `up` and running, but failing its health check (see `ServiceDefinition.healthy`). */
export type ServiceState = 'up' | 'unhealthy' | 'down' | 'foreign';

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  pid?: number;
  /** Why an unhealthy service failed its check. */
  problem?: string;
  ports: { label: string; port: number; open: boolean }[];
}

const HEALTH_ATTEMPTS = 2;

/** Undefined when the service passes its health check (one retry, so a momentary hiccup is not a verdict), else the problem. */
async function healthProblem(def: ServiceDefinition): Promise<string | undefined> {
  if (!def.healthy) return undefined;
  let problem = '';
  for (let attempt = 1; attempt <= HEALTH_ATTEMPTS; attempt++) {
    try {
      await def.healthy();
      return undefined;
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
      if (attempt < HEALTH_ATTEMPTS) await sleep(1000);
    }
  }
  return problem;
}

async function statusOf(def: ServiceDefinition, runDir: string): Promise<ServiceStatus> {
  const record = runningRecord(runDir, def.name);
  const ports = await Promise.all(def.ports.map(async (p) => ({ ...p, open: await isPortOpen(p.port) })));
  const anyOpen = ports.some((p) => p.open);
  const problem = record ? await healthProblem(def) : undefined;
  const state: ServiceState = record ? (problem === undefined ? 'up' : 'unhealthy') : anyOpen ? 'foreign' : 'down';
  return { name: def.name, state, ...(record ? { pid: record.pid } : {}), ...(problem === undefined ? {} : { problem }), ports };
}

export async function servicesStatus(config: Config): Promise<ServiceStatus[]> {
  const layout = servicesLayout(config);
  return Promise.all(stackDefinitions(config, layout).map((def) => statusOf(def, layout.runDir)));
}

export function formatStatus(statuses: ServiceStatus[]): string {
  return statuses
    .map((s) => {
      const ports = s.ports.map((p) => `${p.label} ${p.port}${p.open ? '' : ' (closed)'}`).join(', ');
      const state = s.state === 'foreign' ? 'down (port taken by a process not started by services:up)' : s.state;
      const line = `${s.name.padEnd(9)} ${state.padEnd(5)} ${s.pid ? `pid ${String(s.pid).padEnd(7)}` : ' '.repeat(11)} ${ports}`;
      return s.problem === undefined ? line : `${line}\n          ${s.problem} (services:up restarts it)`;
    })
    .join('\n');
}

async function waitReady(def: ServiceDefinition, record: PidRecord | undefined, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  for (;;) {
    if (record && !isOurs(record)) {
      throw new Error(`${def.name} exited while starting. Last lines of ${logFile}:\n${logTail(logFile)}`);
    }
    try {
      await def.ready();
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${def.name} was not ready after ${READY_TIMEOUT_MS / 1000} s: ${String((lastError as Error)?.message ?? lastError)}\nLast lines of ${logFile}:\n${logTail(logFile)}`);
    }
    await sleep(500);
  }
}

/**
 * Brings the stack up: installs what is missing, starts each service that is not running
 * (only that one), waits until each answers and holds what the platform needs, and prints the URLs.
 */
export async function servicesUp(config: Config, log: Log = console.log): Promise<string[]> {
  await installServices(config, log, { reportPresent: false });
  const layout = servicesLayout(config);
  const defs = stackDefinitions(config, layout);
  const results = await Promise.allSettled(
    defs.map(async (def) => {
      const logFile = layout.logFile(def.name);
      let record = runningRecord(layout.runDir, def.name);
      let started = false;
      const problem = record ? await healthProblem(def) : undefined;
      if (record && problem !== undefined) {
        // Its data directory stays: the restarted server has everything the wedged one had.
        log(`${def.name}: running (pid ${record.pid}) but not healthy: ${problem}; restarting it`);
        await stopRecorded(layout.runDir, def.name, UNHEALTHY_STOP_GRACE_MS);
        record = undefined;
      }
      if (!record) {
        const taken = [];
        for (const p of def.ports) if (await isPortOpen(p.port)) taken.push(`${p.port} (${p.label})`);
        if (taken.length > 0) {
          throw new Error(`${def.name}: port ${taken.join(', ')} is in use by a process that services:up did not start. Stop it, or choose other ports with the environment variables in the README.`);
        }
        const launch = def.prepare();
        record = startDetached({ service: def.name, ...launch, logFile, runDir: layout.runDir });
        started = true;
        log(`${def.name}: started (pid ${record.pid}), waiting until it is ready…`);
      }
      const t0 = Date.now();
      await waitReady(def, record, logFile);
      if (started) log(`${def.name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return started ? def.name : undefined;
    }),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error)?.message ?? r.reason)] : []));
  if (failures.length > 0) throw new Error(failures.join('\n\n'));
  const started = results.flatMap((r) => (r.status === 'fulfilled' && r.value !== undefined ? [r.value] : []));
  log(started.length > 0 ? 'The stack is up.' : 'The stack was already up; nothing to do.');
  log(formatStatus(await servicesStatus(config)));
  for (const def of defs) for (const u of def.urls) log(`  ${u.label.padEnd(18)} ${u.url}`);
  return started;
}

/** Stops the named services if `up` started them. */
export async function stopServices(config: Config, names: string[]): Promise<void> {
  const layout = servicesLayout(config);
  await Promise.all(names.map((name) => stopRecorded(layout.runDir, name)));
}

/** Stops the processes that `up` started (by their recorded pids) and nothing else. */
export async function servicesDown(config: Config, log: Log = console.log): Promise<void> {
  const layout = servicesLayout(config);
  const defs = stackDefinitions(config, layout);
  await Promise.all(
    defs.map(async (def) => {
      const record = readPidRecord(layout.runDir, def.name);
      const stopped = await stopRecorded(layout.runDir, def.name);
      if (stopped) log(`${def.name}: stopped (pid ${record?.pid})`);
      else log(`${def.name}: not running`);
    }),
  );
}
