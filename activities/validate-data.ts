import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { bronzeDatePrefix } from '../domain/bronze';
import { parseStoredEvent } from '../domain/events';
import { eventIdentity } from '../domain/event-identity';
import { HashedIdSet } from '../domain/hashed-id-set';
import { judgeDay, type DayCounts } from '../domain/validation';
import { readCatalog } from './catalog';
import { throwIfCancelled } from './compute/heartbeating-job';
import type { ActivityDeps } from './deps';
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

/** What the day's partition holds, before reading it: the workflow sizes the validation's timeout by it. */
export interface ValidationPlan {
  run_date: string;
  objects: number;
  bytes: number;
}

export function createPlanValidation(deps: ActivityDeps) {
  return async function planValidation(input: { run_date: string }): Promise<ValidationPlan> {
    let objects = 0;
    let bytes = 0;
    for await (const object of deps.store.list(bronzeDatePrefix(deps.settings.bronzePrefix, input.run_date))) {
      objects++;
      bytes += object.size;
    }
    return { run_date: input.run_date, objects, bytes };
  };
}

/** Lines between heartbeats inside an object: a large object must not outlast the heartbeat timeout. */
const LINES_PER_HEARTBEAT = 20_000;

export interface ValidateInput {
  run_date: string;
  /** The operator's override for this date: a volume far from the trailing days' is accepted (with a warning). */
  accept_volume?: boolean;
}

/**
 * Reads the day's bronze partition and checks it: schema and ranges, duplicate event ids, movies
 * missing from the catalog, and the volume against the trailing days' reports (see `judgeDay` for why
 * refused days count too). Writes the report to S3 and refuses (non-retryably) a day that is not fit
 * to train on.
 */
export function createValidateData(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function validateData(input: ValidateInput): Promise<ValidationSummary> {
    const { store, settings } = deps;
    const runDate = input.run_date;
    const catalogIds = new Set((await readCatalog(store)).map((m) => m.movie_id));
    const seenEvents = new HashedIdSet();
    const seenIds = new HashedIdSet();
    const counts: DayCounts = { events: 0, valid: 0, invalid: 0, duplicate_event_ids: 0, conflicting_event_ids: 0, unknown_movies: 0 };
    const samples: ValidationReport['samples'] = [];
    let objects = 0;
    for await (const object of store.list(bronzeDatePrefix(settings.bronzePrefix, runDate))) {
      throwIfCancelled();
      objects++;
      let lineNo = 0;
      for await (const line of store.lines(object.key)) {
        lineNo++;
        if (lineNo % LINES_PER_HEARTBEAT === 0) heartbeat({ objects, events: counts.events });
        if (line.trim() === '') continue;
        counts.events++;
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          raw = undefined;
        }
        const parsed = raw === undefined ? { ok: false as const, problems: [{ field: '(line)', message: 'is not JSON' }] } : parseStoredEvent(raw);
        if (!parsed.ok) {
          counts.invalid++;
          if (samples.length < SAMPLE_LIMIT) samples.push({ object: object.key, line: lineNo, problems: parsed.problems.map((p) => `${p.field} ${p.message}`).join('; ') });
          continue;
        }
        counts.valid++;
        // A true retry repeats the whole event; the same id with other content is another client's event.
        const newEvent = seenEvents.add(eventIdentity(parsed.event));
        const newId = seenIds.add(parsed.event.event_id);
        if (!newEvent) counts.duplicate_event_ids++;
        else if (!newId) counts.conflicting_event_ids++;
        if (!catalogIds.has(parsed.event.movie_id)) counts.unknown_movies++;
      }
      heartbeat({ objects, events: counts.events });
    }

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
