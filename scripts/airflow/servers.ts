/**
 * Airflow 3's long-running processes on the project's AIRFLOW_HOME, as MWAA runs them: the scheduler
 * (LocalExecutor), the DAG processor, the triggerer (which holds the deferred tasks) and the API server,
 * which also serves the UI. Separate commands rather than `airflow standalone`, because standalone starts
 * the scheduler's and the triggerer's log servers, and those bind every interface; here nothing listens
 * but the API server, on 127.0.0.1. Each process runs in a process group of its own (with its task
 * processes and API workers), logs to `<logDir>/airflow-<process>.log`, and `stop()` ends the groups.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { isPortOpen, logTail, stopProcessGroup } from '../services/processes';
import { airflowEnv, venvBin } from './environment';
import { runAirflow } from './run';

export const DAG_ID = 'movie_rec_batch';

export interface AirflowLogin {
  username: string;
  password: string;
}

export interface AirflowServers {
  /** The API server, whose root is the UI. */
  url: string;
  /** Resolves once every component reports healthy, with the login the simple auth manager generated. */
  ready: Promise<AirflowLogin>;
  /** Throws when one of the processes has exited since it started. */
  assertRunning(): void;
  stop(): Promise<void>;
}

const COMPONENTS = ['scheduler', 'dag-processor', 'triggerer', 'api-server'] as const;
type Component = (typeof COMPONENTS)[number];

function componentArgs(config: Config, component: Component): string[] {
  switch (component) {
    case 'scheduler':
    case 'triggerer':
      return [component, '--skip-serve-logs'];
    case 'dag-processor':
      return [component];
    case 'api-server':
      // One worker is plenty for one user, and each further one is another Python process of a few hundred MB.
      return [component, '--host', '127.0.0.1', '--port', String(config.airflow.apiPort), '--workers', '1'];
  }
}

/** The login of the first user in `[core] simple_auth_manager_users`, from the passwords file Airflow generated. */
export function readAirflowLogin(config: Config, env: NodeJS.ProcessEnv): AirflowLogin {
  const airflow = airflowEnv(config, env);
  const username = (airflow.AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS ?? '').split(',')[0]?.split(':')[0]?.trim() ?? '';
  const file = airflow.AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE ?? path.join(config.airflow.home, 'simple_auth_manager_passwords.json.generated');
  const passwords = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const password = passwords[username];
  if (password === undefined) throw new Error(`Airflow's passwords file ${file} has no password for user '${username}'`);
  return { username, password };
}

/**
 * The process groups started on an Airflow home, recorded in `<AIRFLOW_HOME>/run/airflow-servers.json`
 * so that a start after one that was killed (and could not stop them) stops them first. A group is
 * known by its leader's pid and kernel start time: Airflow rewrites its processes' command lines, so
 * they cannot tell a reused pid apart.
 */
