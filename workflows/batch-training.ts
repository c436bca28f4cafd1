import { ApplicationFailure, defineQuery, patched, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { BatchActivities } from '../activities';
import { candidatesTaskQueue, isRunDate, PROGRESS_QUERY, STAGES, type BatchInput, type BatchProgress, type BatchResult, type StageName, type StageSummary } from '../domain/batch';
import { computeActivity, ioActivity, reloadActivity, shardActivity, validationActivity } from './activity-options';
import { mapBounded } from './bounded';
import { DEPLOYED, MODEL_VERSION, RUN_DATE } from './search-attributes';

const io = proxyActivities<BatchActivities>(ioActivity);
const compute = proxyActivities<BatchActivities>(computeActivity);
const reload = proxyActivities<BatchActivities>(reloadActivity);

export const progressQuery = defineQuery<BatchProgress>(PROGRESS_QUERY);

/** Numbers of a stage's summary that operators want to see in the progress query. */
function numericFields(summary: object): Record<string, number> {
  return Object.fromEntries(Object.entries(summary).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}

/**
 * The nightly batch: validate → extract features → train → evaluate → deploy behind the gate → reload.
 * Each stage is an activity; large data moves between them as S3 keys. Once silver is written, the
 * DynamoDB features (publishFeatures) are written beside the training, and the evaluation runs beside
 * the candidate shards: the model waits for neither of those writes, and the run ends when all have.
 */
export async function batchTrainingWorkflow(input: BatchInput): Promise<BatchResult> {
  if (!isRunDate(input?.run_date)) {
    throw ApplicationFailure.nonRetryable(`run_date must be a date as YYYY-MM-DD, got ${JSON.stringify(input?.run_date)}`, 'InvalidInput');
  }
  const runDate = input.run_date;
  const stages: StageSummary[] = [];
  const counts: Record<string, number> = {};
  const running: StageName[] = [];
  let current: StageName | 'completed' = 'validateData';

  setHandler(progressQuery, () => ({
    run_date: runDate,
    stage: current,
    running_stages: [...running],
    completed_stages: stages.map((s) => s.name),
    counts: { ...counts },
  }));
  upsertSearchAttributes([{ key: RUN_DATE, value: runDate }]);
  upsertMemo({ run_date: runDate });

  async function stage<T extends object>(name: StageName, run: () => Promise<T>): Promise<T> {
    current = name;
    running.push(name);
    const startedAt = new Date().toISOString();
    try {
      const summary = await run();
      stages.push({ name, status: 'completed', started_at: startedAt, finished_at: new Date().toISOString(), details: Object.fromEntries(Object.entries(summary)) });
      Object.assign(counts, numericFields(summary));
      return summary;
    } finally {
      running.splice(running.indexOf(name), 1);
    }
  }

  // Shards of the batch (validation, candidate pools) run on the shard queue, whose workers bound how many each runs at once.
  const shards = proxyActivities<BatchActivities>({ ...shardActivity, taskQueue: candidatesTaskQueue(workflowInfo().taskQueue) });
  await stage('validateData', async () => {
    // Runs started before the plan existed replay without it (their histories have no plan activity), and before the shards without them.
    const plan = patched('validation-timeout-by-volume') ? await io.planValidation({ run_date: runDate }) : undefined;
    const validate = proxyActivities<BatchActivities>(plan ? validationActivity(plan.bytes) : ioActivity);
    const parsed =
      plan && patched('validation-shards')
        ? await mapBounded(
            Array.from({ length: plan.shards }, (_, shard) => shard),
            plan.shard_width,
            (shard) => shards.validateShard({ run_date: runDate, shard, shards: plan.shards }),
          )
        : undefined;
    return validate.validateData({ run_date: runDate, ...(input.accept_volume === true ? { accept_volume: true } : {}), ...(parsed ? { shards: parsed } : {}) });
  });
  // Runs started before the stages ran side by side replay as they ran: extract wrote DynamoDB itself, evaluate followed train.
  const besideTraining = patched('publish-and-evaluate-beside-training');
  // Runs started before the ratings parquet was written beside the training replay with extract writing it.
  const parquetBeside = besideTraining && patched('ratings-parquet-beside-training');
  const extracted = await stage('extractFeatures', () =>
    compute.extractFeatures({
      run_date: runDate,
      ...(input.full_rebuild === true ? { full_rebuild: true } : {}),
      ...(besideTraining ? { publish: 'separately' as const } : {}),
      ...(parquetBeside ? { ratings_parquet: 'separately' as const } : {}),
    }),
  );
  // Runs started before the writes were sharded replay with the one publishFeatures activity.
  const publishInShards = besideTraining && patched('publish-shards');
  const publishFeaturesInShards = async () => {
    const plan = await io.planPublish({ run_date: runDate });
    if (plan.already_published) return { run_date: runDate, users_written: 0, movies_written: 0, dynamodb_items: 0, already_published: true };
    const written = await mapBounded(
      Array.from({ length: plan.shards }, (_, shard) => shard),
      plan.shard_width,
      (shard) => compute.publishShard({ run_date: runDate, shard, shards: plan.shards }),
    );
    return io.recordPublished({ run_date: runDate, shards: written });
  };
  // What the batch hands to readers outside it: the features in DynamoDB and the ratings as parquet.
  const publish = async () => {
    const features = publishInShards ? publishFeaturesInShards() : compute.publishFeatures({ run_date: runDate });
    if (!parquetBeside) return features;
    const [written, parquet] = await Promise.all([features, compute.writeRatingsParquet({ run_date: runDate })]);
    return { ...written, ratings_parquet_rows: parquet.rows_written };
  };
  const published = besideTraining ? stage('publishFeatures', publish) : undefined;
  // Awaited at the end; until then a failure must not count as unhandled.
  published?.catch(() => undefined);

  // Fit once, then the candidate shards over every worker of the shard queue, then join them into the artifact.
  const fitting = compute.trainModel({ run_date: runDate, ratings_prefix: extracted.ratings_prefix, bronze_watermark: extracted.bronze_watermark });
  const trainStage = stage('trainModel', async () => {
    const fit = await fitting;
    if (fit.registered) return fit.registered;
    const done = await mapBounded(fit.shards, fit.shard_width, (range) => shards.precomputeCandidates({ model_version: fit.model_version, core_key: fit.core_key, ...range }));
    return { ...(await compute.assembleModel({ model_version: fit.model_version, shard_keys: done.map((shard) => shard.key) })), candidate_shards: done.length };
  });
  const evaluate = (modelVersion: string) =>
    stage('evaluateModel', async () => {
      const evaluated = { run_date: runDate, model_version: modelVersion, ratings_prefix: extracted.ratings_prefix };
      // Runs recorded before the evaluation's lists were made in shards evaluate in one activity.
      if (!patched('evaluation-shards')) return compute.evaluateModel(evaluated);
      const plan = await compute.fitEvaluation(evaluated);
      const lists = await mapBounded(plan.shards, plan.shard_width, (range) => shards.scoreEvaluation({ model_version: modelVersion, core_key: plan.core_key, task_key: plan.task_key, ...range }));
      return { ...(await io.reportEvaluation({ run_date: runDate, model_version: modelVersion, task_key: plan.task_key, list_keys: lists.map((part) => part.key) })), list_shards: lists.length };
    });
  const announceVersion = (modelVersion: string) => {
    upsertSearchAttributes([{ key: MODEL_VERSION, value: modelVersion }]);
    upsertMemo({ model_version: modelVersion });
  };
  let trained: Awaited<typeof trainStage>;
  let evaluation: Awaited<ReturnType<typeof evaluate>>;
  if (besideTraining) {
    // The evaluation needs only what the fit chose (the version and its parameters), not the candidate pools.
    const evaluated = fitting.then((fit) => {
      announceVersion(fit.model_version);
      return evaluate(fit.model_version);
    });
    [trained, evaluation] = await Promise.all([trainStage, evaluated]);
  } else {
    trained = await trainStage;
    announceVersion(trained.model_version);
    evaluation = await evaluate(trained.model_version);
  }

  const deployment = await stage('deployModel', () =>
    io.deployModel({ model_version: trained.model_version, evaluation, force: input.force_deploy === true }),
  );
  upsertSearchAttributes([{ key: DEPLOYED, value: deployment.deployed }]);
  upsertMemo({ deployed: deployment.deployed, gate_reasons: deployment.gate.reasons });

  if (deployment.deployed && input.skip_reload !== true) {
    await stage('reloadApi', () => reload.reloadApi({ model_version: trained.model_version }));
  } else {
    const now = new Date().toISOString();
    const why = deployment.deployed ? 'skip_reload was requested' : 'nothing was deployed';
    stages.push({ name: 'reloadApi', status: 'skipped', started_at: now, finished_at: now, details: { reason: why } });
  }
  await published;
  current = 'completed';

  return {
    run_date: runDate,
    model_version: trained.model_version,
    deployed: deployment.deployed,
    metrics: evaluation.metrics,
    gate: deployment.gate,
    // In the stages' own order, whichever of the side-by-side ones finished first.
    stages: [...stages].sort((a, b) => STAGES.indexOf(a.name) - STAGES.indexOf(b.name)),
  };
}
