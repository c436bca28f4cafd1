/**
 * The OpenAPI document is exactly what the server does: Schemathesis (from PyPI, in a virtualenv of its
 * own that this test builds from scripts/schemathesis/requirements-lock.txt when missing) generates
 * requests from `/openapi.json` — valid ones, invalid ones, undeclared methods, missing auth — against
 * the real app with a deployed model, and runs every one of its checks on the answers: no 5xx; each
 * status, content type, header and body as documented; documented-valid input accepted and
 * documented-invalid input refused; 405 with `Allow` for a method a path does not list.
 */
import assert from 'node:assert/strict';
import { runSchemathesis, type SchemathesisResult } from '../../../scripts/schemathesis/run';
import { schemathesisCommand } from '../../../scripts/schemathesis/setup';
import { createBatchEnvironment, type BatchEnvironment } from '../../support/batch';
import { fitMl100k, publishAndPromote, RELOAD_TOKEN, startServingApi, type ServingApi } from './harness';

/** Per operation and phase: enough to reach every documented status, about a minute on 2 cores. */
const MAX_EXAMPLES = 100;
/** Fixed, so that a failure in CI reproduces; change it locally to explore other inputs. */
const SEED = 20260101;
const RUN_TIMEOUT_MS = 180_000;

describe('serving: Schemathesis against the OpenAPI document, every check', function () {
  let env: BatchEnvironment;
  let api: ServingApi;

  before(async function () {
    // The first run installs the virtualenv (pip prints its progress); later runs find it current.
    this.timeout(900_000);
    await schemathesisCommand();
    env = await createBatchEnvironment();
    await publishAndPromote(env.store, 'schemathesis-model', fitMl100k(env.config, 4));
    await env.features.putUserFeatures([{ user_id: 1, rating_count: 3 }]);
    api = await startServingApi(env);
    await api.models.loadDeployed();
  });
  after(async () => {
    await api?.close();
    env?.close();
  });

  it('finds no failure in any operation', async function () {
    this.timeout(RUN_TIMEOUT_MS + 30_000);
    const result: SchemathesisResult = await runSchemathesis({
      schemaUrl: `${api.url}/openapi.json`,
      headers: { Authorization: `Bearer ${RELOAD_TOKEN}` },
      maxExamples: MAX_EXAMPLES,
      seed: SEED,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const report = result.report;
    const context = `\n--- Schemathesis report ---\n${result.output}`;
    assert.equal(result.timedOut, false, `Schemathesis did not finish within ${RUN_TIMEOUT_MS / 1000} s${context}`);
    assert.ok(report, `Schemathesis wrote no run report (exit ${result.exitCode})${context}`);
    assert.equal(result.exitCode, 0, `Schemathesis found failures${context}`);
    assert.deepEqual({ failures: report.failures, errors: report.errors }, { failures: [], errors: [] }, context);
    // A run that tested less than everything, or could not use a pattern or the token, proves less.
    const documented = Object.values(((await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, object> }).paths).flatMap((item) => Object.keys(item));
    assert.equal(report.complete, true, context);
    assert.deepEqual(report.operations, { total: documented.length, selected: documented.length, tested: documented.length, errored: 0, skipped: 0, skip_reasons: [] }, context);
    for (const phase of ['examples', 'coverage', 'fuzzing', 'stateful']) assert.equal(report.phases[phase]?.status, 'success', `phase ${phase}${context}`);
    assert.deepEqual(Object.entries(report.warnings).filter(([, found]) => found.length > 0), [], `warnings${context}`);
    assert.ok(report.test_cases.generated >= 10 * documented.length, `${report.test_cases.generated} test cases${context}`);
    console.log(`      Schemathesis ${report.schemathesis_version}: ${report.test_cases.generated} test cases, ${documented.length} operations, seed ${SEED}`);
  });
});
