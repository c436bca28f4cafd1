import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { quietTemporalRuntime } from '../../support/temporal';

const historiesDir = new URL('../../fixtures/workflow-histories/', import.meta.url);
const histories = readdirSync(historiesDir)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: proto.temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(new URL(file, historiesDir), 'utf8')) as Record<string, unknown>) }));

async function replay(workflowsPath: string): Promise<Map<string, Error | undefined>> {
  const options: ReplayWorkerOptions = { workflowsPath };
  const results = new Map<string, Error | undefined>();
  for await (const result of Worker.runReplayHistories(options, histories)) results.set(result.workflowId, result.error);
  return results;
}

/**
 * Recorded histories of the batch workflow (`npm run history:record`) replayed against today's
 * workflow code, without a server: a change that would break a workflow running when it is deployed
 * fails here first.
 */
describe('workflows: recorded batch histories replay against the current code', function () {
  this.timeout(120_000);
  before(() => quietTemporalRuntime());

  it('has histories of a deployed run, a refused one, a killed shard worker, a failed shard, a cancellation, one with the validation plan, runs of each shape with the stages in parallel, one with the DynamoDB writes in shards and one with the evaluation in shards', () => {
    assert.deepEqual(histories.map((h) => h.workflowId), [
      'cancelled',
      'deployed-and-reloaded',
      'gate-refused',
      'parallel-cancelled',
      'parallel-deployed-and-reloaded',
      'parallel-retried',
      'parallel-shard-failed',
      'parallel-shard-worker-killed',
      'planned-validation',
      'shard-failed',
      'shard-worker-killed',
      'sharded-evaluation',
      'sharded-publish-gate-refused',
    ]);
  });

  it('replays every one of them', async () => {
    const results = await replay(fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url)));
    for (const { workflowId } of histories) assert.equal(results.get(workflowId), undefined, `${workflowId}: ${results.get(workflowId)?.message}`);
  });

  it('fails them against a workflow whose stages were reordered', async () => {
    const results = await replay(fileURLToPath(new URL('../../fixtures/reordered-batch-workflow.ts', import.meta.url)));
    for (const { workflowId } of histories) assert.match(String(results.get(workflowId)?.name), /DeterminismViolationError|ReplayError/, workflowId);
  });
});
