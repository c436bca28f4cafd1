import assert from 'node:assert/strict';
import { renderEvaluationHtml, type EvaluationReport } from '../../../domain/evaluation-report';

const curve = (base: number) => ({ precision: [base, base / 2], recall: [base / 4, base / 3], ndcg: [base, base * 0.9], map: [base / 5, base / 6] });

const report: EvaluationReport = {
  model_version: '2026-01-01.abc',
  run_date: '2026-01-01',
  created_at: '2026-01-01T01:00:00.000Z',
  protocol: 'stratified (seed 42)',
  k: 2,
  ks: [1, 2],
  data: { ratings: 100_000, users: 943 },
  series: [
    { label: 'this model <hybrid>', role: 'candidate', at_k: curve(0.4), metrics: { 'ndcg@2': 0.36 } },
    { label: 'most-popular baseline', role: 'baseline', at_k: curve(0.2), metrics: { 'ndcg@2': 0.18 } },
  ],
};

describe('domain/evaluation-report: the self-contained HTML report', () => {
  const html = renderEvaluationHtml(report);

  it('draws one chart per curve metric with a line per series', () => {
    for (const title of ['Precision@K', 'Recall@K', 'NDCG@K']) assert.match(html, new RegExp(`aria-label="${title}"`));
    assert.equal(html.match(/<polyline/g)?.length, 3 * report.series.length);
  });

  it('tabulates the metrics and escapes labels', () => {
    assert.match(html, /<td>this model &#60;hybrid&#62;<\/td><td>0\.3600<\/td>/);
    assert.match(html, /ratings: 100,000/);
  });

  it('loads nothing from elsewhere', () => {
    assert.doesNotMatch(html, /<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('marks only the chosen setting of the tuning, EASE\u2019s λ included', () => {
    const weights = { userCf: 0.2, itemCf: 0.5, content: 0.3 };
    const tuned = renderEvaluationHtml({
      ...report,
      tuning: {
        chosen: { beta: 0.5, easeLambda: 300, weights },
        validation_users: 500,
        trials: [
          { beta: 0.5, easeLambda: 300, weights, ndcg: 0.2555 },
          { beta: 0.5, easeLambda: 500, weights, ndcg: 0.2555 },
        ],
      },
    });
    assert.equal(tuned.match(/class="chosen"/g)?.length, 1);
    assert.match(tuned, /<tr class="chosen"><td>chosen<\/td><td>0\.5<\/td><td>300<\/td>/);
  });

  it('tells blends apart by ALS’s weight too, and shows it', () => {
    const tuned = renderEvaluationHtml({
      ...report,
      tuning: {
        chosen: { beta: 0.7, easeLambda: 500, weights: { userCf: 0.1, itemCf: 0.4, content: 0.2, als: 0.3 } },
        validation_users: 500,
        trials: [
          { beta: 0.7, easeLambda: 500, weights: { userCf: 0.1, itemCf: 0.4, content: 0.2, als: 0 }, ndcg: 0.25 },
          { beta: 0.7, easeLambda: 500, weights: { userCf: 0.1, itemCf: 0.4, content: 0.2, als: 0.3 }, ndcg: 0.26 },
        ],
      },
    });
    assert.equal(tuned.match(/class="chosen"/g)?.length, 1);
    assert.match(tuned, /<tr class="chosen">(<td>[^<]*<\/td>){6}<td>0\.3<\/td><td>0\.2600<\/td>/);
    assert.match(tuned, /<th>ALS weight<\/th>/);
  });
});
