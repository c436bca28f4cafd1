import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import type { FeatureItem, FeatureStore } from '../domain/ports';
import type { MovieFeatures, UserFeatures } from '../recommender/features';
import { heartbeatWhile } from './compute/heartbeating-job';
import type { ActivityDeps } from './deps';
import { readSilverFeatures } from './silver';
import { mergeResultKey, readMergeResult, readPublished, readPublishedShard, readSnapshot, writePublished, writePublishedShard, type FeatureChanges, type PublishedShard } from './silver-state';
import type { PublishPlan, PublishShard, PublishSummary } from './types';

/** How many items of each table are written: items go in a fixed order, so "the first n" is a valid checkpoint. */
export interface PublishProgress {
  users_written: number;
  movies_written: number;
}

/**
 * Upserts into DynamoDB the users and movies that `changes` names, stamped with the run date, after the
 * `done` ones a previous attempt wrote; `progress` follows every batch.
 */
export async function writeChangedFeatures(
  features: FeatureStore,
  run: { runDate: string; updatedAt: string },
  computed: { users: readonly UserFeatures[]; movies: readonly MovieFeatures[] },
  changes: FeatureChanges,
  done: PublishProgress,
  progress: PublishProgress,
): Promise<PublishProgress> {
  const changedUsers = new Set(changes.users);
  const changedMovies = new Set(changes.movies);
  const users = computed.users.filter((u) => changedUsers.has(u.user_id));
  const movies = computed.movies.filter((m) => changedMovies.has(m.movie_id));
  const asItem = (f: UserFeatures | MovieFeatures): FeatureItem => ({ ...f, run_date: run.runDate, updated_at: run.updatedAt });
  progress.users_written = done.users_written;
  progress.movies_written = done.movies_written;
  await features.putUserFeatures(users.slice(done.users_written).map(asItem), (written) => (progress.users_written = done.users_written + written));
  progress.users_written = users.length;
  await features.putMovieFeatures(movies.slice(done.movies_written).map(asItem), (written) => (progress.movies_written = done.movies_written + written));
  progress.movies_written = movies.length;
  return { users_written: users.length, movies_written: movies.length };
}

/** The users and movies whose features the run's silver snapshot changed. */
async function changesOfSnapshot(deps: ActivityDeps, runDate: string): Promise<FeatureChanges> {
  const snapshot = await readSnapshot(deps.store, runDate);
  if (!snapshot) throw ApplicationFailure.nonRetryable(`silver has no snapshot of ${runDate}: its extract stage has not run`, 'InvalidBatchData');
  return readMergeResult(deps.store, mergeResultKey(runDate));
}

/**
 * The DynamoDB side of the extract stage in one activity, as runs started before the writes were
 * sharded call it: writes the features of the users and movies whose features the run's silver
 * snapshot changed, and records that it did (`published.json`), so the next run finds its changes
 * against this snapshot. A retry resumes after the items its last heartbeat counted; a repeated run
 * finds the record and writes nothing.
 */
export function createPublishFeatures(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function publishFeatures(input: { run_date: string }): Promise<PublishSummary> {
    const { store, features } = deps;
    const runDate = input.run_date;
    const done = (activityInfo().heartbeatDetails as PublishProgress | undefined) ?? { users_written: 0, movies_written: 0 };
    const progress: PublishProgress = { ...done };
    return heartbeatWhile(() => progress, async () => {
      const recorded = await readPublished(store, runDate);
      if (recorded) return { run_date: runDate, users_written: 0, movies_written: 0, dynamodb_items: 0, already_published: true };
      const changes = await changesOfSnapshot(deps, runDate);
      const computed = await readSilverFeatures(store, runDate);
      const written = await writeChangedFeatures(features, { runDate, updatedAt: now().toISOString() }, computed, changes, done, progress);
      await writePublished(store, { run_date: runDate, ...written, published_at: now().toISOString() });
      return { run_date: runDate, ...written, dynamodb_items: written.users_written + written.movies_written, already_published: false };
    });
  };
}

type SilverFeatures = Awaited<ReturnType<typeof readSilverFeatures>>;

