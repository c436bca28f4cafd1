import assert from 'node:assert/strict';
import { judgeDay, median, type ValidationThresholds } from '../../../domain/validation';

const t: ValidationThresholds = { maxInvalidRatio: 0.05, maxUnknownMovieRatio: 0.05, maxDuplicateRatio: 0.5, trailingDays: 7, minVolumeRatio: 0.1, maxVolumeRatio: 10 };
const clean = { events: 1000, valid: 1000, invalid: 0, duplicate_event_ids: 0, unknown_movies: 0 };

describe('domain/validation: is a day of events fit to train on', () => {
  it('takes a clean day, and says when there is no history to compare the volume with', () => {
    const j = judgeDay(clean, [], t);
    assert.equal(j.usable, true);
    assert.deepEqual(j.warnings, ['no earlier days to compare the volume with']);
  });

  it('refuses an empty day', () => {
    assert.deepEqual(judgeDay({ ...clean, events: 0, valid: 0 }, [], t).failures, ['no events in the partition']);
  });

  it('refuses too many schema failures and warns below the threshold', () => {
    assert.deepEqual(judgeDay({ ...clean, valid: 900, invalid: 100 }, [], t).failures, ['10.00% of events fail the schema (at most 5.00% allowed)']);
    const few = judgeDay({ ...clean, valid: 990, invalid: 10 }, [], t);
    assert.equal(few.usable, true);
    assert.ok(few.warnings.includes('10 events fail the schema and will be ignored'));
  });

  it('refuses too many unknown movies, measured against the valid events', () => {
    assert.deepEqual(judgeDay({ ...clean, valid: 500, invalid: 0, unknown_movies: 30 }, [], t).failures, ['6.00% of events name movies missing from the catalog (at most 5.00% allowed)']);
  });

  it('refuses a volume far from the trailing median, either way', () => {
    const low = judgeDay(clean, [20_000, 12_000, 11_000], t);
    assert.equal(low.trailing_median, 12_000);
    assert.match(low.failures[0]!, /volume 1000 is 0\.08× the median of the trailing days \(12000\)/);
    assert.equal(judgeDay(clean, [50, 80], t).usable, false);
    assert.equal(judgeDay(clean, [900, 1100], t).usable, true);
  });

  it('computes the median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(median([]), undefined);
  });
});
