/**
 * `npm run history:record -- <workflow-id> <name>`: saves a workflow's event history as JSON to
 * test/fixtures/workflow-histories/<name>.json, where the replay test replays
 * every history against the current workflow code. Record a history of each shape a change must keep
 * replaying (a deployed run, a refused one, a retried shard) before changing the workflow.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import proto from '@temporalio/proto';
import { connectTemporalClient } from '../adapters/temporal/client';
import { loadConfigOrExit, projectRoot } from '../config';

/**
 * Replay needs neither stack traces nor worker identities and sticky queue names (`<pid>@<host>…`),
 * which name this machine's paths and host.
 */
function withoutMachineDetails(key: string, value: unknown): unknown {
  if (key === 'stackTrace') return '';
  if (typeof value !== 'string') return value;
  if (key === 'identity' || /^\d+@/.test(value)) return 'worker';
  return value.replaceAll(projectRoot, '.');
}

async function main(): Promise<number> {
  const { positionals } = parseArgs({ allowPositionals: true });
  const [workflowId, name] = positionals;
  if (!workflowId || !name || !/^[a-z0-9-]+$/.test(name)) {
    console.error('usage: npm run history:record -- <workflow-id> <name: lowercase letters, digits and dashes>');
    return 2;
  }
  const config = loadConfigOrExit();
  const client = await connectTemporalClient(config.temporal);
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const file = path.join(projectRoot, 'test', 'fixtures', 'workflow-histories', `${name}.json`);
    // protobufjs's own JSON form (enums by name, 64-bit numbers as strings), which `History.fromObject`
    // reads back; the SDK's historyToJSON fails here on two installed copies of protobufjs.
    const json = proto.temporal.api.history.v1.History.fromObject(history).toJSON();
    writeFileSync(file, `${JSON.stringify(json, withoutMachineDetails, 1)}\n`);
    console.log(`${history.events?.length ?? 0} events of ${workflowId} → ${path.relative(projectRoot, file)}`);
    return 0;
  } finally {
    await client.connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
