/**
 * `npm run batch -- --date YYYY-MM-DD [--force-deploy] [--accept-volume] [--skip-reload] [--full-rebuild]`: starts the
 * batch workflow for a date (or attaches to the run that has it), prints each stage as it completes, and
 * exits 0 when the run completed (deployed or not), 1 with the reason when it failed. The options reach
 * a run this command starts; one that was running or had completed keeps its own, so --force-deploy on a
 * date whose run completed without deploying exits 1 naming the command that deploys its model.
 */
import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfigOrExit } from '../config';
import { connectTemporalClient } from '../adapters/temporal/client';
import { queryProgress, startOrAttachBatch } from '../adapters/temporal/batch-runs';
import { isRunDate, type BatchResult, type StageSummary } from '../domain/batch';
import { failureReason } from '../adapters/temporal/failure';

function describeStage(stage: StageSummary): string {
  const figures = Object.entries(stage.details)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length < 80))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `  ${stage.status === 'skipped' ? '–' : '✔'} ${stage.name.padEnd(16)} ${figures}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      date: { type: 'string' },
      'force-deploy': { type: 'boolean', default: false },
      'accept-volume': { type: 'boolean', default: false },
      'skip-reload': { type: 'boolean', default: false },
      'full-rebuild': { type: 'boolean', default: false },
    },
  });
  const runDate = values.date ?? new Date().toISOString().slice(0, 10);
  if (!isRunDate(runDate)) {
    console.error(`--date must be a date as YYYY-MM-DD, got '${String(values.date)}'`);
    return 2;
  }
  const config = loadConfigOrExit();
  const client = await connectTemporalClient(config.temporal);
  try {
    const { handle, attached } = await startOrAttachBatch(client, config.temporal.taskQueue, {
      run_date: runDate,
      ...(values['force-deploy'] ? { force_deploy: true } : {}),
      ...(values['accept-volume'] ? { accept_volume: true } : {}),
      ...(values['skip-reload'] ? { skip_reload: true } : {}),
      ...(values['full-rebuild'] ? { full_rebuild: true } : {}),
    });
    console.log(`${attached ? 'Attached to' : 'Started'} ${handle.workflowId} on task queue ${config.temporal.taskQueue}`);
    console.log(`Watch it in the Temporal UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${handle.workflowId}`);

    let printed = 0;
    const result = handle.result();
    let done = false;
    void result.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // A finished run's stages are in its result; querying it would need a worker to replay it.
      if (done) break;
      try {
        const progress = await queryProgress(handle);
        for (const name of progress.completed_stages.slice(printed)) console.log(`  ✔ ${name}`);
        printed = progress.completed_stages.length;
      } catch {
        // The query needs a worker; without one the run waits, and so do we.
      }
    }
    const outcome: BatchResult = await result;
    console.log(`\nRun ${runDate} completed:`);
    for (const stage of outcome.stages) console.log(describeStage(stage));
    console.log(`model ${outcome.model_version}: ${outcome.deployed ? 'deployed' : 'not deployed'}`);
    if (!outcome.deployed) for (const reason of outcome.gate.reasons) console.log(`  gate: ${reason}`);
    console.log(`metrics: ${JSON.stringify(outcome.metrics)}`);
    if (values['force-deploy'] && attached && !outcome.deployed) {
      console.error(`--force-deploy did not apply: the run of ${runDate} already existed and did not deploy. Deploy its model with: npm run model -- deploy ${outcome.model_version} --force`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      console.error(`Run ${runDate} failed: ${failureReason(err)}`);
      return 1;
    }
    throw err;
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
