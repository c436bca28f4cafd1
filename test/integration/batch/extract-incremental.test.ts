import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createExtractFeatures, type ExtractInput } from '../../../activities/extract-features';
import { createPlanPublish, createPublishFeatures, createPublishShard, createRecordPublished, publishShardOf } from '../../../activities/publish-features';
import { batchSettings } from '../../../activities/settings';
import { readSilverRatings } from '../../../activities/silver';
import { readPublished, readSnapshot, type PublishedShard } from '../../../activities/silver-state';
import type { ExtractSummary, PublishPlan, PublishShard, PublishSummary } from '../../../activities/types';
import { bronzeDatePrefix } from '../../../domain/bronze';
import type { ObjectStore } from '../../../domain/ports';
import { loadMovieLens100k } from '../../../recommender/data/movielens';
import { selectRows } from '../../../recommender/types';
import { activityDeps, createBatchEnvironment, landRatings, publishMovies, type BatchEnvironment } from '../../support/batch';
import { testConfig } from '../../support/config';

const ml100k = loadMovieLens100k(`${testConfig().movielensDir}/ml-100k`);
const rowsOf = (users: (user: number) => boolean) => {
  const rows: number[] = [];
  ml100k.ratings.userIds.forEach((user, k) => users(user) && rows.push(k));
  return selectRows(ml100k.ratings, rows);
};
const eventLine = (fields: { id: string; user: number; movie: number; rating: number; at: string }) =>
  JSON.stringify({ event_id: fields.id, user_id: fields.user, movie_id: fields.movie, rating: fields.rating, timestamp: fields.at });

/** Silver as comparable text: one `user:movie:rating:time` row per rating, sorted. */
async function silverRows(env: BatchEnvironment, prefix: string): Promise<string[]> {
  const table = await readSilverRatings(env.store, prefix);
  return Array.from(table.userIds, (user, k) => `${user}:${table.movieIds[k]}:${table.ratings[k]}:${table.timestamps[k]}`).sort();
}

