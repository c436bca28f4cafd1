import { activityInfo, heartbeat } from '@temporalio/activity';
import { extendWatermark, type BronzeWatermark } from '../domain/bronze';
import { decodeParsedEvents, parseBronzeObject, partitionDate, type ParsedEvents } from '../domain/bronze-object';
import { HashedIdSet } from '../domain/hashed-id-set';
import { RatingCollector } from '../recommender/ratings-table';
import type { MovieFeatures, UserFeatures } from '../recommender/features';
import { defaultHybridParams } from '../recommender/hybrid';
import { readCatalog } from './catalog';
import { heartbeatWhile, runJobWithHeartbeats, throwIfCancelled } from './compute/heartbeating-job';
import type { ActivityDeps } from './deps';
import { toRecommenderMovies } from './movies';
import { readSilverFeatures, readSilverRatings, silverPrefix, writeSilverFeatures, writeSilverRatingColumns, writeSilverRatings } from './silver';
import { writeChangedFeatures } from './publish-features';
import { clearPublished, featureChanges, parsedEventsKey, latestPublishedSnapshotBefore, latestSnapshotBefore, readEventIds, readMergeResult, readSnapshot, writeMergeResult, writeEventIds, writeSnapshot, type MergeResult } from './silver-state';
import type { ExtractSummary } from './types';

const decoder = new TextDecoder();

/** Where a previous attempt got to; a retry skips what is already durable. */
interface ExtractCheckpoint {
  phase: 'read' | 'silver-written' | 'dynamodb';
  counts?: Pick<ExtractSummary, 'events_read' | 'duplicates_dropped' | 'ratings' | 'users' | 'movies'>;
  keys?: { user_features_key: string; movie_features_key: string; event_ids_key: string; merge_result_key: string };
  merge?: { kind: 'full' | 'incremental'; base_run_date: string | null; objects_merged: number };
  users_written?: number;
  movies_written?: number;
}


export interface ExtractInput {
  run_date: string;
  /** Rebuild silver from every bronze object instead of merging the new ones into the previous snapshot. */
  full_rebuild?: boolean;
  /**
   * `separately`: leave the DynamoDB writes to the publishFeatures stage (the workflow runs it beside the
   * training). Without it the stage writes them itself, as runs started before that stage existed expect.
   */
  publish?: 'separately';
  /**
   * `separately`: write the ratings as typed columns only, and leave their parquet table to
   * writeRatingsParquet (the workflow runs it beside the training). Without it the stage writes both.
   */
  ratings_parquet?: 'separately';
}

/**
 * Keeps silver as the running, deduplicated state: merges the bronze objects up to the run date that the
 * previous snapshot (the latest of an earlier date, see silver-state.ts) has not merged into its
 * ratings — deduplicated by event identity (`eventIdentity`: id and content) against every event ever
 * merged, the latest rating per (user, movie) kept — recomputes the features from the merged ratings,
 * writes silver parquet, and upserts into DynamoDB the users and movies whose features changed since the
 * last snapshot whose features are all in DynamoDB (or leaves that to publishFeatures). With
 * `full_rebuild`, or without an earlier snapshot, it reads every bronze object and writes every item. A
 * repeated run that finds no object it has not merged returns its snapshot's summary and writes nothing.
 */
