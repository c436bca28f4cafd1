import { ApplicationFailure } from '@temporalio/activity';
import { renderEvaluationHtml, type EvaluationReport, type ReportSeries } from '../domain/evaluation-report';
import { evaluationHtmlKey, evaluationReportKey, readCurrentPointer, type ModelManifest } from '../domain/model-registry';
import { readStoredJson } from '../domain/stored-json';
import type { ObjectStore } from '../domain/ports';
import { evaluatedMethods, metricsAtKRecord, type EvaluationResult, type MethodEvaluation } from '../recommender/evaluation/evaluate';
import { taskMetrics, type RankingTask, type TaskLists } from '../recommender/evaluation/ranking-task';
import type { TuningResult } from '../recommender/tuning';
import { readCatalog } from './catalog';
import { heartbeatWhile, runJobWithHeartbeats } from './compute/heartbeating-job';
import type { EvaluateJobInput } from './compute/jobs';
import { sharedModels } from './compute/shared-model';
import type { ActivityDeps } from './deps';
import { toRecommenderMovies } from './movies';
import { readSilverRatings } from './silver';
import { readFittedManifest, userRanges, type UserRange } from './train-model';
import type { EvaluationSummary } from './types';

/** The curves of the report run from K = 1 to 20; the gate and the summary use K = 10. */
const KS = Array.from({ length: 20 }, (_, i) => i + 1);
const HEADLINE_K = 10;
const CANDIDATE = 'hybrid';
const BASELINE = 'most-popular';

function seriesOf(method: MethodEvaluation, label: string, role: ReportSeries['role']): ReportSeries {
  const at = (k: number) => method.atK.find((m) => m.k === k);
  const headline = at(HEADLINE_K);
  return {
    label,
    role,
    at_k: {
      precision: KS.map((k) => at(k)?.precision ?? 0),
      recall: KS.map((k) => at(k)?.recall ?? 0),
      ndcg: KS.map((k) => at(k)?.ndcg ?? 0),
      map: KS.map((k) => at(k)?.map ?? 0),
    },
    metrics: headline ? metricsAtKRecord(headline) : {},
  };
}

function reportTuning(tuning: TuningResult | undefined): Pick<EvaluationReport, 'tuning'> {
  if (!tuning) return {};
  const chosen = { beta: tuning.params.itemCf.beta, easeLambda: tuning.params.itemCf.easeLambda, weights: tuning.params.hybridWeights };
  return { tuning: { chosen, validation_users: tuning.validationUsers, trials: tuning.trials } };
}

async function previousSeries(store: ObjectStore, version: string): Promise<ReportSeries | undefined> {
  const current = await readCurrentPointer(store);
  if (!current || current.version === version) return undefined;
  const bytes = await store.get(evaluationReportKey(current.version));
  if (!bytes) return undefined;
  const report = JSON.parse(new TextDecoder().decode(bytes)) as EvaluationReport;
  const candidate = report.series.find((s) => s.role === 'candidate');
  return candidate ? { ...candidate, label: `deployed ${current.version} (as evaluated on its own data)`, role: 'previous' } : undefined;
}

