import { HashedIdSet } from '../domain/hashed-id-set';
import type { ObjectStore } from '../domain/ports';
import { readStoredJson } from '../domain/stored-json';
import type { MovieFeatures, UserFeatures } from '../recommender/features';
import type { ExtractSummary } from './types';

/**
 * The running state of the silver layer, one snapshot per run date: which bronze objects its ratings
 * hold (so a later run merges only the others), the identities of every event merged (so a
 * redelivered event is still dropped as a duplicate), and which features changed since the snapshot it
 * was built from (so DynamoDB is written only for those).
 */

const stateRoot = 'silver/state/';

/**
 * Where a bronze object's valid events are kept once the validation shards have parsed them, until
 * extract has merged them (the bronze key's path under `silver/parsed/`).
 */
export function parsedEventsKey(bronzeKey: string): string {
  return `silver/parsed/${bronzeKey}.bin`;
}
const statePrefix = (runDate: string) => `${stateRoot}dt=${runDate}/`;
export const snapshotKey = (runDate: string) => `${statePrefix(runDate)}snapshot.json`;
const eventIdsKey = (runDate: string) => `${statePrefix(runDate)}event-ids.bin`;
export const mergeResultKey = (runDate: string) => `${statePrefix(runDate)}merge-result.json`;
const publishedKey = (runDate: string) => `${statePrefix(runDate)}published.json`;
const publishedShardKey = (runDate: string, shard: number, shards: number) => `${statePrefix(runDate)}published/shard-${shard}-of-${shards}.json`;

export interface SilverSnapshot {
  run_date: string;
  /** The snapshot this one was built from (its bronze objects were not read again); null when built from bronze alone. */
  base_run_date: string | null;
  /** Every bronze object whose events the snapshot holds, in key order. */
  bronze_objects: string[];
  event_ids_key: string;
  /** The run's summary as it returned it, for a repeated run that finds nothing new. */
  summary: ExtractSummary;
  /**
   * `separately`: its changed features go to DynamoDB in a stage of their own, which records
   * `published.json` when done. Absent: the snapshot was written after its DynamoDB items.
   */
  features_publish?: 'separately';
}

/** What the DynamoDB writes of a snapshot's changed features did, recorded once they are all done. */
export interface PublishedFeatures {
  run_date: string;
  users_written: number;
  movies_written: number;
  published_at: string;
}

/** Users and movies whose features differ from the base snapshot's (all of them without a base). */
export interface FeatureChanges {
  users: number[];
  movies: number[];
}

/** What a run merged, written with its silver objects: the DynamoDB writes and the snapshot that follow read it. */
export interface MergeResult extends FeatureChanges {
  /** Every bronze object the merged ratings hold, the base snapshot's and the run's own, in key order. */
  bronze_objects: string[];
}

export function readSnapshot(store: ObjectStore, runDate: string): Promise<SilverSnapshot | undefined> {
  return readStoredJson<SilverSnapshot>(store, snapshotKey(runDate));
}

/** The dates before `runDate` that have a snapshot, latest first. */
async function snapshotDatesBefore(store: ObjectStore, runDate: string): Promise<string[]> {
  const dates: string[] = [];
  for await (const object of store.list(stateRoot)) {
    const date = /dt=(\d{4}-\d{2}-\d{2})\/snapshot\.json$/.exec(object.key)?.[1];
    if (date !== undefined && date < runDate) dates.push(date);
  }
  return dates.sort().reverse();
}

/** The latest snapshot of a date before `runDate`: what a run of `runDate` builds on. */
export async function latestSnapshotBefore(store: ObjectStore, runDate: string): Promise<SilverSnapshot | undefined> {
  const [latest] = await snapshotDatesBefore(store, runDate);
  return latest === undefined ? undefined : readSnapshot(store, latest);
}

/**
 * Written last: a snapshot's presence means its silver objects and event ids are written, and, unless it
 * says its features are published separately, its DynamoDB items too.
 */
