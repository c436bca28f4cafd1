import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import type { FeatureItem, FeatureStore } from '../domain/ports';
import type { MovieFeatures, UserFeatures } from '../recommender/features';
import { heartbeatWhile } from './compute/heartbeating-job';
import type { ActivityDeps } from './deps';
import { readSilverFeatures } from './silver';
import { mergeResultKey, readMergeResult, readPublished, readSnapshot, writePublished, type FeatureChanges } from './silver-state';
import type { PublishSummary } from './types';

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

/**
 * The DynamoDB side of the extract stage, run beside the training: writes the features of the users and
 * movies whose features the run's silver snapshot changed, and records that it did (`published.json`),
 * so the next run finds its changes against this snapshot. A retry resumes after the items its last
 * heartbeat counted; a repeated run finds the record and writes nothing.
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
      const snapshot = await readSnapshot(store, runDate);
      if (!snapshot) throw ApplicationFailure.nonRetryable(`silver has no snapshot of ${runDate}: its extract stage has not run`, 'InvalidBatchData');
      const changes = await readMergeResult(store, mergeResultKey(runDate));
      const computed = await readSilverFeatures(store, runDate);
      const written = await writeChangedFeatures(features, { runDate, updatedAt: now().toISOString() }, computed, changes, done, progress);
      await writePublished(store, { run_date: runDate, ...written, published_at: now().toISOString() });
      return { run_date: runDate, ...written, dynamodb_items: written.users_written + written.movies_written, already_published: false };
    });
  };
}
