import assert from 'node:assert/strict';
import { decideDeployment, type GateSettings } from '../../../domain/gate';

const settings: GateSettings = { metric: 'ndcg@10', minimum: 0.1, maxRegression: 0.02 };

describe('domain/gate: the deployment gate', () => {
  it('passes a model above the minimum that beats the baseline and the deployed model', () => {
    const decision = decideDeployment({ candidate: { 'ndcg@10': 0.4 }, baseline: { 'ndcg@10': 0.24 }, current: { model_version: 'v1', metrics: { 'ndcg@10': 0.39 } } }, settings);
    assert.equal(decision.passed, true);
    assert.deepEqual(decision.checks.map((c) => c.name), ['minimum', 'beats-baseline', 'no-regression']);
    assert.deepEqual(decision.reasons, []);
  });

  it('tolerates a regression within the tolerance and refuses one beyond it', () => {
    const within = decideDeployment({ candidate: { 'ndcg@10': 0.392 }, baseline: { 'ndcg@10': 0.2 }, current: { model_version: 'v1', metrics: { 'ndcg@10': 0.4 } } }, settings);
    assert.equal(within.passed, true, '0.392 ≥ 0.4 × 0.98 = 0.392');
    const beyond = decideDeployment({ candidate: { 'ndcg@10': 0.39 }, baseline: { 'ndcg@10': 0.2 }, current: { model_version: 'v1', metrics: { 'ndcg@10': 0.4 } } }, settings);
    assert.equal(beyond.passed, false);
    assert.deepEqual(beyond.reasons, ['ndcg@10 0.3900 < 0.3920 (deployed v1: 0.4000, tolerance 2.0%)']);
  });

  it('refuses a model that does not beat the most-popular baseline or misses the minimum, naming each', () => {
    const decision = decideDeployment({ candidate: { 'ndcg@10': 0.05 }, baseline: { 'ndcg@10': 0.05 } }, settings);
    assert.equal(decision.passed, false);
    assert.deepEqual(decision.reasons, ['ndcg@10 0.0500 < minimum 0.1000', 'ndcg@10 0.0500 ≤ most-popular 0.0500']);
  });

  it('refuses an evaluation without the gate metric', () => {
    const decision = decideDeployment({ candidate: { 'precision@10': 0.3 }, baseline: {} }, settings);
    assert.equal(decision.passed, false);
    assert.match(decision.reasons[0]!, /has no ndcg@10/);
  });
});