/** The report of a version from its evaluation: written to S3, summarised for the deploy stage. */
async function writeReport(
  store: ObjectStore,
  input: { run_date: string; model_version: string },
  manifest: Omit<ModelManifest, 'artifact'>,
  result: Pick<EvaluationResult, 'protocol' | 'seed' | 'results' | 'testUsers' | 'testRatings'>,
  createdAt: string,
): Promise<EvaluationSummary> {
  const byMethod = new Map(result.results.map((r) => [r.method, r]));
  const candidate = byMethod.get(CANDIDATE);
  const baseline = byMethod.get(BASELINE);
  if (!candidate || !baseline) throw new Error('the evaluation did not score the hybrid model and the baseline');
  const series: ReportSeries[] = [seriesOf(candidate, `this model ${input.model_version} (hybrid)`, 'candidate')];
  for (const method of result.results) {
    if (method.method !== CANDIDATE && method.method !== BASELINE) series.push(seriesOf(method, method.method, 'method'));
  }
  series.push(seriesOf(baseline, 'most-popular baseline', 'baseline'));
  const previous = await previousSeries(store, input.model_version);
  if (previous) series.push(previous);

  const report: EvaluationReport = {
    model_version: input.model_version,
    run_date: input.run_date,
    created_at: createdAt,
    protocol: `${result.protocol} (seed ${result.seed})`,
    k: HEADLINE_K,
    ks: KS,
    data: { ratings: manifest.data_snapshot.ratings, users: manifest.data_snapshot.users, movies: manifest.data_snapshot.movies, test_users: result.testUsers, test_ratings: result.testRatings },
    series,
    ...reportTuning(manifest.training.tuning as TuningResult | undefined),
  };
  const reportKey = evaluationReportKey(input.model_version);
  const htmlKey = evaluationHtmlKey(input.model_version);
  await store.put(reportKey, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  await store.put(htmlKey, renderEvaluationHtml(report), 'text/html; charset=utf-8');
  const metrics = series[0]!.metrics;

  const deployed = previous ? await readCurrentPointer(store) : undefined;
  return {
    model_version: input.model_version,
    report_key: reportKey,
    html_key: htmlKey,
    protocol: report.protocol,
    k: HEADLINE_K,
    metrics,
    baseline: seriesOf(baseline, BASELINE, 'baseline').metrics,
    ...(previous && deployed ? { previous: { model_version: deployed.version, metrics: previous.metrics } } : {}),
  };
}

async function fittedManifest(store: ObjectStore, version: string): Promise<Omit<ModelManifest, 'artifact'>> {
  const manifest = await readFittedManifest(store, version);
  if (!manifest) throw ApplicationFailure.nonRetryable(`model ${version} was not fitted`, 'InvalidBatchData');
  return manifest;
}

interface EvaluateInput {
  run_date: string;
  model_version: string;
  ratings_prefix: string;
}

/** What an evaluation of a fitted version fits and scores on: the silver ratings (moved to the thread), the catalog, the settings' protocol and the version's parameters. */
async function evaluationJob(deps: ActivityDeps, input: EvaluateInput): Promise<{ manifest: Omit<ModelManifest, 'artifact'>; job: EvaluateJobInput; transfer: ArrayBuffer[] }> {
  const manifest = await fittedManifest(deps.store, input.model_version);
  const table = await readSilverRatings(deps.store, input.ratings_prefix);
  const movies = toRecommenderMovies(await readCatalog(deps.store));
  const { protocol, seed, maxTestUsers } = deps.settings.evaluation;
  return {
    manifest,
    // The parameters the model was fitted with, the train stage's tuned blend included.
    job: { table, movies, protocol, seed, ks: KS, maxTestUsers, params: manifest.parameters },
    transfer: [table.userIds.buffer, table.movieIds.buffer, table.ratings.buffer, table.timestamps.buffer] as ArrayBuffer[],
  };
}

/**
 * The evaluation in one activity, as runs started before the evaluation was split into shards expect:
 * splits the silver ratings (per user 75/25, seeded), refits every method on the training part with the
 * parameters the fit chose, scores them on the held-out part, and writes the report (see `writeReport`).
 */
export function createEvaluateModel(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function evaluateModel(input: EvaluateInput): Promise<EvaluationSummary> {
    return heartbeatWhile(() => ({ phase: 'evaluate', model_version: input.model_version }), async () => {
      const { manifest, job, transfer } = await evaluationJob(deps, input);
      const result: EvaluationResult = await runJobWithHeartbeats('evaluate', job, { phase: 'evaluate', model_version: input.model_version }, transfer);
      return writeReport(deps.store, input, manifest, result, now().toISOString());
    });
  };
}

/** Test users per list shard of the evaluation. */
const EVALUATION_SHARD_USERS = 1000;

const evaluationPartsPrefix = (version: string) => `reports/${version}/evaluation-parts/`;
const evaluationCoreKey = (version: string) => `${evaluationPartsPrefix(version)}model.bin`;
const rankingTaskKey = (version: string) => `${evaluationPartsPrefix(version)}task.json`;
const listsKey = (version: string, range: UserRange) => `${evaluationPartsPrefix(version)}lists-${String(range.from).padStart(7, '0')}-${String(range.to).padStart(7, '0')}.json`;

/** What `fitEvaluation` hands the workflow: the list shards to run (ranges of the test users) and how many at once. */
export interface EvaluationPlan {
  model_version: string;
  core_key: string;
  task_key: string;
  test_users: number;
  shards: UserRange[];
  shard_width: number;
}

/**
 * The evaluation's first part: splits the silver ratings (per user 75/25, seeded, the protocol of the
 * settings), refits every method on the training part with the parameters the fit chose (in a worker
 * thread) and saves that model and the ranking task (the test users, their held-out movies, the training
 * popularity); the workflow then runs the list shards (`scoreEvaluation`) on any worker of the shard
 * queue and `reportEvaluation`. A retry finds what an earlier attempt saved.
 */
export function createFitEvaluation(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function fitEvaluation(input: EvaluateInput): Promise<EvaluationPlan> {
    const { store, settings } = deps;
    const version = input.model_version;
    const plan = (task: Pick<RankingTask, 'users'>): EvaluationPlan => ({
      model_version: version,
      core_key: evaluationCoreKey(version),
      task_key: rankingTaskKey(version),
      test_users: task.users.length,
      shards: userRanges(task.users.length, EVALUATION_SHARD_USERS),
      shard_width: settings.shards.width,
    });
    const saved = await readStoredJson<RankingTask>(store, rankingTaskKey(version));
    if (saved && (await store.head(evaluationCoreKey(version)))) return plan(saved);
    return heartbeatWhile(() => ({ phase: 'evaluation-fit', model_version: version }), async () => {
      const { job, transfer } = await evaluationJob(deps, input);
      const { artifact, task } = await runJobWithHeartbeats(
        'evaluationFit',
        { ...job, snapshotId: `evaluation of ${version}`, createdAt: now().toISOString() },
        { phase: 'evaluation-fit', model_version: version },
        transfer,
      );
      await store.put(evaluationCoreKey(version), artifact, 'application/octet-stream');
      // Written after the model: its presence means both are saved.
      await store.put(rankingTaskKey(version), JSON.stringify(task), 'application/json');
      return plan(task);
    });
  };
}

/** A part of the evaluation an earlier activity saved (`what`, for the failure): its absence fails the stage for good. */
async function readEvaluationPart<T>(store: ObjectStore, key: string, what: string): Promise<T> {
  const part = await readStoredJson<T>(store, key);
  if (!part) throw ApplicationFailure.nonRetryable(`${what} ${key} is missing`, 'InvalidBatchData');
  return part;
}

export interface EvaluationShardInput extends UserRange {
  model_version: string;
  core_key: string;
  task_key: string;
}

/** One list shard of the evaluation: every method's lists for a range of the test users, saved beside the task. */
export function createScoreEvaluation(deps: ActivityDeps) {
  const withModel = sharedModels(deps.store);
  return async function scoreEvaluation(input: EvaluationShardInput): Promise<UserRange & { key: string }> {
    const range = { from: input.from, to: input.to };
    const key = listsKey(input.model_version, range);
    if (await deps.store.head(key)) return { ...range, key };
    const task = await readEvaluationPart<RankingTask>(deps.store, input.task_key, 'the evaluation task');
    const lists = await withModel(
      input.core_key,
      () => ({ phase: 'load', model_version: input.model_version, ...range }),
      (state) => runJobWithHeartbeats('evaluationLists', { state, task, ...range }, { phase: 'evaluation-lists', model_version: input.model_version, ...range }),
    );
    await deps.store.put(key, JSON.stringify(lists), 'application/json');
    return { ...range, key };
  };
}

/** The evaluation's last part: the metrics from every shard's lists, and the report. */
export function createReportEvaluation(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function reportEvaluation(input: { run_date: string; model_version: string; task_key: string; list_keys: string[] }): Promise<EvaluationSummary> {
    const { store } = deps;
    const manifest = await fittedManifest(store, input.model_version);
    const task = await readEvaluationPart<RankingTask>(store, input.task_key, 'the evaluation task');
    const parts: TaskLists[] = [];
    for (const key of input.list_keys) parts.push(await readEvaluationPart<TaskLists>(store, key, 'the evaluation list shard'));
    const lists: TaskLists = evaluatedMethods.map((_, m) => parts.flatMap((part) => part[m]!));
    const results = taskMetrics(task, lists);
    const summary = await writeReport(store, input, manifest, { protocol: task.protocol, seed: task.seed, results, testUsers: task.testUsers, testRatings: task.testRatings }, now().toISOString());
    // The task and the lists stay beside the report (a retry reads them again; anyone can re-score them); the model goes.
    await store.delete(evaluationCoreKey(input.model_version));
    return summary;
  };
}
