/** The rules that decide whether one day of bronze events is fit to train on. */

export interface ValidationThresholds {
  /** Share of lines that fail the event schema above which the day is refused. */
  maxInvalidRatio: number;
  /** Share of valid events naming a movie the catalog does not have. */
  maxUnknownMovieRatio: number;
  /** Share of events repeating an event id already seen that day (at-least-once delivery makes some). */
  maxDuplicateRatio: number;
  /** How many earlier days the volume is compared with (every one that has a report, whatever its verdict). */
  trailingDays: number;
  /** The day's volume must lie within [min, max] × the trailing median. */
  minVolumeRatio: number;
  maxVolumeRatio: number;
}

export interface DayCounts {
  events: number;
  valid: number;
  invalid: number;
  /** Events repeating an earlier event of the day exactly (id and content): retries, dropped by dedup. */
  duplicate_event_ids: number;
  /** Events reusing an earlier event's id with other content: kept, as the different events they are. */
  conflicting_event_ids: number;
  unknown_movies: number;
}

export interface DayJudgement {
  usable: boolean;
  failures: string[];
  warnings: string[];
  trailing_median?: number;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export interface JudgeOptions {
  /** An operator's override for this day: a volume outside the band is a warning, not a refusal. */
  acceptVolume?: boolean;
}

/**
 * `trailing` holds the event counts of the earlier days in the window that were validated, refused ones
 * included (days without a report are left out). The volume rule compares the day with their median:
 * it catches a partition that lost most of its objects or got replayed several times over, which a
 * single day shows as a jump away from its neighbours. Refused days count because a refusal says the
 * day was not fit to train on, not that its traffic was not real: a lasting step change (10× growth, a
 * big client leaving) is refused while it is new, and becomes the median — so the new normal — once it
 * has lasted more than half the window (with 7 trailing days: refused on its first 4 days, accepted from
 * the 5th). A burst shorter than that never moves the median. Counting only accepted days would refuse
 * such a change forever: the median would stay at the old level because every new day is refused.
 * An operator who knows the change is real accepts a day sooner with `acceptVolume`.
 */
export function judgeDay(counts: DayCounts, trailing: number[], t: ValidationThresholds, options: JudgeOptions = {}): DayJudgement {
  const failures: string[] = [];
  const warnings: string[] = [];
  if (counts.events === 0) {
    failures.push('no events in the partition');
    return { usable: false, failures, warnings };
  }
  const invalidRatio = counts.invalid / counts.events;
  if (invalidRatio > t.maxInvalidRatio) failures.push(`${pct(invalidRatio)} of events fail the schema (at most ${pct(t.maxInvalidRatio)} allowed)`);
  else if (counts.invalid > 0) warnings.push(`${counts.invalid} events fail the schema and will be ignored`);
  if (counts.valid > 0) {
    const unknownRatio = counts.unknown_movies / counts.valid;
    if (unknownRatio > t.maxUnknownMovieRatio) failures.push(`${pct(unknownRatio)} of events name movies missing from the catalog (at most ${pct(t.maxUnknownMovieRatio)} allowed)`);
    else if (counts.unknown_movies > 0) warnings.push(`${counts.unknown_movies} events name movies missing from the catalog`);
  } else {
    failures.push('no valid events in the partition');
  }
  const duplicateRatio = counts.duplicate_event_ids / counts.events;
  if (duplicateRatio > t.maxDuplicateRatio) failures.push(`${pct(duplicateRatio)} of events repeat an event id (at most ${pct(t.maxDuplicateRatio)} allowed)`);
  else if (counts.duplicate_event_ids > 0) warnings.push(`${counts.duplicate_event_ids} events repeat an event id and will be deduplicated`);
  if (counts.conflicting_event_ids > 0) {
    warnings.push(`${counts.conflicting_event_ids} events reuse an event id with other content (another user, movie, rating or time); they are kept as separate events — check how clients make their ids`);
  }
  const trailingMedian = median(trailing);
  if (trailingMedian !== undefined && trailingMedian > 0) {
    const ratio = counts.events / trailingMedian;
    if (ratio < t.minVolumeRatio || ratio > t.maxVolumeRatio) {
      const finding = `volume ${counts.events} is ${ratio.toFixed(2)}× the median of the trailing days (${trailingMedian}); allowed ${t.minVolumeRatio}×–${t.maxVolumeRatio}×`;
      if (options.acceptVolume === true) warnings.push(`${finding}: accepted by the operator's override (accept_volume)`);
      else failures.push(finding);
    }
  } else {
    warnings.push('no earlier days to compare the volume with');
  }
  return { usable: failures.length === 0, failures, warnings, ...(trailingMedian !== undefined ? { trailing_median: trailingMedian } : {}) };
}