/** The shard (of `shards`) whose writes hold the user or movie `id`: a multiplicative hash, so consecutive ids spread evenly. */
export function publishShardOf(id: number, shards: number): number {
  return (Math.imul(id, 0x9e3779b1) >>> 0) % shards;
}

/**
 * How the run's DynamoDB writes split: one shard per `publishItemsPerShard` changed users and movies,
 * at most `publishWidth` in flight (each writes with its own bounded concurrency, and one DynamoDB Local
 * refused connections at 10^7 ratings with six shards at once beside the training); none when the run
 * date's features were published before.
 */
export function createPlanPublish(deps: ActivityDeps) {
  return async function planPublish(input: { run_date: string }): Promise<PublishPlan> {
    const runDate = input.run_date;
    const { publishItemsPerShard, publishWidth: width } = deps.settings.shards;
    if (await readPublished(deps.store, runDate)) return { run_date: runDate, already_published: true, users_changed: 0, movies_changed: 0, shards: 0, shard_width: width };
    const changes = await changesOfSnapshot(deps, runDate);
    const items = changes.users.length + changes.movies.length;
    return { run_date: runDate, already_published: false, users_changed: changes.users.length, movies_changed: changes.movies.length, shards: Math.max(1, Math.ceil(items / publishItemsPerShard)), shard_width: width };
  };
}

/**
 * One shard of the run's DynamoDB writes: the changed users and movies whose ids hash to it, upserted
 * after the ones its last attempt's heartbeat counted; recorded when done, so a repeated shard writes
 * nothing. Any worker of the batch's task queue runs it, so the writes spread over the workers.
 */
export function createPublishShard(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  // The shards of a run that one worker writes at once read the run's features once, so that its memory
  // does not grow with the shards in flight beside the training; the last shard done lets them go.
  const reads = new Map<string, { features: Promise<SilverFeatures>; holders: number }>();
  async function withFeatures<T>(runDate: string, use: (computed: SilverFeatures) => Promise<T>): Promise<T> {
    let read = reads.get(runDate);
    if (read === undefined) {
      read = { features: readSilverFeatures(deps.store, runDate), holders: 0 };
      reads.set(runDate, read);
    }
    read.holders++;
    try {
      return await use(await read.features);
    } finally {
      if (--read.holders === 0) reads.delete(runDate);
    }
  }
  return async function publishShard(input: PublishShard): Promise<PublishedShard> {
    const { store, features } = deps;
    const { run_date: runDate, shard, shards } = input;
    const done = (activityInfo().heartbeatDetails as PublishProgress | undefined) ?? { users_written: 0, movies_written: 0 };
    const progress: PublishProgress = { ...done };
    return heartbeatWhile(() => ({ shard, ...progress }), async () => {
      const recorded = await readPublishedShard(store, runDate, shard, shards);
      if (recorded) return recorded;
      const changes = await changesOfSnapshot(deps, runDate);
      const mine = { users: changes.users.filter((id) => publishShardOf(id, shards) === shard), movies: changes.movies.filter((id) => publishShardOf(id, shards) === shard) };
      const written = await withFeatures(runDate, (computed) => writeChangedFeatures(features, { runDate, updatedAt: now().toISOString() }, computed, mine, done, progress));
      const summary = { shard, ...written };
      await writePublishedShard(store, runDate, shards, summary);
      return summary;
    });
  };
}

/** Records that every shard of the run's DynamoDB writes is done (`published.json`), with their totals. */
export function createRecordPublished(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function recordPublished(input: { run_date: string; shards: PublishedShard[] }): Promise<PublishSummary> {
    const runDate = input.run_date;
    const users = input.shards.reduce((sum, shard) => sum + shard.users_written, 0);
    const movies = input.shards.reduce((sum, shard) => sum + shard.movies_written, 0);
    await writePublished(deps.store, { run_date: runDate, users_written: users, movies_written: movies, published_at: now().toISOString() });
    return { run_date: runDate, users_written: users, movies_written: movies, dynamodb_items: users + movies, already_published: false, shards: input.shards.length };
  };
}
