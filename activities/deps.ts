import type { GateSettings } from '../domain/gate';
import type { FeatureStore, ModelServer, ObjectStore, ReplicaRegistry } from '../domain/ports';
import type { ValidationThresholds } from '../domain/validation';

export interface BatchSettings {
  bronzePrefix: string;
  validation: ValidationThresholds;
  gate: GateSettings;
  /** `maxTestUsers` bounds the users scored (a seeded sample); the models are fitted on all training data. */
  evaluation: { protocol: 'stratified' | 'temporal'; seed: number; maxTestUsers: number };
  /** Validation users scored to choose the hybrid's blend (a seeded sample); 0 keeps the default parameters. */
  tuning: { maxUsers: number; alsMaxRatings: number };
  /** Item-cf's EASE table covers this many of the most-rated movies; 0 gives RP3β's table over the whole catalog instead. */
  itemCf: { easeMaxMovies: number };
  /** How long the reload stage waits for every live API replica to serve the deployed version. */
  reloadReplicasTimeoutMs: number;
  /** Days a run may build on the deployed model's tuning and candidate pools before it computes everything again (0: never). */
  fullRefreshDays: number;
  /**
   * The shards of a run: users per candidate shard of the train stage, how many shards of a stage a run
   * keeps in flight, and changed feature items (users and movies) per shard of the DynamoDB writes and
   * how many of those run at once (what the DynamoDB takes decides, not the workers).
   */
  shards: { usersPerShard: number; width: number; publishItemsPerShard: number; publishWidth: number };
}

/** Everything the activities touch, injected by the worker (or a test). */
export interface ActivityDeps {
  store: ObjectStore;
  features: FeatureStore;
  /** Where the API replicas announce themselves. */
  replicas: ReplicaRegistry;
  /** An API replica at its announced URL. */
  modelServerAt: (url: string) => ModelServer;
  settings: BatchSettings;
  now?: () => Date;
}