interface GroupRecord {
  component: string;
  pid: number;
  startTime: string;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted from the state field that follows the parenthesised name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The triggerer takes about ten seconds to let its triggers go. */
const STOP_GRACE_MS = 30_000;

async function stopLeftovers(recordFile: string): Promise<void> {
  let records: GroupRecord[];
  try {
    records = JSON.parse(readFileSync(recordFile, 'utf8')) as GroupRecord[];
  } catch {
    return;
  }
  await Promise.all(records.filter((r) => startTimeOf(r.pid) === r.startTime).map((r) => stopProcessGroup(r.pid, STOP_GRACE_MS)));
  rmSync(recordFile, { force: true });
}

interface Health {
  [component: string]: { status?: string | null } | undefined;
}

/**
 * Starts the four processes, after bringing the metadata database up to date and pausing the DAG:
 * the scheduler would otherwise start the day's scheduled run at once, before the caller has loaded
 * the day's data; the caller triggers the run and unpauses the DAG when it is ready.
 */
export function startAirflowServers(config: Config, options: { logDir: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): AirflowServers {
  const env = options.env ?? process.env;
  const recordFile = path.join(config.airflow.home, 'run', 'airflow-servers.json');
  const children = new Map<Component, ChildProcess>();
  const spawnErrors = new Map<Component, Error>();
  let stopping = false;
  const logFile = (name: string) => path.join(options.logDir, `airflow-${name}.log`);

  const assertRunning = () => {
    for (const [component, error] of spawnErrors) throw new Error(`could not start Airflow's ${component}: ${error.message}`);
    for (const [component, child] of children) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`Airflow's ${component} exited (${child.signalCode ?? `code ${child.exitCode}`}); ${logFile(component)} ends with:\n${logTail(logFile(component), 15)}`);
      }
    }
  };

  const spawnComponent = (component: Component): ChildProcess => {
    const fd = openSync(logFile(component), 'a');
    try {
      writeFileSync(fd, `\n==== ${new Date().toISOString()} starting airflow ${componentArgs(config, component).join(' ')}\n`);
      // detached: a process group of its own, which stop() signals whole; Ctrl-C on the terminal does not reach it.
      return spawn(venvBin(config, 'airflow'), componentArgs(config, component), { detached: true, stdio: ['ignore', fd, fd], env: airflowEnv(config, env) });
    } finally {
      closeSync(fd);
    }
  };

  const start = async (): Promise<AirflowLogin> => {
    mkdirSync(options.logDir, { recursive: true });
    mkdirSync(config.airflow.home, { recursive: true });
    mkdirSync(path.dirname(recordFile), { recursive: true });
    await stopLeftovers(recordFile);
    if (await isPortOpen(config.airflow.apiPort)) {
      throw new Error(`port ${config.airflow.apiPort} is taken, so Airflow's API server cannot listen there; set AIRFLOW_API_PORT to a free port`);
    }
    for (const args of [['db', 'migrate'], ['dags', 'reserialize'], ['dags', 'pause', DAG_ID]]) {
      if (stopping) throw new Error('stopped before Airflow started');
      const code = await runAirflow(config, args, { env, logFile: logFile('cli') });
      if (code !== 0) throw new Error(`airflow ${args.join(' ')} exited with ${code}; see ${logFile('cli')}`);
    }
    if (stopping) throw new Error('stopped before Airflow started');
    for (const component of COMPONENTS) {
      const child = spawnComponent(component);
      child.once('error', (err) => spawnErrors.set(component, err));
      children.set(component, child);
    }
    const records: GroupRecord[] = [...children].flatMap(([component, child]) => {
      const startTime = child.pid === undefined ? undefined : startTimeOf(child.pid);
      return child.pid === undefined || startTime === undefined ? [] : [{ component, pid: child.pid, startTime }];
    });
    writeFileSync(recordFile, `${JSON.stringify(records, null, 2)}\n`);
    const deadline = Date.now() + (options.timeoutMs ?? 180_000);
    for (;;) {
      if (stopping) throw new Error('stopped before Airflow was ready');
      assertRunning();
      const response = await fetch(`${config.airflow.url}/api/v2/monitor/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      const health = response?.ok ? ((await response.json()) as Health) : undefined;
      const unhealthy = ['metadatabase', 'scheduler', 'triggerer', 'dag_processor'].filter((name) => health?.[name]?.status !== 'healthy');
      if (unhealthy.length === 0) return readAirflowLogin(config, env);
      if (Date.now() > deadline) throw new Error(`Airflow was not healthy within ${(options.timeoutMs ?? 180_000) / 1000} s (${unhealthy.join(', ')}); logs: ${logFile('*')}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  const ready = start();
  // The caller awaits `ready` when it needs Airflow; a failure before then is not an unhandled rejection.
  ready.catch(() => undefined);
  return {
    url: config.airflow.url,
    ready,
    assertRunning,
    async stop() {
      stopping = true;
      await Promise.all([...children.values()].flatMap((child) => (child.pid === undefined ? [] : [stopProcessGroup(child.pid, STOP_GRACE_MS)])));
      rmSync(recordFile, { force: true });
    },
  };
}
