import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { connectTemporalClient } from '../../adapters/temporal/client';
import { servicesLayout } from '../../scripts/services/layout';
import { servicesStatus, servicesUp } from '../../scripts/services/manager';
import { readPidRecord } from '../../scripts/services/processes';
import { testConfig, uniqueName } from '../support/config';
import { quietTemporalRuntime } from '../support/temporal';

const config = testConfig();

/**
 * A Temporal server whose process and port are up but which answers nothing (SIGSTOP stands in for the
 * dev server's wedge, where every call fails while the process lives): `status` must call it unhealthy,
 * and `up` must restart it with its data.
 */
describe('local service stack: a Temporal server that is up but not answering', function () {
  this.timeout(180_000);
  let client: Client | undefined;

  before(() => quietTemporalRuntime());
  after(async () => {
    await client?.connection.close();
  });

  it('is reported unhealthy by status, and up restarts it with its workflows', async () => {
    const runDir = servicesLayout(config).runDir;
    client = await connectTemporalClient(config.temporal);
    const workflowId = uniqueName('healing');
    // No worker polls this queue: the workflow stays open, so it must still be there after the restart.
    await client.workflow.start('greetingWorkflow', { taskQueue: uniqueName('healing-queue'), workflowId, args: ['wedge'] });
    await client.connection.close();
    client = undefined;

    const before = readPidRecord(runDir, 'temporal');
    assert.ok(before, 'services:up started Temporal');
    process.kill(-before.pid, 'SIGSTOP');
    try {
      const temporal = (await servicesStatus(config)).find((s) => s.name === 'temporal');
      assert.equal(temporal?.state, 'unhealthy');
      assert.ok(temporal.problem, 'it says why');
      assert.ok(temporal.ports.every((p) => p.open), 'while its ports are open');
    } catch (err) {
      process.kill(-before.pid, 'SIGCONT');
      throw err;
    }

    const lines: string[] = [];
    const restarted = await servicesUp(config, (line) => lines.push(line));
    assert.deepEqual(restarted, ['temporal']);
    assert.ok(lines.some((l) => /temporal: running \(pid \d+\) but not healthy/.test(l)), lines.join('\n'));
    const after = readPidRecord(runDir, 'temporal');
    assert.notEqual(after?.pid, before.pid);
    assert.equal((await servicesStatus(config)).find((s) => s.name === 'temporal')?.state, 'up');

    client = await connectTemporalClient(config.temporal);
    const description = await client.workflow.getHandle(workflowId).describe();
    assert.equal(description.status.name, 'RUNNING');
    await client.workflow.getHandle(workflowId).terminate('test done');
  });
});
