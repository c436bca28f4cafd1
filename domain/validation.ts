/** The rules that decide whether one day of bronze events is fit to train on. */

export interface ValidationThresholds {
  /** Share of lines that fail the event schema above which the day is refused. */
  maxInvalidRatio: number;
  /** Share of valid events naming a movie the catalog does not have. */
  maxUnknownMovieRatio: number;
  /** Share of events repeating an event id already seen that day (at-least-once delivery makes some). */
  maxDuplicateRatio: number;
  /** How many earlier days the volume is compared with. */
  trailingDays: number;
  /** The day's volume must lie within [min, max] × the trailing median. */
  minVolumeRatio: number;
  maxVolumeRatio: number;
}

export interface DayCounts {
  events: number;
  valid: number;
  invalid: number;
  duplicate_event_ids: number;
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

/** `trailing` holds the event counts of the earlier days that had data (days without a report are left out). */
export function judgeDay(counts: DayCounts, trailing: number[], t: ValidationThresholds): DayJudgement {
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
  const trailingMedian = median(trailing);
  if (trailingMedian !== undefined && trailingMedian > 0) {
    const ratio = counts.events / trailingMedian;
    if (ratio < t.minVolumeRatio || ratio > t.maxVolumeRatio) {
      failures.push(`volume ${counts.events} is ${ratio.toFixed(2)}× the median of the trailing days (${trailingMedian}); allowed ${t.minVolumeRatio}×–${t.maxVolumeRatio}×`);
    }
  } else {
    warnings.push('no earlier days to compare the volume with');
  }
  return { usable: failures.length === 0, failures, warnings, ...(trailingMedian !== undefined ? { trailing_median: trailingMedian } : {}) };
}