export async function writeSnapshot(store: ObjectStore, snapshot: SilverSnapshot): Promise<void> {
  await store.put(snapshotKey(snapshot.run_date), JSON.stringify(snapshot), 'application/json');
}

export function readPublished(store: ObjectStore, runDate: string): Promise<PublishedFeatures | undefined> {
  return readStoredJson<PublishedFeatures>(store, publishedKey(runDate));
}

export async function clearPublished(store: ObjectStore, runDate: string): Promise<void> {
  await store.delete(publishedKey(runDate));
}

export async function writePublished(store: ObjectStore, published: PublishedFeatures): Promise<void> {
  await store.put(publishedKey(published.run_date), JSON.stringify(published), 'application/json');
}

/** What one shard of a snapshot's DynamoDB writes wrote, recorded when it is done: a repeated shard writes nothing. */
export interface PublishedShard {
  shard: number;
  users_written: number;
  movies_written: number;
}

export function readPublishedShard(store: ObjectStore, runDate: string, shard: number, shards: number): Promise<PublishedShard | undefined> {
  return readStoredJson<PublishedShard>(store, publishedShardKey(runDate, shard, shards));
}

export async function writePublishedShard(store: ObjectStore, runDate: string, shards: number, written: PublishedShard): Promise<void> {
  await store.put(publishedShardKey(runDate, written.shard, shards), JSON.stringify(written), 'application/json');
}

/**
 * The latest snapshot of a date before `runDate` whose features are all in DynamoDB: what a run's
 * changed features are found against, so that a run whose DynamoDB writes never finished leaves its
 * changes to the next run.
 */
export async function latestPublishedSnapshotBefore(store: ObjectStore, runDate: string): Promise<SilverSnapshot | undefined> {
  for (const date of await snapshotDatesBefore(store, runDate)) {
    const snapshot = await readSnapshot(store, date);
    if (snapshot && (snapshot.features_publish !== 'separately' || (await readPublished(store, date)))) return snapshot;
  }
  return undefined;
}

export async function writeEventIds(store: ObjectStore, runDate: string, ids: HashedIdSet): Promise<string> {
  const key = eventIdsKey(runDate);
  await store.put(key, ids.toBytes(), 'application/octet-stream');
  return key;
}

export async function readEventIds(store: ObjectStore, snapshot: SilverSnapshot): Promise<HashedIdSet> {
  const bytes = await store.get(snapshot.event_ids_key);
  if (bytes === undefined) throw new Error(`silver snapshot ${snapshot.run_date} names ${snapshot.event_ids_key}, which is missing`);
  return HashedIdSet.fromBytes(bytes);
}

export async function writeMergeResult(store: ObjectStore, runDate: string, result: MergeResult): Promise<string> {
  const key = mergeResultKey(runDate);
  await store.put(key, JSON.stringify(result), 'application/json');
  return key;
}

export async function readMergeResult(store: ObjectStore, key: string): Promise<MergeResult> {
  const result = await readStoredJson<MergeResult>(store, key);
  if (result === undefined) throw new Error(`the merge result ${key} is missing`);
  return result;
}

/** A feature record as comparable text: keys sorted at every level, absent and undefined alike. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function changedIds<T>(previous: readonly T[], next: readonly T[], id: (record: T) => number): number[] {
  const before = new Map(previous.map((record) => [id(record), canonical(record)]));
  return next.filter((record) => before.get(id(record)) !== canonical(record)).map(id);
}

/** Which of `next`'s users and movies are new or have features other than in `previous`. */
export function featureChanges(
  previous: { users: readonly UserFeatures[]; movies: readonly MovieFeatures[] },
  next: { users: readonly UserFeatures[]; movies: readonly MovieFeatures[] },
): FeatureChanges {
  return { users: changedIds(previous.users, next.users, (u) => u.user_id), movies: changedIds(previous.movies, next.movies, (m) => m.movie_id) };
}