/** Incremental silver on the real registry bucket and feature tables. */
describe('batch extractFeatures: incremental silver (real MinIO and DynamoDB Local)', function () {
  this.timeout(180_000);
  const [day1, day2, day3, day4, day5, day6, day7] = ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05', '2024-05-06', '2024-05-07'];
  let env: BatchEnvironment;
  const extract = (input: ExtractInput) => {
    const activity = createExtractFeatures(activityDeps(env));
    return new MockActivityEnvironment().run<[ExtractInput], ExtractSummary, typeof activity>(activity, input);
  };
  const publish = (input: { run_date: string }) => {
    const activity = createPublishFeatures(activityDeps(env));
    return new MockActivityEnvironment().run<[{ run_date: string }], PublishSummary, typeof activity>(activity, input);
  };

  before(async () => {
    env = await createBatchEnvironment();
    await publishMovies(env.store, 'ml-100k', ml100k.movies);
  });
  after(() => env?.close());

  it('merges only the objects no earlier snapshot holds, gives the silver a full rebuild gives, and writes only changed features', async () => {
    const firstUsers = rowsOf((user) => user <= 60);
    await landRatings(env.store, env.config.s3.bronzePrefix, day1, firstUsers, { objects: 3, idPrefix: 'day1' });
    const first = await extract({ run_date: day1 });
    assert.equal(first.merge, 'full');
    assert.equal(first.objects_merged, 3);
    assert.equal(first.users_written, 60);
    assert.equal(first.ratings, firstUsers.userIds.length);

    // Day 2: twenty new users, user 1 changes a rating, and a redelivered copy of a day-1 event.
    await landRatings(env.store, env.config.s3.bronzePrefix, day2, rowsOf((user) => user > 60 && user <= 80), { objects: 2, idPrefix: 'day2' });
    const movieOfUser1 = firstUsers.movieIds[firstUsers.userIds.indexOf(1)]!;
    const redelivered = eventLine({ id: 'day1-0', user: firstUsers.userIds[0]!, movie: firstUsers.movieIds[0]!, rating: firstUsers.ratings[0]!, at: new Date(firstUsers.timestamps[0]! * 1000).toISOString() });
    const rerated = eventLine({ id: 'day2-rerate', user: 1, movie: movieOfUser1, rating: 0.5, at: '2024-05-02T08:00:00.000Z' });
    await env.store.put(`${bronzeDatePrefix(env.config.s3.bronzePrefix, day2)}test-p0-extra.jsonl`, `${redelivered}\n${rerated}\n`, 'application/x-ndjson');

    const second = await extract({ run_date: day2 });
    assert.equal(second.merge, 'incremental');
    assert.equal(second.base_run_date, day1);
    assert.equal(second.objects_merged, 3, 'only day 2’s objects are read');
    assert.equal(second.duplicates_dropped, 1, 'the redelivered day-1 event is known from the snapshot’s event ids');
    assert.equal(second.users, 80);
    assert.equal(second.users_written, 21, 'the twenty new users and user 1');
    assert.equal((await env.features.getUserFeatures(2))?.run_date, day1, 'an unchanged user’s item is not rewritten');
    assert.equal((await env.features.getUserFeatures(1))?.run_date, day2);
    assert.equal((await env.features.getUserFeatures(75))?.run_date, day2);
    const incremental = await silverRows(env, second.ratings_prefix);
    assert.ok(incremental.some((row) => row.startsWith(`1:${movieOfUser1}:0.5:`)), 'the later rating replaced the earlier one');

    const repeated = await extract({ run_date: day2 });
    assert.equal(repeated.merge, 'up-to-date');
    assert.equal(repeated.objects_merged, 0);
    assert.equal(repeated.dynamodb_items, 0);
    assert.equal(repeated.ratings, second.ratings);

    const rebuilt = await extract({ run_date: day2, full_rebuild: true });
    assert.equal(rebuilt.merge, 'full');
    assert.equal(rebuilt.objects_merged, 6);
    assert.equal(rebuilt.duplicates_dropped, 1);
    assert.deepEqual(await silverRows(env, rebuilt.ratings_prefix), incremental, 'a full rebuild gives the same silver');
    assert.deepEqual(rebuilt.bronze_watermark, second.bronze_watermark);
  });

  it('merges an object that arrived late in a partition an earlier run already read', async () => {
    const late = eventLine({ id: 'late-1', user: 500, movie: 1, rating: 4, at: '2024-05-01T23:00:00.000Z' });
    await env.store.put(`${bronzeDatePrefix(env.config.s3.bronzePrefix, day1)}test-p0-late.jsonl`, `${late}\n`, 'application/x-ndjson');
    const third = await extract({ run_date: day3 });
    assert.equal(third.merge, 'incremental');
    assert.equal(third.base_run_date, day2);
    assert.equal(third.objects_merged, 1);
    assert.equal(third.users_written, 1);
    assert.ok((await silverRows(env, third.ratings_prefix)).some((row) => row.startsWith('500:1:4:')));
    const snapshot = await readSnapshot(env.store, day3);
    assert.ok(snapshot?.bronze_objects.some((key) => key.endsWith('test-p0-late.jsonl')));
  });

  it('leaves the DynamoDB writes to publishFeatures when asked, and a later run writes what a publishing that never ran left out', async () => {
    await landRatings(env.store, env.config.s3.bronzePrefix, day4, rowsOf((user) => user > 80 && user <= 90), { objects: 1, idPrefix: 'day4' });
    const fourth = await extract({ run_date: day4, publish: 'separately' });
    assert.equal(fourth.users_changed, 10);
    assert.equal(fourth.users_written, 0);
    assert.equal(await env.features.getUserFeatures(85), undefined, 'nothing in DynamoDB before the publishing');
    const published = await publish({ run_date: day4 });
    assert.equal(published.users_written, 10);
    assert.equal(published.movies_written, fourth.movies_changed);
    assert.equal((await env.features.getUserFeatures(85))?.run_date, day4);
    assert.deepEqual(await publish({ run_date: day4 }), { run_date: day4, users_written: 0, movies_written: 0, dynamodb_items: 0, already_published: true });

    // Day 5's publishing never runs; day 6 finds its changes against day 4, the last snapshot DynamoDB has.
    await landRatings(env.store, env.config.s3.bronzePrefix, day5, rowsOf((user) => user > 90 && user <= 95), { objects: 1, idPrefix: 'day5' });
    assert.equal((await extract({ run_date: day5, publish: 'separately' })).users_changed, 5);
    await landRatings(env.store, env.config.s3.bronzePrefix, day6, rowsOf((user) => user > 95 && user <= 100), { objects: 1, idPrefix: 'day6' });
    const sixth = await extract({ run_date: day6, publish: 'separately' });
    assert.equal(sixth.base_run_date, day5, 'the ratings merge onto day 5’s snapshot');
    assert.equal(sixth.users_changed, 10, 'day 5’s users as well as day 6’s');
    await publish({ run_date: day6 });
    assert.equal((await env.features.getUserFeatures(93))?.run_date, day6);
    assert.equal((await env.features.getUserFeatures(98))?.run_date, day6);
  });

  it('splits the DynamoDB writes into shards by id hash, each written once, and records them when all are done', async () => {
    await landRatings(env.store, env.config.s3.bronzePrefix, day7, rowsOf((user) => user > 100 && user <= 130), { objects: 1, idPrefix: 'day7' });
    const seventh = await extract({ run_date: day7, publish: 'separately' });
    // Counts the reads of the run's user features: the shards one worker runs at once read them once.
    let featureReads = 0;
    const base = env.store;
    const store: ObjectStore = {
      put: (...args) => base.put(...args),
      get: (...args) => base.get(...args),
      head: (key) => base.head(key),
      list: (prefix) => {
        if (prefix.includes('user_features') && prefix.includes(day7)) featureReads++;
        return base.list(prefix);
      },
      lines: (key) => base.lines(key),
      chunks: (key) => base.chunks(key),
      delete: (key) => base.delete(key),
    };
    const deps = activityDeps(env, { store, settings: { ...batchSettings(env.config), shards: { ...batchSettings(env.config).shards, publishItemsPerShard: 25 } } });
    const run = <I, O>(activity: (input: I) => Promise<O>, input: I) => new MockActivityEnvironment().run<[I], O, typeof activity>(activity, input);
    const plan = await run<{ run_date: string }, PublishPlan>(createPlanPublish(deps), { run_date: day7 });
    assert.deepEqual([plan.users_changed, plan.movies_changed], [30, seventh.movies_changed]);
    assert.equal(plan.shards, Math.ceil((30 + seventh.movies_changed) / 25));
    assert.ok(plan.shards > 1);

    const publishShard = createPublishShard(deps);
    const shards = await Promise.all(Array.from({ length: plan.shards }, (_, shard) => run<PublishShard, PublishedShard>(publishShard, { run_date: day7, shard, shards: plan.shards })));
    assert.equal(featureReads, 1, 'the shards in flight on one worker read the features once');
    const usersByShard = shards.map((s) => s.users_written);
    assert.deepEqual(usersByShard, Array.from({ length: plan.shards }, (_, shard) => Array.from({ length: 30 }, (_, k) => 101 + k).filter((id) => publishShardOf(id, plan.shards) === shard).length));
    assert.equal(shards.reduce((sum, s) => sum + s.movies_written, 0), seventh.movies_changed);
    for (let user = 101; user <= 130; user++) assert.equal((await env.features.getUserFeatures(user))?.run_date, day7, `user ${user}`);
    // A shard run again (a retry after it finished) finds its record and writes nothing new.
    assert.deepEqual(await run<PublishShard, PublishedShard>(createPublishShard(deps), { run_date: day7, shard: 0, shards: plan.shards }), shards[0]);
    assert.equal(await readPublished(env.store, day7), undefined, 'not recorded before every shard is done');

    const summary = await run<{ run_date: string; shards: PublishedShard[] }, PublishSummary>(createRecordPublished(deps), { run_date: day7, shards });
    assert.deepEqual(summary, { run_date: day7, users_written: 30, movies_written: seventh.movies_changed, dynamodb_items: 30 + seventh.movies_changed, already_published: false, shards: plan.shards });
    assert.equal((await readPublished(env.store, day7))?.users_written, 30);
    assert.equal((await run<{ run_date: string }, PublishPlan>(createPlanPublish(deps), { run_date: day7 })).already_published, true);
  });
});