export function createExtractFeatures(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  /** An object's valid events: as the validation shards stored them, or parsed from its JSON lines. */
  const validEventsOf = async (key: string): Promise<ParsedEvents> => {
    const parsed = await deps.store.get(parsedEventsKey(key));
    if (parsed !== undefined) return decodeParsedEvents(parsed);
    const bytes = await deps.store.get(key);
    if (bytes === undefined) throw new Error(`bronze object ${key} vanished while it was merged`);
    return parseBronzeObject(key, decoder.decode(bytes), 0).valid;
  };
  return async function extractFeatures(input: ExtractInput): Promise<ExtractSummary> {
    const { store, features, settings } = deps;
    const runDate = input.run_date;
    const fullRebuild = input.full_rebuild === true;
    const separately = input.publish === 'separately';
    const checkpoint = activityInfo().heartbeatDetails as ExtractCheckpoint | undefined;
    // What the periodic heartbeat carries: the phase reached and, once durable, what a retry may skip.
    let progress: ExtractCheckpoint & { objects?: number; events?: number } = { phase: 'read', objects: 0, events: 0 };

    return heartbeatWhile(() => progress, async () => {
      const listed: string[] = [];
      for await (const object of store.list(`${settings.bronzePrefix}/`)) {
        const date = partitionDate(object.key);
        if (date !== undefined && date <= runDate) listed.push(object.key);
      }
      const own = fullRebuild ? undefined : await readSnapshot(store, runDate);
      if (own) {
        const ownObjects = new Set(own.bronze_objects);
        if (listed.every((key) => ownObjects.has(key))) {
          return { ...own.summary, merge: 'up-to-date', objects_merged: 0, events_read: 0, duplicates_dropped: 0, users_changed: 0, movies_changed: 0, users_written: 0, movies_written: 0, dynamodb_items: 0 };
        }
      }

      let users: UserFeatures[];
      let movies: MovieFeatures[];
      let counts: NonNullable<ExtractCheckpoint['counts']>;
      let keys: NonNullable<ExtractCheckpoint['keys']>;
      let merge: NonNullable<ExtractCheckpoint['merge']>;
      let merged: MergeResult;
      if (checkpoint?.counts && checkpoint.keys && checkpoint.merge && checkpoint.phase !== 'read') {
        // Silver is already written: read the features back instead of merging again.
        ({ users, movies } = await readSilverFeatures(store, runDate));
        ({ counts, keys, merge } = checkpoint);
        merged = await readMergeResult(store, keys.merge_result_key);
      } else {
        // Never this date's own snapshot: a run rewrites it, so it must not read from it.
        const base = fullRebuild ? undefined : await latestSnapshotBefore(store, runDate);
        const alreadyMerged = new Set(base?.bronze_objects ?? []);
        const toMerge = listed.filter((key) => !alreadyMerged.has(key));
        const seen = base ? await readEventIds(store, base) : new HashedIdSet(1 << 16);
        const collector = new RatingCollector();
        if (base) {
          // The previous snapshot's ratings come first, so a new rating wins a tie in time.
          const previous = await readSilverRatings(store, base.summary.ratings_prefix);
          for (let k = 0; k < previous.userIds.length; k++) collector.add(previous.userIds[k]!, previous.movieIds[k]!, previous.ratings[k]!, previous.timestamps[k]!);
        }
        let eventsRead = 0;
        let duplicates = 0;
        let objects = 0;
        for (const key of toMerge) {
          throwIfCancelled();
          objects++;
          const events = await validEventsOf(key);
          eventsRead += events.userIds.length;
          for (let k = 0; k < events.userIds.length; k++) {
            if (!seen.addHash(events.identityHashes[2 * k]!, events.identityHashes[2 * k + 1]!)) {
              duplicates++;
              continue;
            }
            collector.add(events.userIds[k]!, events.movieIds[k]!, events.ratings[k]!, events.orderingTimes[k]!);
          }
          progress = { phase: 'read', objects, events: eventsRead };
        }
        // Merged (a retry that needs them again parses the JSON): the validation shards' copies can go.
        for (const key of toMerge) await store.delete(parsedEventsKey(key));
        const catalog = toRecommenderMovies(await readCatalog(store));
        const collected = collector.collected();
        // The same Bayesian prior as the recommender's rerank, so features and rankings agree.
        const computed = await runJobWithHeartbeats(
          'features',
          { collected, movies: catalog, priorWeight: defaultHybridParams.priorWeight },
          progress,
          [collected.userIds.buffer, collected.movieIds.buffer, collected.ratings.buffer, collected.timestamps.buffer] as ArrayBuffer[],
        );
        const table = computed.table;
        ({ users, movies } = computed);
        throwIfCancelled();
        // Against what DynamoDB holds: a snapshot whose own writes never finished leaves its changes to this run.
        const published = fullRebuild ? undefined : await latestPublishedSnapshotBefore(store, runDate);
        const changes = published ? featureChanges(await readSilverFeatures(store, published.run_date), { users, movies }) : { users: users.map((u) => u.user_id), movies: movies.map((m) => m.movie_id) };
        // This date's silver is about to change: what an earlier publishing of it wrote is no longer all of it.
        await clearPublished(store, runDate);
        if (input.ratings_parquet === 'separately') await writeSilverRatingColumns(store, runDate, table);
        else await writeSilverRatings(store, runDate, table);
        const written = await writeSilverFeatures(store, runDate, users, movies);
        // With the objects merged: a retry that lists objects arrived since must not count them as merged.
        merged = { ...changes, bronze_objects: listed };
        keys = {
          user_features_key: written.userKey,
          movie_features_key: written.movieKey,
          event_ids_key: await writeEventIds(store, runDate, seen),
          merge_result_key: await writeMergeResult(store, runDate, merged),
        };
        counts = { events_read: eventsRead, duplicates_dropped: duplicates, ratings: table.userIds.length, users: users.length, movies: movies.length };
        merge = { kind: base ? 'incremental' : 'full', base_run_date: base?.run_date ?? null, objects_merged: toMerge.length };
        progress = { phase: 'silver-written', counts, keys, merge };
        heartbeat(progress);
      }

      const watermark: BronzeWatermark = {};
      for (const key of merged.bronze_objects) extendWatermark(watermark, key);
      const usersDone = checkpoint?.phase === 'dynamodb' ? (checkpoint.users_written ?? 0) : 0;
      const moviesDone = checkpoint?.phase === 'dynamodb' ? (checkpoint.movies_written ?? 0) : 0;
      const upsert = { phase: 'dynamodb' as const, counts, keys, merge, users_written: usersDone, movies_written: moviesDone };
      let written = { users_written: 0, movies_written: 0 };
      if (!separately) {
        progress = upsert;
        written = await writeChangedFeatures(features, { runDate, updatedAt: now().toISOString() }, { users, movies }, merged, { users_written: usersDone, movies_written: moviesDone }, upsert);
      }

      const summary: ExtractSummary = {
        run_date: runDate,
        ratings_prefix: silverPrefix('ratings', runDate),
        user_features_key: keys.user_features_key,
        movie_features_key: keys.movie_features_key,
        ...counts,
        merge: merge.kind,
        ...(merge.base_run_date !== null ? { base_run_date: merge.base_run_date } : {}),
        objects_merged: merge.objects_merged,
        users_changed: merged.users.length,
        movies_changed: merged.movies.length,
        ...written,
        dynamodb_items: written.users_written + written.movies_written,
        bronze_watermark: watermark,
      };
      await writeSnapshot(store, {
        run_date: runDate,
        base_run_date: merge.base_run_date,
        bronze_objects: merged.bronze_objects,
        event_ids_key: keys.event_ids_key,
        summary,
        ...(separately ? { features_publish: 'separately' as const } : {}),
      });
      return summary;
    });
  };
}
