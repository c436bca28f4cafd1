/**
 * The evaluation report of a trained model: the JSON written to `reports/<version>/evaluation.json`
 * and a self-contained HTML page (inline SVG charts, no scripts, no external assets) rendered from it.
 */

export type CurveMetric = 'precision' | 'recall' | 'ndcg' | 'map';

export interface SeriesAtK {
  /** Metric values indexed like `EvaluationReport.ks`. */
  precision: number[];
  recall: number[];
  ndcg: number[];
  map: number[];
}

export interface ReportSeries {
  label: string;
  role: 'candidate' | 'method' | 'baseline' | 'previous';
  at_k: SeriesAtK;
  /** Figures at the headline K and others (coverage, rmse, …). */
  metrics: Record<string, number>;
}

export interface EvaluationReport {
  model_version: string;
  run_date: string;
  created_at: string;
  protocol: string;
  k: number;
  ks: number[];
  data: Record<string, number>;
  series: ReportSeries[];
  /** How the train stage chose the hybrid's blend, when it did (validation NDCG@10 of every setting tried). */
  tuning?: ReportTuning;
}

/** One setting the tuning tried; `easeLambda` is absent in reports made before the tuning chose it, `weights.als` in those made before ALS joined the blend. */
interface TuningSetting {
  beta: number;
  easeLambda?: number;
  weights: { userCf: number; itemCf: number; content: number; als?: number };
}

export interface ReportTuning {
  chosen: TuningSetting;
  validation_users: number;
  trials: (TuningSetting & { ndcg: number })[];
}

function tuningTable(tuning: ReportTuning): string {
  const { chosen } = tuning;
  const same = (t: TuningSetting) =>
    t.beta === chosen.beta &&
    t.easeLambda === chosen.easeLambda &&
    t.weights.userCf === chosen.weights.userCf &&
    t.weights.itemCf === chosen.weights.itemCf &&
    t.weights.content === chosen.weights.content &&
    (t.weights.als ?? 0) === (chosen.weights.als ?? 0);
  const rows = tuning.trials
    .map(
      (t) =>
        `<tr${same(t) ? ' class="chosen"' : ''}><td>${same(t) ? 'chosen' : ''}</td><td>${t.beta}</td><td>${t.easeLambda ?? ''}</td><td>${t.weights.userCf}</td><td>${t.weights.itemCf}</td><td>${t.weights.content}</td><td>${t.weights.als ?? 0}</td><td>${t.ndcg.toFixed(4)}</td></tr>`,
    )
    .join('');
  return `<h2>How the hybrid's blend was chosen</h2>
<p>On a validation split carved from the evaluation's training part (never its test ratings), ${tuning.validation_users.toLocaleString('en-US')} validation users, by hybrid NDCG@10. EASE's λ applies when item-cf uses EASE's table, β when it uses RP3β's.</p>
<table><tr><th></th><th>item-cf β</th><th>EASE λ</th><th>user-based weight</th><th>item-cf weight</th><th>content weight</th><th>ALS weight</th><th>validation NDCG@10</th></tr>${rows}</table>`;
}

