import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createKafka } from '../../../adapters/kafka/client';
import { ensureTopics } from '../../../adapters/kafka/topics';
import { evaluationHtmlKey, promote, readCurrentPointer, writeDeploymentRecord } from '../../../domain/model-registry';
import { loadMovieLens100k } from '../../../recommender/data/movielens';
import { HybridRecommender } from '../../../recommender/hybrid';
import { buildUserItemMatrix } from '../../../recommender/matrix';
import { selectRows } from '../../../recommender/types';
import { ensureChromium, HEADLESS_CHROMIUM_ARGS } from '../../../scripts/browser/chromium';
import { startPlatformProcess, waitForHttp, type PlatformProcess } from '../../../scripts/platform/processes';
import { createBatchEnvironment, type BatchEnvironment } from '../../support/batch';
import { uniqueName } from '../../support/config';
import { freePort } from '../../support/ports';
import { publishModel } from '../serving/harness';

const OPERATOR_TOKEN = 'console-test-operator-token';

/** Run in the page: the markup of every input, select or button that has no label, aria-label or text. */
const UNLABELLED_CONTROLS = `[...document.querySelectorAll('input, select, button')]
  .filter((c) => !(c.id && document.querySelector('label[for="' + c.id + '"]')) && !c.getAttribute('aria-label') && !(c.textContent || '').trim())
  .map((c) => c.outerHTML)`;

/**
 * The operator console in headless Chromium against the real stack: an API replica and the consumer
 * (own topic, bucket and tables) serving a registry with two deployed versions, and the console
 * process beside them. What an operator does: read the replicas and the registry, open a report,
 * try a user, rate a movie and see the answer change, and roll back (a wrong token refused first).
 */
