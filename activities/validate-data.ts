import { ApplicationFailure } from '@temporalio/activity';
import { bronzeDatePrefix } from '../domain/bronze';
import { decodeParsedEvents, parseBronzeObject, type ParsedEvents } from '../domain/bronze-object';
import { HashedIdSet } from '../domain/hashed-id-set';
import { judgeDay, type DayCounts } from '../domain/validation';
import { readCatalog } from './catalog';
import { BronzeParsers } from './compute/bronze-parsers';
import { heartbeatWhile, throwIfCancelled } from './compute/heartbeating-job';
import type { ActivityDeps } from './deps';
import { parsedEventsKey } from './silver-state';
import type { ValidationSummary } from './types';

export function validationReportKey(runDate: string): string {
  return `reports/validation/dt=${runDate}.json`;
}

interface ValidationReport extends DayCounts {
  run_date: string;
  checked_at: string;
  objects: number;
  usable: boolean;
  failures: string[];
  warnings: string[];
  /** The volume of each earlier day in the window that has a report, whatever its verdict. */
  trailing_days: Record<string, number>;
  trailing_median?: number;
  /** Set when an operator accepted this day's volume whatever the trailing days say. */
  accept_volume?: true;
  thresholds: ActivityDeps['settings']['validation'];
  /** A few of the bad lines, so the report shows what is wrong without holding all of them. */
  samples: { object: string; line: number; problems: string }[];
}

const SAMPLE_LIMIT = 20;
const decoder = new TextDecoder();

