import { ApplicationFailure } from '@temporalio/activity';
import { renderEvaluationHtml, type EvaluationReport, type ReportSeries } from '../domain/evaluation-report';
import { evaluationHtmlKey, evaluationReportKey, readCurrentPointer } from '../domain/model-registry';
import type { ObjectStore } from '../domain/ports';
import { metricsAtKRecord, type EvaluationResult, type MethodEvaluation } from '../recommender/evaluation/evaluate';
import type { TuningResult } from '../recommender/tuning';
import { readCatalog } from './catalog';
import { heartbeatWhile, runJobWithHeartbeats } from './compute/heartbeating-job';
import type { ActivityDeps } from './deps';
import { toRecommenderMovies } from './movies';
import { readSilverRatings } from './silver';
import { readFittedManifest } from './train-model';
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

/**
 * Splits the silver ratings (per user 75/25, seeded), refits every method on the training part with the
 * parameters the fit chose, and scores them on the held-out part; writes `reports/<version>/evaluation.json`
 * and `evaluation.html` (this model vs the most-popular baseline vs the deployed model). It needs the fit,
 * not the candidate pools, so it runs while they are computed; the deploy stage records the metrics in
 * the manifest.
 */
export function createEvaluateModel(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function evaluateModel(input: { run_date: string; model_version: string; ratings_prefix: string }): Promise<EvaluationSummary> {
    return heartbeatWhile(() => ({ phase: 'evaluate', model_version: input.model_version }), () => evaluateVersion(input));
  };

  async function evaluateVersion(input: { run_date: string; model_version: string; ratings_prefix: string }): Promise<EvaluationSummary> {
    const { store, settings } = deps;
    const manifest = await readFittedManifest(store, input.model_version);
    if (!manifest) throw ApplicationFailure.nonRetryable(`model ${input.model_version} was not fitted`, 'InvalidBatchData');
    const table = await readSilverRatings(store, input.ratings_prefix);
    const movies = toRecommenderMovies(await readCatalog(store));
    const { protocol, seed, maxTestUsers } = settings.evaluation;
    const result: EvaluationResult = await runJobWithHeartbeats(
      'evaluate',
      // The parameters the model was fitted with, the train stage's tuned blend included.
      { table, movies, protocol, seed, ks: KS, maxTestUsers, params: manifest.parameters },
      { phase: 'evaluate', model_version: input.model_version },
      [table.userIds.buffer, table.movieIds.buffer, table.ratings.buffer, table.timestamps.buffer] as ArrayBuffer[],
    );

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
      created_at: now().toISOString(),
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
}
