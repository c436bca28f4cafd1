import assert from 'node:assert/strict';
import { deployVersion } from '../../../activities/deploy-model';
import { MAX_VERSIONS, readOverview } from '../../../console/overview';
import { evaluationHtmlKey, promote, readDeploymentRecord, rollback, writeManifest } from '../../../domain/model-registry';
import type { ReplicaRegistry, ReplicaStatus } from '../../../domain/ports';
import { MemoryObjectStore } from '../../support/memory-store';
import { registryManifest } from '../../support/manifests';

const links = { temporalUiUrl: 'http://127.0.0.1:8233', temporalNamespace: 'default', airflowUiUrl: 'http://127.0.0.1:8080' };
const gate = { metric: 'ndcg@10' as const, minimum: 0.1, maxRegression: 0.02 };

const replica: ReplicaStatus = { replica_id: 'a', url: 'http://127.0.0.1:3000', served_version: '2026-01-02.b', refused: null, started_at: '2026-01-02T00:00:00.000Z', heartbeat_at: 0, expires_at: 0 };
const replicas: ReplicaRegistry = { announce: () => Promise.resolve(), withdraw: () => Promise.resolve(), live: () => Promise.resolve([replica]) };

describe('console: the registry overview and the deploy decisions it shows', () => {
  it('records each deploy decision beside the version: passed and deployed, or refused with the reasons', async () => {
    const store = new MemoryObjectStore();
    await writeManifest(store, registryManifest('2026-01-01.a', '2026-01-01', { 'ndcg@10': 0.4 }));
    await writeManifest(store, registryManifest('2026-01-02.b', '2026-01-02', { 'ndcg@10': 0.2 }));
    const now = new Date('2026-01-02T04:00:00.000Z');
    await deployVersion(store, gate, { model_version: '2026-01-01.a', metrics: { 'ndcg@10': 0.4 }, baseline: { 'ndcg@10': 0.2 }, force: false }, now);
    await deployVersion(store, gate, { model_version: '2026-01-02.b', metrics: { 'ndcg@10': 0.2 }, baseline: { 'ndcg@10': 0.1 }, force: false }, now);
    const deployed = await readDeploymentRecord(store, '2026-01-01.a');
    assert.deepEqual([deployed?.deployed, deployed?.forced, deployed?.gate.passed, deployed?.decided_at], [true, false, true, now.toISOString()]);
    const refused = await readDeploymentRecord(store, '2026-01-02.b');
    assert.deepEqual([refused?.deployed, refused?.gate.passed], [false, false]);
    assert.match(refused!.gate.reasons.join(' '), /2026-01-01\.a/, 'refused for regressing against the deployed version');
    await deployVersion(store, gate, { model_version: '2026-01-02.b', metrics: { 'ndcg@10': 0.2 }, baseline: { 'ndcg@10': 0.1 }, force: true }, now);
    const forced = await readDeploymentRecord(store, '2026-01-02.b');
    assert.deepEqual([forced?.deployed, forced?.forced, forced?.gate.passed], [true, true, false], 'the last decision is the one kept');
  });

  it('lists versions newest first with current, previous, report and run links, and the live replicas', async () => {
    const store = new MemoryObjectStore();
    for (const [version, date] of [['2026-01-01.a', '2026-01-01'], ['2026-01-02.b', '2026-01-02'], ['2026-01-03.c', '2026-01-03']] as const) await writeManifest(store, registryManifest(version, date, { 'ndcg@10': 0.3 }));
    await store.put('models/2026-01-03.c/model.bin', 'x');
    await store.put(evaluationHtmlKey('2026-01-02.b'), '<p>report</p>');
    const now = new Date('2026-01-04T00:00:00.000Z');
    await promote(store, '2026-01-01.a', now);
    await promote(store, '2026-01-02.b', now);
    const overview = await readOverview(store, replicas, links, now);
    assert.deepEqual(overview.versions.map((v) => v.version), ['2026-01-03.c', '2026-01-02.b', '2026-01-01.a']);
    const [newest, current, previous] = overview.versions;
    assert.deepEqual([newest!.current, newest!.previous, newest!.deployment, newest!.has_report], [false, false, null, false]);
    assert.deepEqual([current!.current, current!.has_report, previous!.previous], [true, true, true]);
    assert.equal(current!.runs.temporal, 'http://127.0.0.1:8233/namespaces/default/workflows/movie-rec-batch-2026-01-02');
    assert.deepEqual(overview.replicas, [replica]);
    assert.equal(overview.current?.version, '2026-01-02.b');
    assert.equal(overview.older_versions, 0);
  });

  it('shows the newest versions only, but always the current and the previous one', async () => {
    const store = new MemoryObjectStore();
    const day = (n: number) => new Date(Date.UTC(2025, 0, 1 + n)).toISOString().slice(0, 10);
    for (let n = 0; n < MAX_VERSIONS + 5; n++) await writeManifest(store, registryManifest(`${day(n)}.v`, day(n)));
    const now = new Date('2026-06-01T00:00:00.000Z');
    await promote(store, `${day(1)}.v`, now);
    await promote(store, `${day(2)}.v`, now);
    await rollback(store, now);
    const overview = await readOverview(store, replicas, links, now);
    assert.equal(overview.versions.length, MAX_VERSIONS + 2);
    assert.equal(overview.versions[0]!.version, `${day(MAX_VERSIONS + 4)}.v`);
    assert.deepEqual(overview.versions.filter((v) => v.current || v.previous).map((v) => [v.version, v.current]), [[`${day(2)}.v`, false], [`${day(1)}.v`, true]]);
    assert.equal(overview.older_versions, 3);
  });
});
