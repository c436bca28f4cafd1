import type { GateDecision } from '../domain/batch';
import type { BronzeWatermark } from '../domain/bronze';

/** What each stage returns to the workflow: small summaries and S3 keys, never the data itself. */

export interface ValidationSummary {
  run_date: string;
  report_key: string;
  objects: number;
  events: number;
  valid: number;
  invalid: number;
  duplicate_event_ids: number;
  conflicting_event_ids: number;
  unknown_movies: number;
  /** Median daily volume of the trailing days that had data, when there were any. */
  trailing_median?: number;
  warnings: string[];
}

export interface ExtractSummary {
  run_date: string;
  ratings_prefix: string;
  user_features_key: string;
  movie_features_key: string;
  /** How silver was built: from every bronze object, by merging new ones into an earlier snapshot, or already built from what bronze holds. */
  merge: 'full' | 'incremental' | 'up-to-date';
  /** The earlier snapshot an incremental merge built on. */
  base_run_date?: string;
  /** Bronze objects read by this run (the new ones, when incremental). */
  objects_merged: number;
  /** Events read from those objects, and how many of them were already merged (redeliveries, retries). */
  events_read: number;
  duplicates_dropped: number;
  /** The merged state: distinct (user, movie) ratings, users and movies. */
  ratings: number;
  users: number;
  movies: number;
  /** Users and movies whose features differ from those of the last snapshot whose features are in DynamoDB. */
  users_changed: number;
  movies_changed: number;
  /** Feature items this stage wrote to DynamoDB: the changed ones, or none when publishFeatures writes them. */
  users_written: number;
  movies_written: number;
  dynamodb_items: number;
  /** The last Kafka offset per topic and partition of the bronze objects read: what the model will contain. */
  bronze_watermark: BronzeWatermark;
}

export interface PublishSummary {
  run_date: string;
  /** Feature items written to DynamoDB: the users and movies whose features the run changed. */
  users_written: number;
  movies_written: number;
  dynamodb_items: number;
  /** The run date's features were published before (a repeated run): nothing was written. */
  already_published: boolean;
  /** How many shards wrote them (absent: one activity did). */
  shards?: number;
}

/** How a run's DynamoDB writes split into shards. */
export interface PublishPlan {
  run_date: string;
  already_published: boolean;
  users_changed: number;
  movies_changed: number;
  shards: number;
  shard_width: number;
}

/** One of `shards` shards of a run's DynamoDB writes. */
export interface PublishShard {
  run_date: string;
  shard: number;
  shards: number;
}

export interface TrainSummary {
  model_version: string;
  model_key: string;
  manifest_key: string;
  artifact_bytes: number;
  ratings: number;
  users: number;
  movies: number;
  /** Users whose candidate pools were carried over from the model the run built on. */
  carried_users?: number;
}

export interface EvaluationSummary {
  model_version: string;
  report_key: string;
  html_key: string;
  protocol: string;
  k: number;
  /** This model's hybrid metrics at k (e.g. `ndcg@10`). */
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  previous?: { model_version: string; metrics: Record<string, number> };
}

export interface DeploySummary {
  deployed: boolean;
  model_version: string;
  previous_version?: string;
  gate: GateDecision;
}

export interface ReloadSummary {
  /** The version every live replica serves: the registry's current one. */
  served_version: string;
  replicas: string[];
  /** Set when an operator made another version current while the stage ran. */
  superseded_version?: string;
}
