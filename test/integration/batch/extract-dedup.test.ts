import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createExtractFeatures } from '../../../activities/extract-features';
import { readSilverRatings } from '../../../activities/silver';
import type { ExtractSummary } from '../../../activities/types';
import { bronzeDatePrefix } from '../../../domain/bronze';
import { activityDeps, createBatchEnvironment, publishMovies, type BatchEnvironment } from '../../support/batch';

const RUN_DATE = '2024-03-02';
const movies = [1, 2, 3].map((id) => ({ movieId: id, title: `Movie ${id}`, genres: ['Drama'], year: 2000 }));
const event = (fields: { id: string; user: number; movie: number; rating: number; at: string }) =>
  JSON.stringify({ event_id: fields.id, user_id: fields.user, movie_id: fields.movie, rating: fields.rating, timestamp: fields.at });

/** Extract's dedup on the real registry bucket and feature tables: a retry is one event, a reused id is not. */
describe('batch extractFeatures: deduplication by event identity (real MinIO and DynamoDB Local)', function () {
  this.timeout(60_000);
  let env: BatchEnvironment;

  before(async () => {
    env = await createBatchEnvironment();
    await publishMovies(env.store, 'test', movies);
  });
  after(() => env?.close());

  it('drops true retries and keeps two clients’ events that share an id', async () => {
    const prefix = bronzeDatePrefix(env.config.s3.bronzePrefix, RUN_DATE);
    const retried = event({ id: 'shared-1', user: 7, movie: 1, rating: 4, at: '2024-03-01T10:00:00.000Z' });
    // Another client's event with the same id: a different user's rating, and a different movie of user 7.
    const otherUser = event({ id: 'shared-1', user: 8, movie: 2, rating: 2.5, at: '2024-03-01T10:00:00.000Z' });
    const otherMovie = event({ id: 'shared-1', user: 7, movie: 3, rating: 5, at: '2024-03-01T11:00:00.000Z' });
    await env.store.put(`${prefix}user-events-p0-a.jsonl`, `${retried}\n${otherUser}\n`, 'application/x-ndjson');
    await env.store.put(`${prefix}user-events-p0-b.jsonl`, `${otherMovie}\n${retried}\n`, 'application/x-ndjson');

    const extract = createExtractFeatures(activityDeps(env));
    const summary = await new MockActivityEnvironment().run<[{ run_date: string }], ExtractSummary, typeof extract>(extract, { run_date: RUN_DATE });
    assert.equal(summary.events_read, 4);
    assert.equal(summary.duplicates_dropped, 1, 'only the identical copy is a duplicate');
    assert.equal(summary.ratings, 3);

    const silver = await readSilverRatings(env.store, summary.ratings_prefix);
    const rows = Array.from(silver.userIds, (user, i) => `${user}:${silver.movieIds[i]}:${silver.ratings[i]}`).sort();
    assert.deepEqual(rows, ['7:1:4', '7:3:5', '8:2:2.5']);
  });

  it('caps a timestamp in the future at the end of its ingestion date, so a later real rating still wins', async () => {
    const date = '2024-03-05';
    const prefix = bronzeDatePrefix(env.config.s3.bronzePrefix, date);
    const future = event({ id: 'far-future', user: 9, movie: 1, rating: 1, at: '2099-01-01T00:00:00.000Z' });
    await env.store.put(`${prefix}user-events-p0-a.jsonl`, `${future}\n`, 'application/x-ndjson');
    const nextDay = bronzeDatePrefix(env.config.s3.bronzePrefix, '2024-03-07');
    const real = event({ id: 'real', user: 9, movie: 1, rating: 5, at: '2024-03-07T09:00:00.000Z' });
    await env.store.put(`${nextDay}user-events-p0-b.jsonl`, `${real}\n`, 'application/x-ndjson');

    const extract = createExtractFeatures(activityDeps(env));
    const summary = await new MockActivityEnvironment().run<[{ run_date: string }], ExtractSummary, typeof extract>(extract, { run_date: '2024-03-07' });
    const silver = await readSilverRatings(env.store, summary.ratings_prefix);
    const row = Array.from(silver.userIds).findIndex((user, i) => user === 9 && silver.movieIds[i] === 1);
    assert.equal(silver.ratings[row], 5, 'the real rating of two days later replaced the one dated 2099');
    assert.ok(silver.timestamps[row]! < Date.parse('2024-03-08T00:00:00Z') / 1000);
  });
});