function previousDays(runDate: string, days: number): string[] {
  const base = Date.parse(`${runDate}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => new Date(base - (i + 1) * 86_400_000).toISOString().slice(0, 10));
}

/** What the day's partition holds, before reading it: the workflow sizes the validation's timeout and shards by it. */
export interface ValidationPlan {
  run_date: string;
  objects: number;
  bytes: number;
  /** How many validation shards to split the day's objects into, and how many of them a run keeps in flight. */
  shards: number;
  shard_width: number;
}

export function createPlanValidation(deps: ActivityDeps) {
  return async function planValidation(input: { run_date: string }): Promise<ValidationPlan> {
    let objects = 0;
    let bytes = 0;
    for await (const object of deps.store.list(bronzeDatePrefix(deps.settings.bronzePrefix, input.run_date))) {
      objects++;
      bytes += object.size;
    }
    // Two shards per slot in flight: a slot that finishes early takes another, so one large object does not hold up the day.
    const { width } = deps.settings.shards;
    return { run_date: input.run_date, objects, bytes, shards: Math.min(objects, 2 * width), shard_width: width };
  };
}

export interface ValidateInput {
  run_date: string;
  /** The operator's override for this date: a volume far from the trailing days' is accepted (with a warning). */
  accept_volume?: boolean;
  /** The validation shards' summaries: when given, the objects were parsed by the shards, which left their valid events beside bronze. */
  shards?: ValidationShardSummary[];
}

/** One of `shards` validation shards of a day: the day's objects whose position in the listing is `shard` modulo `shards`. */
export interface ValidationShard {
  run_date: string;
  shard: number;
  shards: number;
}

export interface ValidationShardSummary extends Omit<DayCounts, 'duplicate_event_ids' | 'conflicting_event_ids'> {
  shard: number;
  objects: number;
  samples: ValidationReport['samples'];
}

/** The day's bronze objects, in key order: shards and the gather agree on it. */
async function dayObjects(deps: ActivityDeps, runDate: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of deps.store.list(bronzeDatePrefix(deps.settings.bronzePrefix, runDate))) keys.push(object.key);
  return keys.sort();
}

/** Counts the events of one parsed object that repeat (exactly: a retry) or reuse (with other content) an earlier event's id. */
function countRepeats(events: ParsedEvents, seenEvents: HashedIdSet, seenIds: HashedIdSet, counts: DayCounts): void {
  const { identityHashes: identity, idHashes: ids } = events;
  for (let k = 0; k < events.userIds.length; k++) {
    // A true retry repeats the whole event; the same id with other content is another client's event.
    const newEvent = seenEvents.addHash(identity[2 * k]!, identity[2 * k + 1]!);
    const newId = seenIds.addHash(ids[2 * k]!, ids[2 * k + 1]!);
    if (!newEvent) counts.duplicate_event_ids++;
    else if (!newId) counts.conflicting_event_ids++;
  }
}

function countUnknown(movieIds: Int32Array, catalogIds: Set<number>): number {
  let unknown = 0;
  for (const movieId of movieIds) if (!catalogIds.has(movieId)) unknown++;
  return unknown;
}

/**
 * One validation shard: parses its objects of the day on the worker's bronze parser threads, counts
 * what is wrong with their lines, and stores each object's valid events beside bronze
 * (`parsedEventsKey`), where the validation's gather counts repeats across the whole day and extract
 * reads them instead of parsing the JSON again. A retry parses its objects again.
 */
export function createValidateShard(deps: ActivityDeps) {
  const parsers = new BronzeParsers();
  return async function validateShard(input: ValidationShard): Promise<ValidationShardSummary> {
    const { store } = deps;
    const catalogIds = new Set((await readCatalog(store)).map((m) => m.movie_id));
    const mine = (await dayObjects(deps, input.run_date)).filter((_, position) => position % input.shards === input.shard);
    const summary: ValidationShardSummary = { shard: input.shard, objects: 0, events: 0, valid: 0, invalid: 0, unknown_movies: 0, samples: [] };
    return heartbeatWhile(() => ({ shard: input.shard, of: mine.length, objects: summary.objects, events: summary.events }), async () => {
      for (const key of mine) {
        throwIfCancelled();
        const bytes = await store.get(key);
        if (bytes === undefined) throw new Error(`bronze object ${key} vanished while the day was validated`);
        const parsed = await parsers.parse({ key, bytes, sampleLimit: SAMPLE_LIMIT });
        await store.put(parsedEventsKey(key), parsed.encoded, 'application/octet-stream');
        summary.objects++;
        summary.events += parsed.events;
        summary.invalid += parsed.invalid;
        summary.valid += parsed.events - parsed.invalid;
        summary.unknown_movies += countUnknown(parsed.movieIds, catalogIds);
        for (const sample of parsed.samples.slice(0, SAMPLE_LIMIT - summary.samples.length)) summary.samples.push({ object: key, ...sample });
      }
      return summary;
    });
  };
}

/**
 * Checks the day's bronze partition: schema and ranges, duplicate event ids, movies missing from the
 * catalog, and the volume against the trailing days' reports (see `judgeDay` for why refused days
 * count too). With `shards`, gathers what the validation shards found and counts repeats over the
 * events they stored; without, reads every object itself. Writes the report to S3 and refuses
 * (non-retryably) a day that is not fit to train on.
 */
export function createValidateData(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function validateData(input: ValidateInput): Promise<ValidationSummary> {
    const { store, settings } = deps;
    const runDate = input.run_date;
    const keys = await dayObjects(deps, runDate);
    const seenEvents = new HashedIdSet();
    const seenIds = new HashedIdSet();
    const counts: DayCounts = { events: 0, valid: 0, invalid: 0, duplicate_event_ids: 0, conflicting_event_ids: 0, unknown_movies: 0 };
    const samples: ValidationReport['samples'] = [];
    const objects = keys.length;
    let done = 0;
    await heartbeatWhile(() => ({ objects: done, of: objects, events: counts.events }), async () => {
      const catalogIds = input.shards ? undefined : new Set((await readCatalog(store)).map((m) => m.movie_id));
      for (const shard of input.shards ?? []) {
        counts.events += shard.events;
        counts.valid += shard.valid;
        counts.invalid += shard.invalid;
        counts.unknown_movies += shard.unknown_movies;
        samples.push(...shard.samples.slice(0, SAMPLE_LIMIT - samples.length));
      }
      for (const key of keys) {
        throwIfCancelled();
        if (catalogIds) {
          const bytes = await store.get(key);
          if (bytes === undefined) throw new Error(`bronze object ${key} vanished while the day was validated`);
          const parsed = parseBronzeObject(key, decoder.decode(bytes), SAMPLE_LIMIT - samples.length);
          counts.events += parsed.events;
          counts.invalid += parsed.invalid;
          counts.valid += parsed.events - parsed.invalid;
          counts.unknown_movies += countUnknown(parsed.valid.movieIds, catalogIds);
          samples.push(...parsed.samples.map((sample) => ({ object: key, ...sample })));
          countRepeats(parsed.valid, seenEvents, seenIds, counts);
        } else {
          const stored = await store.get(parsedEventsKey(key));
          if (stored === undefined) throw new Error(`the validation shards left no parsed events of ${key}`);
          countRepeats(decodeParsedEvents(stored), seenEvents, seenIds, counts);
        }
        done++;
      }
    });

    const trailingDays: Record<string, number> = {};
    for (const day of previousDays(runDate, settings.validation.trailingDays)) {
      const bytes = await store.get(validationReportKey(day));
      if (!bytes) continue;
      trailingDays[day] = (JSON.parse(decoder.decode(bytes)) as ValidationReport).events;
    }
    const acceptVolume = input.accept_volume === true;
    const judgement = judgeDay(counts, Object.values(trailingDays), settings.validation, { acceptVolume });
    const report: ValidationReport = {
      run_date: runDate,
      checked_at: now().toISOString(),
      objects,
      ...counts,
      usable: judgement.usable,
      failures: judgement.failures,
      warnings: judgement.warnings,
      trailing_days: trailingDays,
      ...(judgement.trailing_median !== undefined ? { trailing_median: judgement.trailing_median } : {}),
      ...(acceptVolume ? { accept_volume: true as const } : {}),
      thresholds: settings.validation,
      samples,
    };
    const reportKey = validationReportKey(runDate);
    await store.put(reportKey, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
    if (!judgement.usable) {
      throw ApplicationFailure.nonRetryable(
        `data of ${runDate} is not usable: ${judgement.failures.join('; ')} (report: ${reportKey})`,
        'InvalidBatchData',
        { report_key: reportKey, failures: judgement.failures },
      );
    }
    return {
      run_date: runDate,
      report_key: reportKey,
      objects,
      ...counts,
      ...(judgement.trailing_median !== undefined ? { trailing_median: judgement.trailing_median } : {}),
      warnings: judgement.warnings,
    };
  };
}
