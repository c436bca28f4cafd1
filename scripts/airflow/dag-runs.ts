/**
 * A DAG run through Airflow's stable REST API (v2), as an operator or an external trigger would start it:
 * a JWT from the simple auth manager's `POST /auth/token`, then `POST /api/v2/dags/{dag_id}/dagRuns`
 * for a logical date, and its state and task instances polled until it ends.
 */
import type { AirflowLogin } from './servers';

export class AirflowApiError extends Error {
  override name = 'AirflowApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class AirflowApi {
  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static async login(url: string, login: AirflowLogin): Promise<AirflowApi> {
    const response = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(login) });
    if (!response.ok) throw new AirflowApiError(`Airflow refused the login of '${login.username}': ${response.status} ${await response.text()}`, response.status);
    return new AirflowApi(url, ((await response.json()) as { access_token: string }).access_token);
  }

  async request<T>(method: 'GET' | 'POST' | 'PATCH', route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/api/v2${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new AirflowApiError(`${method} /api/v2${route} answered ${response.status}: ${(await response.text()).slice(0, 500)}`, response.status);
    return (await response.json()) as T;
  }
}

export type DagRunState = 'queued' | 'running' | 'success' | 'failed';

export interface DagRun {
  dag_run_id: string;
  logical_date: string | null;
  state: DagRunState;
}

export interface TaskInstance {
  task_id: string;
  state: string | null;
  try_number: number;
  max_tries: number;
}

/** How `triggerDagRun` came by the run: a new one, one that was already there, or a failed one cleared to run again. */
export type TriggerOutcome = 'triggered' | 'attached' | 'cleared';

const runsRoute = (dagId: string, runId?: string) => `/dags/${encodeURIComponent(dagId)}/dagRuns${runId === undefined ? '' : `/${encodeURIComponent(runId)}`}`;

async function runOfDate(api: AirflowApi, dagId: string, logicalDate: string): Promise<DagRun | undefined> {
  const query = new URLSearchParams({ logical_date_gte: logicalDate, logical_date_lte: logicalDate });
  return (await api.request<{ dag_runs: DagRun[] }>('GET', `${runsRoute(dagId)}?${query.toString()}`)).dag_runs[0];
}

/**
 * The DAG's run for `runDate` (YYYY-MM-DD, logical date at midnight UTC, so `{{ ds }}` is that date),
 * then the DAG unpaused so the scheduler runs it. A date has one run (Airflow keeps logical dates
 * unique): one that is queued, running or done is returned as it is, a failed one is cleared so its
 * tasks run again, and one the scheduler created meanwhile (409) is taken instead.
 */
export async function triggerDagRun(api: AirflowApi, dagId: string, runDate: string, options: { note?: string } = {}): Promise<{ run: DagRun; outcome: TriggerOutcome }> {
  const logicalDate = `${runDate}T00:00:00Z`;
  let run = await runOfDate(api, dagId, logicalDate);
  let outcome: TriggerOutcome = 'attached';
  if (run === undefined) {
    try {
      run = await api.request<DagRun>('POST', runsRoute(dagId), { logical_date: logicalDate, note: options.note ?? null });
      outcome = 'triggered';
    } catch (err) {
      if (!(err instanceof AirflowApiError && err.status === 409)) throw err;
      run = await runOfDate(api, dagId, logicalDate);
      if (run === undefined) throw err;
    }
  } else if (run.state === 'failed') {
    await api.request('POST', `${runsRoute(dagId, run.dag_run_id)}/clear`, { dry_run: false });
    run = await api.request<DagRun>('GET', runsRoute(dagId, run.dag_run_id));
    outcome = 'cleared';
  }
  await api.request('PATCH', `/dags/${encodeURIComponent(dagId)}`, { is_paused: false });
  return { run, outcome };
}

/**
 * Polls the run until it succeeds or fails, calling `onTaskState` each time a task instance changes
 * state (or try); `check` runs each round and may throw, e.g. when an Airflow process died.
 */
export async function awaitDagRun(
  api: AirflowApi,
  dagId: string,
  runId: string,
  options: { onTaskState?: (task: TaskInstance) => void; check?: () => void; pollMs?: number } = {},
): Promise<{ state: 'success' | 'failed'; tasks: TaskInstance[] }> {
  const seen = new Map<string, string>();
  for (;;) {
    options.check?.();
    const run = await api.request<DagRun>('GET', runsRoute(dagId, runId));
    const { task_instances: tasks } = await api.request<{ task_instances: TaskInstance[] }>('GET', `${runsRoute(dagId, runId)}/taskInstances`);
    for (const task of tasks) {
      const key = `${task.state ?? 'none'}/${task.try_number}`;
      if (task.state !== null && seen.get(task.task_id) !== key) options.onTaskState?.(task);
      seen.set(task.task_id, key);
    }
    if (run.state === 'success' || run.state === 'failed') return { state: run.state, tasks };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}

/** The run's page in the Airflow UI. */
export function dagRunUrl(airflowUrl: string, dagId: string, runId: string): string {
  return `${airflowUrl}/dags/${encodeURIComponent(dagId)}/runs/${encodeURIComponent(runId)}`;
}