describe('operator console (headless Chromium, real API, consumer, MinIO, DynamoDB Local, Kafka)', function () {
  this.timeout(300_000);
  const id = uniqueName('console');
  let env: BatchEnvironment;
  const processes: PlatformProcess[] = [];
  let consoleUrl: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let userId: number;

  before(async () => {
    env = await createBatchEnvironment();
    const executablePath = await ensureChromium(env.config.browser.chromiumPath);
    const data = loadMovieLens100k(path.join(env.config.movielensDir, 'ml-100k'));
    const ratings = selectRows(data.ratings, Int32Array.from({ length: 20_000 }, (_, i) => i));
    const fitted = HybridRecommender.fit(buildUserItemMatrix(ratings), data.movies);
    const model = fitted.withCandidates(fitted.precomputeCandidates());
    userId = model.matrix.userIds[5]!;
    const gate = (passed: boolean) => ({ passed, checks: [{ name: 'minimum', passed, detail: `ndcg@10 ${passed ? '0.41 ≥' : '0.05 <'} 0.1` }], reasons: passed ? [] : ['ndcg@10 0.05 is below the minimum 0.1'] });
    for (const [version, ndcg] of [['v1-console', 0.4012], ['v2-console', 0.4113]] as const) {
      await publishModel(env.store, version, model, { watermark: {}, metrics: { 'ndcg@10': ndcg, 'precision@10': 0.3, 'recall@10': 0.2, coverage: 0.25 } });
      await promote(env.store, version, new Date());
      await writeDeploymentRecord(env.store, { version, decided_at: new Date().toISOString(), deployed: true, forced: false, gate: gate(true) });
    }
    await publishModel(env.store, 'v0-refused', model, { metrics: { 'ndcg@10': 0.05 } });
    await writeDeploymentRecord(env.store, { version: 'v0-refused', decided_at: new Date().toISOString(), deployed: false, forced: false, gate: gate(false) });
    await env.store.put(evaluationHtmlKey('v2-console'), '<!doctype html><title>report</title><svg aria-label="NDCG@K"></svg>', 'text/html');

    const apiPort = await freePort();
    const consolePort = await freePort();
    const overrides = {
      ...env.env,
      KAFKA_TOPIC: `${id}-events`,
      KAFKA_DLQ_TOPIC: `${id}-dlq`,
      KAFKA_GROUP_ID: `${id}-consumer`,
      RELOAD_TOKEN: OPERATOR_TOKEN,
      API_PORT: String(apiPort),
      API_REPLICA_ID: `${id}-api`,
      CONSOLE_PORT: String(consolePort),
      MODEL_POLL_INTERVAL_MS: '500',
      REPLICA_HEARTBEAT_MS: '1000',
      API_RECOMMENDER_THREADS: '1',
      LOG_LEVEL: 'warn',
    };
    await ensureTopics(createKafka(env.config.kafka, 'console-test'), [
      { topic: overrides.KAFKA_TOPIC, partitions: 3 },
      { topic: overrides.KAFKA_DLQ_TOPIC, partitions: 1 },
    ]);
    const common = { cwd: env.config.projectRoot, logDir: path.join(env.config.localDir, 'logs', id), env: { ...process.env, ...overrides } };
    processes.push(startPlatformProcess({ ...common, name: 'consumer', entry: 'consumer/main.ts' }));
    const api = startPlatformProcess({ ...common, name: 'api', entry: 'api/main.ts' });
    const consoleProcess = startPlatformProcess({ ...common, name: 'console', entry: 'console/main.ts' });
    processes.push(api, consoleProcess);
    consoleUrl = `http://127.0.0.1:${consolePort}`;
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, api);
    await waitForHttp(`${consoleUrl}/healthz`, consoleProcess);

    browser = await chromium.launch({ executablePath, args: HEADLESS_CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await Promise.all(processes.map((p) => p.stop()));
    env?.close();
  });

  it('shows each replica with the version it serves, and the registry with current, previous, metrics and gate verdicts', async () => {
    await page.goto(`${consoleUrl}/console`);
    const replicaRow = page.locator(`#replicas tr[data-replica="${id}-api"]`);
    await replicaRow.locator('td.served', { hasText: /^v2-console$/ }).waitFor({ timeout: 60_000 });
    assert.match(await replicaRow.innerText(), /serving the current version/);

    const current = page.locator('#versions tr[data-version="v2-console"]');
    assert.match(await current.innerText(), /current/);
    assert.match(await current.innerText(), /0\.4113/);
    assert.match(await current.innerText(), /passed/);
    assert.match(await page.locator('#versions tr[data-version="v1-console"]').innerText(), /previous/);
    const refused = page.locator('#versions tr[data-version="v0-refused"]');
    await refused.locator('summary').click();
    assert.match(await refused.innerText(), /refused[\s\S]*ndcg@10 0\.05 is below the minimum/);
    assert.match(await page.locator('#summary').innerText(), /Deployed: v2-console .* NDCG@10 0\.4113 against 0\.4012 for the previous v1-console \(\+0\.0101\)/);
    assert.equal(await page.locator('#rollback').innerText(), 'Roll back to v1-console');
  });

  it('opens a version’s evaluation report through the console, and links its Temporal run', async () => {
    const row = page.locator('#versions tr[data-version="v2-console"]');
    const report = await page.request.get(new URL((await row.getByRole('link', { name: 'Report' }).getAttribute('href'))!, consoleUrl).href);
    assert.equal(report.status(), 200);
    assert.match(report.headers()['content-type'] ?? '', /^text\/html/);
    assert.match(await report.text(), /aria-label="NDCG@K"/);
    assert.match((await row.getByRole('link', { name: 'Temporal run' }).getAttribute('href'))!, /\/namespaces\/[^/]+\/workflows\/movie-rec-batch-\d{4}-\d{2}-\d{2}$/);
    assert.match(await page.locator('#versions tr[data-version="v1-console"]').innerText(), /no report/);
  });

  it('tries a user: every method’s list with scores and reasons; a rating sent from the page is folded into the next answers', async () => {
    await page.locator('#try-user').fill(String(userId));
    await page.getByRole('button', { name: 'Show recommendations' }).click();
    for (const method of ['hybrid', 'user-based', 'item-cf', 'item-based']) {
      await page.locator(`#try-results [data-method="${method}"] li`).first().waitFor();
    }
    const hybrid = page.locator('#try-results [data-method="hybrid"]');
    assert.match(await hybrid.innerText(), /0 fresh ratings/);
    assert.match(await hybrid.locator('li').first().innerText(), /score \d\.\d{3}/);
    const first = hybrid.locator('li').first();
    const movieId = await first.getAttribute('data-movie');
    await first.getByRole('button', { name: 'Rate' }).click();
    await page.locator('#token-input').fill(OPERATOR_TOKEN);
    await page.locator('#token-dialog').getByRole('button', { name: 'Use it' }).click();
    await page.locator('#status').getByText(/now use 1 fresh rating/).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator(`#try-results [data-method="hybrid"] li[data-movie="${movieId}"]`).count(), 0, 'the rated movie is left out');
    assert.match(await page.locator('#try-results [data-method="hybrid"]').innerText(), /1 fresh rating/);

    const shots = path.join(env.config.localDir, 'test-artifacts');
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'console.png'), fullPage: true });
  });

  it('refuses a rollback with a wrong token, then rolls back with the right one, and the replica follows', async () => {
    await page.evaluate('sessionStorage.clear()');
    await page.locator('#rollback').click();
    assert.match(await page.locator('#rollback-text').innerText(), /v2-console is deployed\. Rolling back makes v1-console current again/);
    await page.locator('#rollback-token').fill('not-the-operator-token');
    await page.locator('#rollback-confirm').click();
    await page.locator('#status').getByText(/Rollback refused/).waitFor();
    assert.equal((await readCurrentPointer(env.store))?.version, 'v2-console', 'nothing changed');

    await page.locator('#rollback').click();
    await page.locator('#rollback-token').fill(OPERATOR_TOKEN);
    await page.locator('#rollback-confirm').click();
    await page.locator('#status').getByText(/v1-console is current again/).waitFor();
    const pointer = await readCurrentPointer(env.store);
    assert.deepEqual([pointer?.version, pointer?.previous, pointer?.reason], ['v1-console', 'v2-console', 'rollback']);
    await page.locator(`#replicas tr[data-replica="${id}-api"] td.served`, { hasText: /^v1-console$/ }).waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#versions tr[data-version="v1-console"]').innerText(), /current/);
  });

  it('labels every control, and the page ran without a script error, a blocked resource or a failed request but the refused rollback', async () => {
    const unlabelled = await page.evaluate(UNLABELLED_CONTROLS);
    assert.deepEqual(unlabelled, []);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    // Chromium logs a refused request as an error: the one refused rollback is expected, nothing else.
    assert.deepEqual(pageErrors, ['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
  });
});