const COLORS: Record<ReportSeries['role'], string[]> = {
  candidate: ['#1f6feb'],
  method: ['#8250df', '#bf8700', '#1a7f37'],
  baseline: ['#6e7781'],
  previous: ['#cf222e'],
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function colorOf(series: ReportSeries[], index: number): string {
  const role = series[index]!.role;
  const sameRoleBefore = series.slice(0, index).filter((s) => s.role === role).length;
  const palette = COLORS[role];
  return palette[sameRoleBefore % palette.length]!;
}

function lineChart(report: EvaluationReport, metric: CurveMetric, title: string): string {
  const width = 420;
  const height = 260;
  const pad = { left: 48, right: 12, top: 28, bottom: 36 };
  const ks = report.ks;
  const values = report.series.flatMap((s) => s.at_k[metric]);
  const maxY = Math.max(0.05, ...values.filter(Number.isFinite)) * 1.1;
  const x = (i: number) => pad.left + (ks.length <= 1 ? 0 : (i / (ks.length - 1)) * (width - pad.left - pad.right));
  const y = (v: number) => pad.top + (1 - v / maxY) * (height - pad.top - pad.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = f * maxY;
      return `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#d0d7de" stroke-width="0.5"/><text x="${pad.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${v.toFixed(2)}</text>`;
    })
    .join('');
  const xLabels = ks
    .map((k, i) => (ks.length <= 10 || k % 5 === 0 || i === 0 ? `<text x="${x(i).toFixed(1)}" y="${height - pad.bottom + 14}" text-anchor="middle" font-size="10">${k}</text>` : ''))
    .join('');
  const lines = report.series
    .map((s, index) => {
      const points = s.at_k[metric].map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const dash = s.role === 'baseline' || s.role === 'previous' ? ' stroke-dasharray="5 3"' : '';
      return `<polyline fill="none" stroke="${colorOf(report.series, index)}" stroke-width="${s.role === 'candidate' ? 2.5 : 1.5}"${dash} points="${points}"><title>${escapeHtml(s.label)}</title></polyline>`;
    })
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">
<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${escapeHtml(title)}</text>${grid}${xLabels}
<text x="${width / 2}" y="${height - 4}" text-anchor="middle" font-size="11">K</text>${lines}</svg></figure>`;
}

function legend(report: EvaluationReport): string {
  return `<ul class="legend">${report.series
    .map((s, i) => `<li><span style="background:${colorOf(report.series, i)}"></span>${escapeHtml(s.label)}</li>`)
    .join('')}</ul>`;
}

/** Metrics the table shows with their own header, decimals and a note under the table; the others show as named, 4 decimals. */
const METRIC_DISPLAY: Record<string, { header: string; digits: number; note: string }> = {
  novelty: { header: 'novelty (bits)', digits: 3, note: 'novelty: mean −log2(share of the training ratings) of the recommended movies; higher = less popular movies' },
  arp: { header: 'ARP', digits: 1, note: 'ARP (average recommendation popularity): mean number of training ratings of the recommended movies; lower = less popularity bias' },
};

function metricsTable(report: EvaluationReport): string {
  const names = [...new Set(report.series.flatMap((s) => Object.keys(s.metrics)))];
  const head = `<tr><th>series</th>${names.map((n) => `<th>${escapeHtml(METRIC_DISPLAY[n]?.header ?? n)}</th>`).join('')}</tr>`;
  const rows = report.series
    .map((s) => `<tr><td>${escapeHtml(s.label)}</td>${names.map((n) => `<td>${s.metrics[n] === undefined ? '–' : s.metrics[n].toFixed(METRIC_DISPLAY[n]?.digits ?? 4)}</td>`).join('')}</tr>`)
    .join('');
  const notes = names.flatMap((n) => (METRIC_DISPLAY[n] ? [METRIC_DISPLAY[n].note] : []));
  return `<table>${head}${rows}</table>${notes.length > 0 ? `<p class="notes">${notes.map(escapeHtml).join('<br>')}</p>` : ''}`;
}

export function renderEvaluationHtml(report: EvaluationReport): string {
  const data = Object.entries(report.data)
    .map(([k, v]) => `<li>${escapeHtml(k)}: ${v.toLocaleString('en-US')}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation of model ${escapeHtml(report.model_version)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328;max-width:1350px}
h1{font-size:1.4rem}.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:.5rem}
table{border-collapse:collapse;margin-top:1rem}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:right}td:first-child,th:first-child{text-align:left}tr.chosen{font-weight:600}
.notes{font-size:.85rem;color:#57606a}.legend{list-style:none;padding:0;display:flex;gap:1.2rem;flex-wrap:wrap}.legend span{display:inline-block;width:14px;height:4px;margin-right:.4rem;vertical-align:middle}
</style></head><body>
<h1>Evaluation of model ${escapeHtml(report.model_version)}</h1>
<p>Run date ${escapeHtml(report.run_date)}, evaluated ${escapeHtml(report.created_at)}, protocol <b>${escapeHtml(report.protocol)}</b>; headline K = ${report.k}.</p>
<ul>${data}</ul>
${legend(report)}
<div class="charts">${lineChart(report, 'precision', 'Precision@K')}${lineChart(report, 'recall', 'Recall@K')}${lineChart(report, 'ndcg', 'NDCG@K')}</div>
<h2>Metrics at K = ${report.k}</h2>
${metricsTable(report)}
${report.tuning ? tuningTable(report.tuning) : ''}
</body></html>
`;
}
