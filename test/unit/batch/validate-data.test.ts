import assert from 'node:assert/strict';
import { ApplicationFailure, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { parsedEventsKey } from '../../../activities/silver-state';
import { createPlanValidation, createValidateData, createValidateShard, validationReportKey, type ValidationShard, type ValidationShardSummary } from '../../../activities/validate-data';
import { validationActivity } from '../../../workflows/activity-options';
import { batchSettings } from '../../../activities/settings';
import type { ValidationSummary } from '../../../activities/types';
import { bronzeDatePrefix } from '../../../domain/bronze';
import { CATALOG_MOVIES_KEY } from '../../../domain/catalog';
import type { ModelServer, ReplicaRegistry } from '../../../domain/ports';
import { testConfig } from '../../support/config';
import { MemoryObjectStore } from '../../support/memory-store';

const settings = batchSettings(testConfig());
const noop = () => undefined;
/** The mock environment logs every failed activity; refusals are what these tests expect. */
const silent: Logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used by validateData')) });

function day(index: number): string {
  return new Date(Date.UTC(2026, 0, 1) + index * 86_400_000).toISOString().slice(0, 10);
}

async function land(store: MemoryObjectStore, date: string, events: number): Promise<void> {
  const lines = Array.from({ length: events }, (_, k) => JSON.stringify({ event_id: `${date}-${k}`, user_id: 1 + (k % 50), movie_id: 1 + (k % 3), rating: 4, timestamp: `${date}T12:00:00.000Z` }));
  await store.put(`${bronzeDatePrefix(settings.bronzePrefix, date)}p0.jsonl`, `${lines.join('\n')}\n`);
}

/** Runs the stage for `date`; true when it accepted the day, false when it refused it for its volume. */
async function validate(store: MemoryObjectStore, date: string, acceptVolume = false): Promise<boolean> {
  const validateData = createValidateData({ store, settings, features: unused as never, replicas: unused as ReplicaRegistry, modelServerAt: () => unused as ModelServer });
  try {
    await new MockActivityEnvironment(undefined, { logger: silent }).run(validateData, { run_date: date, ...(acceptVolume ? { accept_volume: true } : {}) });
    return true;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure && err.type === 'InvalidBatchData', String(err));
    assert.match(err.message, /volume \d+ is [\d.]+× the median of the trailing days/);
    return false;
  }
}

describe('activities/validate-data: the volume rule over consecutive days', () => {
  let store: MemoryObjectStore;
  beforeEach(async () => {
    store = new MemoryObjectStore();
    await store.put(CATALOG_MOVIES_KEY, [1, 2, 3].map((id) => JSON.stringify({ movie_id: id, title: `m${id}`, genres: ['Drama'] })).join('\n'));
    assert.equal(settings.validation.trailingDays, 7, 'the expectations below assume the default window');
    assert.equal(settings.validation.maxVolumeRatio, 10);
  });

  it('a lasting 20× growth is refused while new and accepted once it has lasted more than half the window', async () => {
    const verdicts: boolean[] = [];
    for (let i = 0; i < 16; i++) {
      await land(store, day(i), i < 8 ? 100 : 2000);
      verdicts.push(await validate(store, day(i)));
    }
    assert.deepEqual(verdicts.slice(0, 8), Array.from({ length: 8 }, () => true));
    assert.deepEqual(verdicts.slice(8), [false, false, false, false, true, true, true, true], 'refused on days 1–4 of the new level, accepted from day 5');
    const report = JSON.parse(new TextDecoder().decode(await store.get(validationReportKey(day(12))))) as { usable: boolean; trailing_median: number; trailing_days: Record<string, number> };
    assert.equal(report.usable, true);
    assert.equal(report.trailing_median, 2000, 'the refused days of the new level count in the median');
    assert.equal(Object.keys(report.trailing_days).length, 7);
  });

  it('an operator accepts one date’s volume with accept_volume; the report records it', async () => {
    for (let i = 0; i < 7; i++) {
      await land(store, day(i), 100);
      assert.equal(await validate(store, day(i)), true);
    }
    await land(store, day(7), 2000);
    assert.equal(await validate(store, day(7)), false);
    assert.equal(await validate(store, day(7), true), true);
    const report = JSON.parse(new TextDecoder().decode(await store.get(validationReportKey(day(7))))) as { usable: boolean; accept_volume?: boolean; warnings: string[] };
    assert.equal(report.usable, true);
    assert.equal(report.accept_volume, true);
    assert.ok(report.warnings.some((w) => w.includes("accepted by the operator's override")));
    await land(store, day(8), 2000);
    assert.equal(await validate(store, day(8)), false, 'the override was for one date only');
  });
});

/** A store whose catalog has movies 1, 2 and 3. */
async function storeWithCatalog(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await store.put(CATALOG_MOVIES_KEY, [1, 2, 3].map((id) => JSON.stringify({ movie_id: id, title: `m${id}`, genres: ['Drama'] })).join('\n'));
  return store;
}

/** A bronze line of a rating on `date`. */
const eventOn = (date: string) => (id: string, user: number, movie: number) => JSON.stringify({ event_id: id, user_id: user, movie_id: movie, rating: 4, timestamp: `${date}T12:00:00.000Z` });

