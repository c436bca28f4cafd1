import type { GateCheck, GateDecision } from './batch';

export interface GateSettings {
  /** The metric the gate judges, e.g. `ndcg@10`. */
  metric: string;
  /** The candidate must reach at least this value. */
  minimum: number;
  /** The candidate may fall at most this fraction below the deployed model (0.02 = 2%). */
  maxRegression: number;
}

export interface GateInput {
  candidate: Record<string, number>;
  baseline: Record<string, number>;
  current?: { model_version: string; metrics: Record<string, number> };
}

const fmt = (x: number) => x.toFixed(4);

/** Whether a newly trained model may replace the deployed one, with a reason for every check. */
export function decideDeployment(input: GateInput, settings: GateSettings): GateDecision {
  const { metric } = settings;
  const value = input.candidate[metric];
  const checks: GateCheck[] = [];
  if (value === undefined || !Number.isFinite(value)) {
    checks.push({ name: 'metric-present', passed: false, detail: `the evaluation has no ${metric}` });
  } else {
    checks.push({
      name: 'minimum',
      passed: value >= settings.minimum,
      detail: `${metric} ${fmt(value)} ${value >= settings.minimum ? '≥' : '<'} minimum ${fmt(settings.minimum)}`,
    });
    const base = input.baseline[metric];
    if (base !== undefined) {
      checks.push({
        name: 'beats-baseline',
        passed: value > base,
        detail: `${metric} ${fmt(value)} ${value > base ? '>' : '≤'} most-popular ${fmt(base)}`,
      });
    }
    const previous = input.current?.metrics[metric];
    if (input.current && previous !== undefined) {
      const floor = previous * (1 - settings.maxRegression);
      checks.push({
        name: 'no-regression',
        passed: value >= floor,
        detail: `${metric} ${fmt(value)} ${value >= floor ? '≥' : '<'} ${fmt(floor)} (deployed ${input.current.model_version}: ${fmt(previous)}, tolerance ${(settings.maxRegression * 100).toFixed(1)}%)`,
      });
    }
  }
  const failed = checks.filter((c) => !c.passed);
  return { passed: failed.length === 0, checks, reasons: failed.map((c) => c.detail) };
}
