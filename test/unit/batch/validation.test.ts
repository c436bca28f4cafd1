import assert from 'node:assert/strict';
import { judgeDay, median, type ValidationThresholds } from '../../../domain/validation';

const t: ValidationThresholds = { maxInvalidRatio: 0.05, maxUnknownMovieRatio: 0.05, maxDuplicateRatio: 0.5, trailingDays: 7, minVolumeRatio: 0.1, maxVolumeRatio: 10 };
const clean = { events: 1000, valid: 1000, invalid: 0, duplicate_event_ids: 0, conflicting_event_ids: 0, unknown_movies: 0 };

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

  it('accepts a lasting step change once it has lasted more than half the window, refused days included', () => {
    // Ten ordinary days, then traffic grows 20× and stays there.
    const volumes = [...Array.from({ length: 10 }, () => 1000), ...Array.from({ length: 10 }, () => 20_000)];
    const usable = volumes.map((events, day) => judgeDay({ ...clean, events, valid: events }, volumes.slice(Math.max(0, day - t.trailingDays), day), t).usable);
    assert.deepEqual(usable.slice(10), [false, false, false, false, true, true, true, true, true, true], 'refused on its first 4 days, accepted from the 5th on');
    assert.ok(usable.slice(0, 10).every(Boolean));
  });

  it('a burst shorter than half the window does not move the median', () => {
    const volumes = [1000, 1000, 1000, 1000, 1000, 30_000, 30_000, 30_000, 1000];
    const last = judgeDay({ ...clean, events: 1000 }, volumes.slice(-1 - t.trailingDays, -1), t);
    assert.equal(last.trailing_median, 1000);
    assert.equal(last.usable, true);
  });

  it('accepts an out-of-band volume when an operator overrides it for the day, and says so', () => {
    const judgement = judgeDay({ ...clean, events: 50_000, valid: 50_000 }, [1000, 1000, 1000], t, { acceptVolume: true });
    assert.equal(judgement.usable, true);
    assert.deepEqual(judgement.failures, []);
    assert.match(judgement.warnings.join('\n'), /volume 50000 is 50\.00× the median .*: accepted by the operator's override \(accept_volume\)/);
    assert.equal(judgeDay({ ...clean, valid: 900, invalid: 100 }, [], t, { acceptVolume: true }).usable, false, 'the override covers the volume only');
  });

  it('computes the median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(median([]), undefined);
  });
});