describe('activities/validate-data: repeated event ids', () => {
  it('counts exact repeats as duplicates and the same id with other content as conflicting, with a warning', async () => {
    const store = await storeWithCatalog();
    const date = day(40);
    const event = eventOn(date);
    const lines = [event('a', 1, 1), event('a', 1, 1), event('a', 2, 1), event('a', 1, 2), event('b', 1, 3), event('b', 1, 3), event('c', 3, 3)];
    await store.put(`${bronzeDatePrefix(settings.bronzePrefix, date)}p0.jsonl`, `${lines.join('\n')}\n`);
    const validateData = createValidateData({ store, settings, features: unused as never, replicas: unused as ReplicaRegistry, modelServerAt: () => unused as ModelServer });
    const summary = await new MockActivityEnvironment(undefined, { logger: silent }).run<[{ run_date: string }], ValidationSummary, typeof validateData>(validateData, { run_date: date });
    assert.equal(summary.duplicate_event_ids, 2, 'the exact repeats of a and b');
    assert.equal(summary.conflicting_event_ids, 2, 'a for another user, a for another movie');
    const report = JSON.parse(new TextDecoder().decode(await store.get(validationReportKey(date)))) as { warnings: string[] };
    assert.ok(report.warnings.some((w) => w.startsWith('2 events reuse an event id with other content')), report.warnings.join('\n'));
  });

  it('plans the day by its partition’s objects and bytes, and gives a larger partition a longer timeout', async () => {
    const store = new MemoryObjectStore();
    const date = day(40);
    await store.put(`${bronzeDatePrefix(settings.bronzePrefix, date)}a.jsonl`, 'x'.repeat(1000));
    await store.put(`${bronzeDatePrefix(settings.bronzePrefix, date)}b.jsonl`, 'y'.repeat(500));
    await store.put(`${bronzeDatePrefix(settings.bronzePrefix, day(41))}c.jsonl`, 'z'.repeat(99));
    const plan = await createPlanValidation({ store, features: unused as never, replicas: unused as ReplicaRegistry, modelServerAt: () => unused as ModelServer, settings })({ run_date: date });
    assert.deepEqual(plan, { run_date: date, objects: 2, bytes: 1500, shards: 2, shard_width: settings.shards.width });
    assert.equal(validationActivity(0).startToCloseTimeout, 5 * 60_000);
    assert.equal(validationActivity(3_000_000_000).startToCloseTimeout, 5 * 60_000 + 3_000_000, 'a 3 GB day gets 50 more minutes');
  });
});

describe('activities/validate-data: validation shards', () => {
  it('count what one pass over the day counts, repeats across shards included, and leave each object’s valid events for extract', async () => {
    const store = await storeWithCatalog();
    const date = day(50);
    const event = eventOn(date);
    // Five objects over three shards: an exact repeat and a reused id land in other objects (and shards) than their originals.
    const objects = [
      [event('a', 1, 1), event('b', 2, 2), '{"event_id":"bad"}'],
      [event('a', 1, 1), event('c', 3, 9), 'not json'],
      [event('a', 5, 1), event('d', 4, 3)],
      ['', event('e', 1, 2), event('f', 2, 2)],
      [event('b', 2, 2), event('g', 6, 9)],
    ];
    for (const [k, lines] of objects.entries()) await store.put(`${bronzeDatePrefix(settings.bronzePrefix, date)}p${k}.jsonl`, `${lines.join('\n')}\n`);
    const deps = { store, settings, features: unused as never, replicas: unused as ReplicaRegistry, modelServerAt: () => unused as ModelServer };
    const environment = new MockActivityEnvironment(undefined, { logger: silent });
    const validateData = createValidateData(deps);
    // This day is refused (invalid lines, unknown movies): the verdict and the report are what both ways must agree on.
    const verdict = (run: Promise<ValidationSummary>) => run.then(() => 'accepted', (err: unknown) => (err instanceof ApplicationFailure ? err.message : String(err)));
    const reportNow = async (): Promise<Record<string, unknown>> => ({ ...(JSON.parse(new TextDecoder().decode(await store.get(validationReportKey(date)))) as Record<string, unknown>), checked_at: '' });
    const whole = await verdict(environment.run<[{ run_date: string }], ValidationSummary, typeof validateData>(validateData, { run_date: date }));
    const wholeReport = await reportNow();

    const validateShard = createValidateShard(deps);
    const summaries: ValidationShardSummary[] = [];
    for (let shard = 0; shard < 3; shard++) summaries.push(await environment.run<[ValidationShard], ValidationShardSummary, typeof validateShard>(validateShard, { run_date: date, shard, shards: 3 }));
    assert.deepEqual(summaries.map((s) => s.objects), [2, 2, 1]);
    const sharded = await verdict(environment.run<[{ run_date: string; shards: ValidationShardSummary[] }], ValidationSummary, typeof validateData>(validateData, { run_date: date, shards: summaries }));

    assert.equal(sharded, whole);
    assert.match(whole, /not usable/);
    assert.deepEqual(await reportNow(), wholeReport, 'the same report, samples included');
    assert.deepEqual(
      ['events', 'valid', 'invalid', 'duplicate_event_ids', 'conflicting_event_ids', 'unknown_movies'].map((count) => wholeReport[count]),
      [12, 10, 2, 2, 1, 2],
      'a is repeated once exactly and reused once, b is repeated once; movie 9 is unknown twice',
    );
    for (let k = 0; k < objects.length; k++) assert.ok(await store.head(parsedEventsKey(`${bronzeDatePrefix(settings.bronzePrefix, date)}p${k}.jsonl`)), `object ${k}'s valid events are kept`);
  });
});
