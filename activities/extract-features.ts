import { activityInfo, heartbeat } from '@temporalio/activity';
import { extendWatermark, type BronzeWatermark } from '../domain/bronze';
import { parseStoredEvent } from '../domain/events';
import { eventIdentity } from '../domain/event-identity';
import { endOfIngestionDate, orderingTime } from '../domain/event-time';
import { HashedIdSet } from '../domain/hashed-id-set';
import { RatingCollector } from '../recommender/ratings-table';
import type { FeatureItem } from '../domain/ports';
import type { MovieFeatures, UserFeatures } from '../recommender/features';
import { defaultHybridParams } from '../recommender/hybrid';
import { readCatalog } from './catalog';
import { heartbeatWhile, runJobWithHeartbeats, throwIfCancelled } from './compute/heartbeating-job';
import type { ActivityDeps } from './deps';
import { toRecommenderMovies } from './movies';
import { readSilverFeatures, silverPrefix, writeSilverFeatures, writeSilverRatings } from './silver';
import type { ExtractSummary } from './types';

/** Where a previous attempt got to; a retry skips what is already durable. */
interface ExtractCheckpoint {
  phase: 'read' | 'silver-written' | 'dynamodb';
  counts?: Omit<ExtractSummary, 'run_date' | 'ratings_prefix' | 'user_features_key' | 'movie_features_key' | 'dynamodb_items' | 'bronze_watermark'>;
  watermark?: BronzeWatermark;
  keys?: { user_features_key: string; movie_features_key: string };
  users_written?: number;
  movies_written?: number;
}

/** `dt=YYYY-MM-DD/` of a bronze key, or undefined. */
function partitionDate(key: string): string | undefined {
  return /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
}

/**
 * Reads all bronze up to the run date with bounded memory (line by line, ratings kept in typed arrays),
 * deduplicates by event identity (`eventIdentity`: id and content), keeps the latest rating per (user, movie), writes silver parquet, and
 * upserts the user and movie features into DynamoDB. A rerun for the same date writes the same objects
 * and items again.
 */
export function createExtractFeatures(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function extractFeatures(input: { run_date: string }): Promise<ExtractSummary> {
    const { store, features, settings } = deps;
    const runDate = input.run_date;
    const checkpoint = activityInfo().heartbeatDetails as ExtractCheckpoint | undefined;
    // What the periodic heartbeat carries: the phase reached and, once durable, what a retry may skip.
    let progress: ExtractCheckpoint & { objects?: number; events?: number } = { phase: 'read', objects: 0, events: 0 };

    return heartbeatWhile(() => progress, async () => {
      let users: UserFeatures[];
      let movies: MovieFeatures[];
      let counts: NonNullable<ExtractCheckpoint['counts']>;
      let keys: NonNullable<ExtractCheckpoint['keys']>;
      let watermark: BronzeWatermark;
      if (checkpoint?.counts && checkpoint.keys && checkpoint.watermark && checkpoint.phase !== 'read') {
        // Silver is already written: read the features back instead of reading all of bronze again.
        ({ users, movies } = await readSilverFeatures(store, runDate));
        counts = checkpoint.counts;
        keys = checkpoint.keys;
        watermark = checkpoint.watermark;
      } else {
        watermark = {};
        const seen = new HashedIdSet(1 << 16);
        const collector = new RatingCollector();
        let eventsRead = 0;
        let duplicates = 0;
        let objects = 0;
        for await (const object of store.list(`${settings.bronzePrefix}/`)) {
          const date = partitionDate(object.key);
          if (date === undefined || date > runDate) continue;
          throwIfCancelled();
          objects++;
          extendWatermark(watermark, object.key);
          // Per object only the ingestion date is known, so a timestamp is capped at that day's end (plus the skew).
          const acceptedBy = endOfIngestionDate(date);
          for await (const line of store.lines(object.key)) {
            if (line.trim() === '') continue;
            let raw: unknown;
            try {
              raw = JSON.parse(line);
            } catch {
              continue;
            }
            const parsed = parseStoredEvent(raw);
            if (!parsed.ok) continue;
            eventsRead++;
            const event = parsed.event;
            if (!seen.add(eventIdentity(event))) {
              duplicates++;
              continue;
            }
            collector.add(event.user_id, event.movie_id, event.rating, orderingTime(Date.parse(event.timestamp), acceptedBy) / 1000);
          }
          progress = { phase: 'read', objects, events: eventsRead };
        }
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
        await writeSilverRatings(store, runDate, table);
        const written = await writeSilverFeatures(store, runDate, users, movies);
        keys = { user_features_key: written.userKey, movie_features_key: written.movieKey };
        counts = { events_read: eventsRead, duplicates_dropped: duplicates, ratings: table.userIds.length, users: users.length, movies: movies.length };
        progress = { phase: 'silver-written', counts, keys, watermark };
        heartbeat(progress);
      }

      const updatedAt = now().toISOString();
      const usersDone = checkpoint?.phase === 'dynamodb' ? (checkpoint.users_written ?? 0) : 0;
      const moviesDone = checkpoint?.phase === 'dynamodb' ? (checkpoint.movies_written ?? 0) : 0;
      const upsert: ExtractCheckpoint = { phase: 'dynamodb', counts, keys, watermark, users_written: usersDone, movies_written: moviesDone };
      progress = upsert;
      const asItem = (f: UserFeatures | MovieFeatures): FeatureItem => ({ ...f, run_date: runDate, updated_at: updatedAt });
      // Items are written in a fixed order, so "the first n are written" is a valid checkpoint.
      await features.putUserFeatures(users.slice(usersDone).map(asItem), (written) => (upsert.users_written = usersDone + written));
      upsert.users_written = users.length;
      await features.putMovieFeatures(movies.slice(moviesDone).map(asItem), (written) => (upsert.movies_written = moviesDone + written));

      return {
        run_date: runDate,
        ratings_prefix: silverPrefix('ratings', runDate),
        ...keys,
        ...counts,
        dynamodb_items: users.length + movies.length,
        bronze_watermark: watermark,
      };
    });
  };
}
