import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { batchWorkflowId, type BatchResult } from '../../../domain/batch';
import { readCurrentPointer } from '../../../domain/model-registry';
import { AirflowApi } from '../../../scripts/airflow/dag-runs';
import { DAG_ID } from '../../../scripts/airflow/servers';
import { servicesLayout } from '../../../scripts/services/layout';
import { removeLocalS3Identities } from '../../../scripts/services/s3-identities';
import { createBatchEnvironment, type BatchEnvironment } from '../../support/batch';
import { testConfig, uniqueName } from '../../support/config';
import { freePort } from '../../support/ports';

/** `npm start` as a user runs it, in a process group of its own so that SIGINT to the group is a Ctrl-C on its terminal. */
class NpmStart {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
    this.child = spawn('npm', ['start', '--', ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) stream.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the output once `line` appears; fails when npm start exits first or the time is up. */
  async waitFor(line: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(line)) {
      if (this.child.exitCode !== null) throw new Error(`npm start exited (code ${this.child.exitCode}) before printing '${line}':\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not print '${line}' within ${timeoutMs / 1000} s:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return this.output;
  }

  /** Ctrl-C: SIGINT to the whole foreground group (npm, npm start and the platform processes it started). */
  async interrupt(): Promise<number | null> {
    process.kill(-this.child.pid!, 'SIGINT');
    return this.exited;
  }

  /** After a failed test: Ctrl-C (so that it stops Airflow's detached groups), then SIGKILL to whatever of its group is left. */
  async stop(): Promise<void> {
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-this.child.pid!, name);
      } catch {
        // the whole group has exited
      }
    };
    if (this.child.exitCode === null && this.child.signalCode === null) {
      signal('SIGINT');
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    }
    signal('SIGKILL');
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The match of `pattern` in npm start's output; fails the test, showing the output, when there is none. */
function printed(output: string, pattern: RegExp): RegExpExecArray {
  const match = pattern.exec(output);
  assert.ok(match, `npm start's output has no ${pattern}:\n${output}`);
  return match;
}

/**
 * The platform as a new user meets it: `npm start -- --compiled` builds the processes and runs them
 * with plain `node` (as in production, threads and the workflow bundle included), starts Airflow's own
 * scheduler, DAG processor, triggerer and API server, replays ml-100k through the API, triggers the
 * DAG's run for today, which starts the workflow on the real worker and awaits it deferred in the
 * triggerer; the test then checks what it printed against Airflow, Temporal, the registry and the API,
 * and that Ctrl-C stops everything it started and nothing else. A second `npm start` on the same day
 * says which run and model it reuses, instead of replaying and training again. Everything runs in its
 * own Temporal namespace, topic, bucket, tables, ports and Airflow home, so the contract's workflow id
 * and DAG run for today cannot clash with another run's.
 */
describe('end to end: npm start runs the platform through Airflow, serves the model, and Ctrl-C stops it', function () {
  this.timeout(900_000);
  const base = testConfig();
  const id = uniqueName('start');
  let env: BatchEnvironment;
  let temporal: Client;
  let processEnv: NodeJS.ProcessEnv;
  let ports: { api: number; console: number; airflow: number };
  const airflowHome = path.join(base.localDir, 'test-airflow', id);
  const started: NpmStart[] = [];
  const runDate = new Date().toISOString().slice(0, 10);

  before(async () => {
    env = await createBatchEnvironment();
    const namespace = id;
    const connection = await Connection.connect({ address: base.temporal.address });
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    temporal = new Client({ connection, namespace });
    // A new namespace needs a moment before it accepts calls (npm start provisions its search attributes).
    for (let attempt = 0; ; attempt++) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        break;
      } catch (err) {
        if (attempt > 30) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    ports = { api: await freePort(), console: await freePort(), airflow: await freePort() };
    processEnv = {
      ...process.env,
      ...env.env,
      TEMPORAL_NAMESPACE: namespace,
      KAFKA_TOPIC: `${id}-events`,
      KAFKA_DLQ_TOPIC: `${id}-dlq`,
      KAFKA_GROUP_ID: `${id}-consumer`,
      API_PORT: String(ports.api),
      CONSOLE_PORT: String(ports.console),
      AIRFLOW_HOME: airflowHome,
      AIRFLOW_API_PORT: String(ports.airflow),
      LOG_LEVEL: 'warn',
    };
  });

  after(async () => {
    for (const run of started) await run.stop();
    await temporal?.connection.close();
    const config = testConfig(processEnv);
    await removeLocalS3Identities(config, servicesLayout(config).mcBin).catch(() => undefined);
    env?.close();
    rmSync(airflowHome, { recursive: true, force: true });
  });

  it('replays ml-100k, runs the DAG in Airflow, deploys and serves the model, prints where to look, and stops on Ctrl-C', async () => {
    const run = new NpmStart(['--compiled', '--dataset', 'ml-100k'], processEnv, base.projectRoot);
    started.push(run);
    const output = await run.waitFor('The platform keeps running', 840_000);

    assert.match(output, /api, consumer, worker and console started compiled, from dist\/ with plain node/);
    assert.match(output, /Replaying 100,000 ratings of ml-100k through POST \/events\/batch/);
    assert.match(output, /all ratings are in bronze/);
    // The DAG's task that awaits the workflow waited in the triggerer, holding no worker slot, as on MWAA.
    assert.match(output, /batch_training_workflow: deferred/);
    assert.match(output, /✔ reload_api: success/);
    const version = printed(output, /^Model (\S+): deployed; NDCG@10 (\d\.\d{4})$/m)[1]!;

    // What it printed is what runs: the workflow in Temporal, the pointer in the registry, the API's model.
    const handle = temporal.workflow.getHandle<() => Promise<BatchResult>>(batchWorkflowId(runDate));
    const result = await handle.result();
    assert.equal(result.model_version, version);
    assert.equal(result.deployed, true);
    assert.equal((await readCurrentPointer(env.store))?.version, version);
    assert.match(output, new RegExp(`Temporal UI\\s+http://127\\.0\\.0\\.1:\\d+/namespaces/${id}/workflows/${batchWorkflowId(runDate)}`));
    const apiUrl = printed(output, /^ {2}API\s+(http:\/\/127\.0\.0\.1:\d+) /m)[1]!;
    assert.equal(apiUrl, `http://127.0.0.1:${ports.api}`);
    const served = (await (await fetch(`${apiUrl}/models/current`)).json()) as { version: string };
    assert.equal(served.version, version);
    assert.match(output, new RegExp(`Recommendations served by model ${version}:`));
    assert.match(output, /user 1, hybrid \(personalised\):\n {4}\d\.\d{3} {2}\S/);

    // The Airflow UI link and login it printed open the DAG run, which succeeded with every task.
    const [, airflowRunUrl, username, password] = printed(output, /Airflow UI\s+(http:\/\/127\.0\.0\.1:\d+\/dags\/movie_rec_batch\/runs\/\S+)\s+\(user (\S+), password (\S+)\)/);
    const airflowUrl = `http://127.0.0.1:${ports.airflow}`;
    assert.ok(airflowRunUrl!.startsWith(`${airflowUrl}/`));
    assert.equal((await fetch(`${airflowUrl}/api/v2/dags/${DAG_ID}`)).status, 401);
    const airflow = await AirflowApi.login(airflowUrl, { username: username!, password: password! });
    const runId = decodeURIComponent(airflowRunUrl!.split('/runs/')[1]!);
    const dagRun = await airflow.request<{ state: string; logical_date: string }>('GET', `/dags/${DAG_ID}/dagRuns/${encodeURIComponent(runId)}`);
    assert.equal(dagRun.state, 'success');
    assert.equal(dagRun.logical_date, `${runDate}T00:00:00Z`);
    const { task_instances: tasks } = await airflow.request<{ task_instances: { task_id: string; state: string }[] }>('GET', `/dags/${DAG_ID}/dagRuns/${encodeURIComponent(runId)}/taskInstances`);
    assert.equal(tasks.length, 9);
    assert.deepEqual(tasks.filter((t) => t.state !== 'success').map((t) => t.task_id), []);

    // The console and the evaluation report it links, without a MinIO login.
    const consoleUrl = printed(output, /Operator console\s+(http:\/\/127\.0\.0\.1:\d+\/console)/)[1]!;
    assert.equal((await fetch(consoleUrl)).status, 200);
    const reportUrl = printed(output, /evaluation report\s+(http:\/\/\S+\/report)/)[1]!;
    const report = await fetch(reportUrl);
    assert.equal(report.status, 200);
    assert.match(report.headers.get('content-type') ?? '', /text\/html/);

    // Ctrl-C stops what it started (the platform processes, Airflow), and leaves the services it found running.
    await run.interrupt();
    assert.match(run.output, /Stopping what npm start started/);
    for (const [name, port] of Object.entries(ports)) assert.equal(await portOpen(port), false, `${name} still listens on ${port}`);
    assert.equal(await portOpen(base.kafka.port), true, 'Kafka was running before npm start and must still be');
    assert.equal(await portOpen(base.temporal.port), true, 'Temporal was running before npm start and must still be');
  });

  it('a second npm start on the same day says which run and model it reuses, and neither replays nor trains again', async () => {
    const version = (await readCurrentPointer(env.store))?.version;
    assert.ok(version, 'the first npm start deployed a model');
    const run = new NpmStart(['--no-airflow', '--dataset', 'ml-100k'], processEnv, base.projectRoot);
    started.push(run);
    const output = await run.waitFor('The platform keeps running', 300_000);
    assert.match(output, /api, consumer, worker and console started from the TypeScript sources \(tsx\)/);
    assert.match(output, new RegExp(`Not replaying ml-100k: today's run ${batchWorkflowId(runDate)} already holds it\\.`));
    assert.match(output, new RegExp(`Today's batch already ran: workflow ${batchWorkflowId(runDate)} completed at \\S+ with model ${version}\\.`));
    assert.match(output, /`npm start -- --new-run` trains anew on what bronze holds now/);
    assert.match(output, new RegExp(`Recommendations served by model ${version}:`));
    assert.doesNotMatch(output, /Replaying|Running the batch/);
    // Still one run of today's workflow: nothing was started again.
    const runs = [];
    for await (const execution of temporal.workflow.list({ query: `WorkflowId = '${batchWorkflowId(runDate)}'` })) runs.push(execution.runId);
    assert.equal(runs.length, 1);
    await run.interrupt();
    assert.equal(await portOpen(ports.api), false);
  });

  it('npm start -- --new-run trains anew in a run of its own, which the API then serves', async () => {
    const run = new NpmStart(['--no-airflow', '--new-run', '--dataset', 'ml-100k'], processEnv, base.projectRoot);
    started.push(run);
    const output = await run.waitFor('The platform keeps running', 600_000);
    const workflowId = printed(output, new RegExp(`Training anew: the batch of ${runDate} in a run of its own, (${batchWorkflowId(runDate)}-\\d{6}),`))[1]!;
    const version = printed(output, /^Model (\S+): deployed;/m)[1]!;
    // A run of its own, beside today's: the same bronze gives the same version (the run date and the data's checksum).
    assert.notEqual(workflowId, batchWorkflowId(runDate));
    assert.equal((await temporal.workflow.getHandle(workflowId).describe()).status.name, 'COMPLETED');
    const result = await temporal.workflow.getHandle<() => Promise<BatchResult>>(workflowId).result();
    assert.equal(result.model_version, version);
    assert.equal((await readCurrentPointer(env.store))?.version, version);
    assert.equal(((await (await fetch(`http://127.0.0.1:${ports.api}/models/current`)).json()) as { version: string }).version, version);
    await run.interrupt();
  });
});
