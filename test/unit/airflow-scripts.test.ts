import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, projectRoot } from '../../config';
import { AirflowApi, awaitDagRun, dagRunUrl, triggerDagRun, type DagRun } from '../../scripts/airflow/dag-runs';
import { airflowEnv } from '../../scripts/airflow/environment';
import { readAirflowLogin } from '../../scripts/airflow/servers';
import { countsFromJunit } from '../../scripts/test-python';

describe('airflow scripts', () => {
  it('keeps Airflow’s state inside the project and its virtualenv in the user cache by default', () => {
    const config = loadConfig({ XDG_CACHE_HOME: '/var/cache/someone' });
    assert.equal(config.airflow.venvDir, path.join('/var/cache/someone', 'movie-rec', 'venvs', 'airflow'));
    assert.equal(loadConfig({ MOVIE_REC_VENVS_DIR: 'venvs' }).airflow.venvDir, path.join(projectRoot, 'venvs', 'airflow'));
    assert.equal(loadConfig({ AIRFLOW_VENV: '.venv/airflow' }).airflow.venvDir, path.join(projectRoot, '.venv', 'airflow'));
    assert.equal(config.airflow.home, path.join(projectRoot, '.local', 'airflow'));
    assert.equal(config.airflow.dagsFolder, path.join(projectRoot, 'dags'));
    assert.equal(config.airflow.python, 'python3');
  });

  it('gives Airflow processes the project home, DAG folder and a temporal_default connection', () => {
    // A Temporal server beyond loopback: the local-only secrets do not apply there.
    const secrets = { RELOAD_TOKEN: 'a-deployment-reload-token', S3_ACCESS_KEY_ID: 'deploy-key', S3_SECRET_ACCESS_KEY: 'deploy-secret-key' };
    const config = loadConfig({ AIRFLOW_HOME: 'tmp/af', TEMPORAL_ADDRESS: 'temporal:7300', TEMPORAL_NAMESPACE: 'batch', ...secrets });
    const env = airflowEnv(config, { PATH: '/usr/bin', PYTHONPATH: 'extra' });
    assert.equal(env.AIRFLOW_HOME, path.join(projectRoot, 'tmp', 'af'));
    assert.equal(env.AIRFLOW__CORE__DAGS_FOLDER, config.airflow.dagsFolder);
    assert.equal(env.AIRFLOW__CORE__LOAD_EXAMPLES, 'False');
    assert.equal(env.PYTHONPATH, [config.airflow.dagsFolder, 'extra'].join(path.delimiter));
    assert.ok(env.PATH?.startsWith(path.join(config.airflow.venvDir, 'bin')));
    assert.deepEqual(JSON.parse(env.AIRFLOW_CONN_TEMPORAL_DEFAULT ?? ''), {
      conn_type: 'temporal',
      host: 'temporal',
      port: 7300,
      extra: { namespace: 'batch', task_queue: 'movie-rec-batch' },
    });
  });

  it('runs the API server on 127.0.0.1:AIRFLOW_API_PORT, which the task processes and the console link use', () => {
    const config = loadConfig({});
    assert.equal(config.airflow.apiPort, 8280);
    const env = airflowEnv(config, {});
    assert.equal(env.AIRFLOW__API__HOST, '127.0.0.1');
    assert.equal(env.AIRFLOW__API__PORT, '8280');
    assert.equal(env.AIRFLOW__API__BASE_URL, 'http://127.0.0.1:8280/');
    assert.equal(config.console.airflowUiUrl, 'http://127.0.0.1:8280');
    const moved = loadConfig({ AIRFLOW_API_PORT: '9321' });
    assert.equal(airflowEnv(moved, {}).AIRFLOW__API__BASE_URL, 'http://127.0.0.1:9321/');
    assert.equal(moved.console.airflowUiUrl, 'http://127.0.0.1:9321');
    assert.equal(loadConfig({ AIRFLOW_UI_URL: 'https://airflow.example.com/' }).console.airflowUiUrl, 'https://airflow.example.com');
  });

  it('logs in as the first simple-auth-manager user, with the password Airflow generated into its home', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'airflow-home-'));
    try {
      const config = loadConfig({ AIRFLOW_HOME: home });
      assert.equal(airflowEnv(config, {}).AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS, 'admin:admin');
      assert.throws(() => readAirflowLogin(config, {}), /ENOENT/);
      writeFileSync(path.join(home, 'simple_auth_manager_passwords.json.generated'), '{"admin": "Xk3pQ9mN2bV7cR4t", "viewer": "other"}\n');
      assert.deepEqual(readAirflowLogin(config, {}), { username: 'admin', password: 'Xk3pQ9mN2bV7cR4t' });
      const users = { AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: 'viewer:viewer,admin:admin' };
      assert.equal(airflowEnv(config, users).AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS, users.AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS);
      assert.deepEqual(readAirflowLogin(config, users), { username: 'viewer', password: 'other' });
      assert.throws(() => readAirflowLogin(config, { AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: 'ops:op' }), /no password for user 'ops'/);
      mkdirSync(path.join(home, 'elsewhere'));
      const file = path.join(home, 'elsewhere', 'passwords.json');
      writeFileSync(file, '{"admin": "fromConfiguredFile"}');
      assert.equal(readAirflowLogin(config, { AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: file }).password, 'fromConfiguredFile');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('leaves a temporal_default connection set by the caller alone', () => {
    const env = airflowEnv(loadConfig({}), { AIRFLOW_CONN_TEMPORAL_DEFAULT: 'temporal://elsewhere:7233' });
    assert.equal(env.AIRFLOW_CONN_TEMPORAL_DEFAULT, 'temporal://elsewhere:7233');
  });

  describe("a DAG run through Airflow's REST API", () => {
    /** A stand-in for the API server's routes that the trigger uses, with one DAG and its runs by logical date. */
    function standIn(runs: DagRun[], options: { createdMeanwhile?: DagRun } = {}) {
      const calls: string[] = [];
      let paused = true;
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const url = new URL(req.url ?? '/', 'http://x');
          calls.push(`${req.method} ${url.pathname}`);
          const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
          if (url.pathname === '/auth/token') {
            const login = JSON.parse(body) as { username: string; password: string };
            return login.password === 'secret' ? send(201, { access_token: 'jwt' }) : send(401, { detail: 'Invalid credentials' });
          }
          if (req.headers.authorization !== 'Bearer jwt') return send(401, { detail: 'Not authenticated' });
          if (req.method === 'PATCH' && url.pathname === '/api/v2/dags/movie_rec_batch') {
            paused = (JSON.parse(body) as { is_paused: boolean }).is_paused;
            return send(200, { is_paused: paused });
          }
          if (req.method === 'GET' && url.pathname === '/api/v2/dags/movie_rec_batch/dagRuns') {
            const date = url.searchParams.get('logical_date_gte');
            assert.equal(url.searchParams.get('logical_date_lte'), date);
            return send(200, { dag_runs: runs.filter((r) => r.logical_date === date) });
          }
          if (req.method === 'POST' && url.pathname === '/api/v2/dags/movie_rec_batch/dagRuns') {
            const { logical_date: date } = JSON.parse(body) as { logical_date: string };
            if (options.createdMeanwhile) {
              runs.push(options.createdMeanwhile);
              return send(409, { detail: { reason: 'Unique constraint violation' } });
            }
            const run: DagRun = { dag_run_id: `manual__${date}`, logical_date: date, state: 'queued' };
            runs.push(run);
            return send(200, run);
          }
          const match = /^\/api\/v2\/dags\/movie_rec_batch\/dagRuns\/([^/]+)(\/clear|\/taskInstances)?$/.exec(url.pathname);
          const run = runs.find((r) => r.dag_run_id === decodeURIComponent(match?.[1] ?? ''));
          if (!run) return send(404, { detail: 'not found' });
          if (match?.[2] === '/clear') {
            assert.deepEqual(JSON.parse(body), { dry_run: false });
            run.state = 'queued';
            return send(200, run);
          }
          if (match?.[2] === '/taskInstances') {
            const state = paused ? null : run.state === 'success' ? 'success' : 'deferred';
            return send(200, { task_instances: [{ task_id: 'batch_training_workflow', state, try_number: 1, max_tries: 2 }] });
          }
          // Each look at an unpaused run moves it on: queued, running, then success.
          if (!paused) run.state = run.state === 'queued' ? 'running' : 'success';
          return send(200, run);
        });
      });
      return new Promise<{ url: string; calls: string[]; paused: () => boolean; close: () => void }>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, paused: () => paused, close: () => server.close() })),
      );
    }

    it('triggers the date at midnight UTC, then unpauses the DAG, and follows the run to its end', async () => {
      const airflow = await standIn([]);
      try {
        await assert.rejects(AirflowApi.login(airflow.url, { username: 'admin', password: 'wrong' }), /refused the login of 'admin': 401/);
        const api = await AirflowApi.login(airflow.url, { username: 'admin', password: 'secret' });
        const { run, outcome } = await triggerDagRun(api, 'movie_rec_batch', '2026-03-04');
        assert.equal(outcome, 'triggered');
        assert.equal(run.logical_date, '2026-03-04T00:00:00Z');
        assert.equal(airflow.paused(), false);
        assert.deepEqual(airflow.calls.slice(2), ['GET /api/v2/dags/movie_rec_batch/dagRuns', 'POST /api/v2/dags/movie_rec_batch/dagRuns', 'PATCH /api/v2/dags/movie_rec_batch']);
        const seen: string[] = [];
        const end = await awaitDagRun(api, 'movie_rec_batch', run.dag_run_id, { pollMs: 1, onTaskState: (t) => seen.push(`${t.task_id}:${t.state}`) });
        assert.equal(end.state, 'success');
        assert.deepEqual(seen, ['batch_training_workflow:deferred', 'batch_training_workflow:success']);
      } finally {
        airflow.close();
      }
    });

    it("follows the date's existing run, clears a failed one, and takes the one the scheduler created meanwhile", async () => {
      const running: DagRun = { dag_run_id: 'scheduled__2026-03-04T00:00:00+00:00', logical_date: '2026-03-04T00:00:00Z', state: 'running' };
      const failed: DagRun = { dag_run_id: 'manual__2026-03-05T00:00:00+00:00', logical_date: '2026-03-05T00:00:00Z', state: 'failed' };
      const airflow = await standIn([running, failed]);
      const racing = await standIn([], { createdMeanwhile: { dag_run_id: 'scheduled__2026-03-06T00:00:00+00:00', logical_date: '2026-03-06T00:00:00Z', state: 'queued' } });
      try {
        const api = await AirflowApi.login(airflow.url, { username: 'admin', password: 'secret' });
        assert.deepEqual(await triggerDagRun(api, 'movie_rec_batch', '2026-03-04'), { run: running, outcome: 'attached' });
        const cleared = await triggerDagRun(api, 'movie_rec_batch', '2026-03-05');
        assert.equal(cleared.outcome, 'cleared');
        assert.equal(cleared.run.dag_run_id, failed.dag_run_id);
        assert.ok(airflow.calls.includes(`POST /api/v2/dags/movie_rec_batch/dagRuns/${encodeURIComponent(failed.dag_run_id)}/clear`));
        assert.ok(!airflow.calls.includes('POST /api/v2/dags/movie_rec_batch/dagRuns'));
        const taken = await triggerDagRun(await AirflowApi.login(racing.url, { username: 'admin', password: 'secret' }), 'movie_rec_batch', '2026-03-06');
        assert.deepEqual(taken, { run: { dag_run_id: 'scheduled__2026-03-06T00:00:00+00:00', logical_date: '2026-03-06T00:00:00Z', state: 'queued' }, outcome: 'attached' });
      } finally {
        airflow.close();
        racing.close();
      }
    });

    it("links a run's page in the UI with its id encoded", () => {
      assert.equal(dagRunUrl('http://127.0.0.1:8280', 'movie_rec_batch', 'manual__2026-03-04T00:00:00+00:00'), 'http://127.0.0.1:8280/dags/movie_rec_batch/runs/manual__2026-03-04T00%3A00%3A00%2B00%3A00');
    });
  });

  it('reads pytest counts from a JUnit report', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">' +
      '<testsuite name="pytest" errors="1" failures="2" skipped="3" tests="10" time="1.2">' +
      '<testcase classname="a" name="b" time="0.1"/></testsuite></testsuites>';
    assert.deepEqual(countsFromJunit(xml), { passed: 4, failed: 3, skipped: 3 });
  });

  it('sums every suite of a report, whatever its root and attribute order, and reads no counts from text', () => {
    const xml =
      '<testsuites><testsuite tests="4" name="a &gt; b" skipped="1"><testcase name="x">tests="99"</testcase></testsuite>' +
      '<testsuite failures="1" tests="2"/></testsuites>';
    assert.deepEqual(countsFromJunit(xml), { passed: 4, failed: 1, skipped: 1 });
    assert.deepEqual(countsFromJunit('<testsuite tests="5" errors="2"/>'), { passed: 3, failed: 2, skipped: 0 });
  });

  it('reads an empty run as zero tests', () => {
    const xml = '<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="0"></testsuite></testsuites>';
    assert.deepEqual(countsFromJunit(xml), { passed: 0, failed: 0, skipped: 0 });
  });
});
