import assert from 'node:assert/strict';
import { renderEvaluationHtml, type EvaluationReport } from '../../../domain/evaluation-report';
import { evaluate, generateSynthetic, metricsAtKRecord } from '../../../recommender';

describe('domain/evaluation-report: beyond-accuracy columns', () => {
  it('shows novelty and ARP next to NDCG, with what they mean', () => {
    const result = evaluate(generateSynthetic({ ratings: 3000, seed: 2, users: 60, movies: 150 }), { protocol: 'stratified', ks: [1, 2] });
    const series = result.results.map((r, i) => ({
      label: r.method,
      role: i === 0 ? ('candidate' as const) : ('method' as const),
      at_k: { precision: r.atK.map((m) => m.precision), recall: r.atK.map((m) => m.recall), ndcg: r.atK.map((m) => m.ndcg), map: r.atK.map((m) => m.map) },
      metrics: metricsAtKRecord(r.atK[1]!),
    }));
    const report: EvaluationReport = { model_version: 'v', run_date: '2026-01-01', created_at: '2026-01-01T00:00:00Z', protocol: 'stratified (seed 42)', k: 2, ks: [1, 2], data: { ratings: 3000 }, series };
    const html = renderEvaluationHtml(report);
    assert.match(html, /<th>ndcg@2<\/th><th>map@2<\/th><th>coverage<\/th><th>novelty \(bits\)<\/th><th>ARP<\/th>/);
    const first = result.results[0]!.atK[1]!;
    assert.ok(html.includes(`<td>${first.coverage.toFixed(4)}</td><td>${first.novelty.toFixed(3)}</td><td>${first.arp.toFixed(1)}</td></tr>`));
    assert.match(html, /novelty: mean −log2\(share of the training ratings\)/);
    assert.match(html, /ARP \(average recommendation popularity\)/);
  });

  it('adds no notes when a report has neither (older reports)', () => {
    const html = renderEvaluationHtml({
      model_version: 'v', run_date: 'd', created_at: 'c', protocol: 'p', k: 1, ks: [1], data: {},
      series: [{ label: 's', role: 'candidate', at_k: { precision: [0.1], recall: [0.1], ndcg: [0.1], map: [0.1] }, metrics: { 'ndcg@1': 0.1 } }],
    });
    assert.doesNotMatch(html, /class="notes"/);
  });
});
