/**
 * The one configuration module: every process, script and test reads its settings here.
 * Values come from environment variables; each has a default for the local stack on 127.0.0.1.
 * A bad value stops the process at start-up with a message naming the variable.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { findProjectRoot } from './source-tree';

export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
const text = z.string().trim().min(1);
const url = z.url();
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');
const s3KeyPrefix = z.string().trim().regex(/^[A-Za-z0-9!_.*'()/-]+$/, 'expected an S3 key prefix (letters, digits and / ! _ . * \' ( ) -)');
const ratio = z.coerce.number().min(0).max(1);
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * Secrets whose defaults exist only so that the local stack on 127.0.0.1 runs with no setup; anywhere
 * else (see `beyondLocalStack`) a process refuses to start with them.
 */
const LOCAL_ONLY_SECRETS = {
  RELOAD_TOKEN: { value: 'movie-rec-local-reload-token', howToSet: 'a random token of at least 16 characters, e.g. `openssl rand -hex 32`' },
  S3_ACCESS_KEY_ID: { value: 'movierec', howToSet: 'the access key of an S3 (or MinIO) user of this deployment' },
  S3_SECRET_ACCESS_KEY: { value: 'movierec-local-only', howToSet: "that user's secret key" },
} as const;

/** A client's API key as configured: its name, the SHA-256 of the key, and its own rate limit if any. */
export interface ApiKeyEntry {
  name: string;
  sha256: string;
  ratePerSecond?: number;
}

/** Environment variables, their defaults and their checks. The README's table lists the same. */
const envSchema = z.object({
  MOVIE_REC_LOCAL_DIR: text.default('.local'),
  MOVIE_REC_SERVICES_CACHE: text.optional(),
  MOVIE_REC_VENVS_DIR: text.optional(),
  MOVIELENS_DIR: text.default('../shared/data/movielens'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: text.default('default'),
  TEMPORAL_TASK_QUEUE: text.default('movie-rec-batch'),

  KAFKA_PORT: port.default(9092),
  KAFKA_CONTROLLER_PORT: port.default(9093),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_CLIENT_ID: text.default('movie-rec'),
  KAFKA_TOPIC: text.default('user-events'),
  KAFKA_DLQ_TOPIC: text.default('user-events-dlq'),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(3).default(3),
  KAFKA_REPLICATION_FACTOR: positiveInt.default(1),
  KAFKA_MIN_INSYNC_REPLICAS: positiveInt.default(1),
  KAFKA_GROUP_ID: text.default('movie-rec-consumer-group'),
  KAFKA_FRESH_GROUP_ID: text.optional(),
  KAFKA_LINGER_MS: nonNegativeInt.default(20),
  KAFKA_BATCH_MAX_MESSAGES: positiveInt.default(1000),
  KAFKA_ACK_TIMEOUT_MS: positiveInt.default(2000),
  // Kafka's default message.max.bytes (and so every topic's max.message.bytes), which the local broker keeps;
  // at least 16 KiB, so a record pointing at a dead-letter object always fits.
  KAFKA_MAX_MESSAGE_BYTES: z.coerce.number().int().min(16_384).default(1_048_588),

  MINIO_PORT: port.default(9000),
  MINIO_CONSOLE_PORT: port.default(9001),
  S3_ENDPOINT: url.optional(),
  S3_REGION: text.default('us-east-1'),
  S3_BUCKET: text.default('movie-rec'),
  S3_ACCESS_KEY_ID: text.default(LOCAL_ONLY_SECRETS.S3_ACCESS_KEY_ID.value),
  S3_SECRET_ACCESS_KEY: z.string().min(8, 'must be at least 8 characters').default(LOCAL_ONLY_SECRETS.S3_SECRET_ACCESS_KEY.value),
  S3_FORCE_PATH_STYLE: boolean.default(true),
  S3_BRONZE_PREFIX: s3KeyPrefix.default('bronze/user-events'),
  S3_DEAD_LETTER_PREFIX: s3KeyPrefix.optional(),

  DYNAMODB_PORT: port.default(8000),
  DYNAMODB_ENDPOINT: url.optional(),
  DYNAMODB_REGION: text.default('us-east-1'),
  DYNAMODB_TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/, 'only letters, digits, _ . - are allowed in DynamoDB table names')
    .default('movie_rec_'),

  API_HOST: text.default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_BODY_LIMIT: text.default('1mb'),
  API_URL: url.optional(),
  RELOAD_TOKEN: z.string().min(16, 'must be at least 16 characters').default(LOCAL_ONLY_SECRETS.RELOAD_TOKEN.value),
  API_KEYS: z
    .string()
    .transform((text, ctx) => {
      const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
      const keys = entries.map((entry) => /^([A-Za-z0-9._-]{1,64}):([0-9a-f]{64})(?::(\d{1,6}))?$/.exec(entry));
      if (keys.some((match) => match === null) || new Set(keys.map((match) => match?.[1])).size !== keys.length) {
        ctx.addIssue({ code: 'custom', message: 'expected a comma-separated list of name:sha256-hex[:requests-per-second] with distinct names (npm run api-key -- <name> makes one)' });
        return z.NEVER;
      }
      return keys.map((match): ApiKeyEntry => ({ name: match![1]!, sha256: match![2]!, ...(match![3] === undefined ? {} : { ratePerSecond: Number(match![3]) }) }));
    })
    .optional(),
  API_KEY_RATE_PER_S: positiveInt.default(100),
  API_RECOMMENDATION_CACHE_BYTES: nonNegativeInt.default(32 * 1024 * 1024),
  API_RECOMMENDER_THREADS: nonNegativeInt.optional(),
  API_REPLICA_ID: z.string().trim().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected 1-128 letters, digits, . _ : -').optional(),
  API_ADVERTISED_URL: url.optional(),
  API_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(65_000),
  API_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  API_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  API_MAX_CONNECTIONS: positiveInt.default(4_096),
  API_MAX_ARTIFACT_BYTES: positiveInt.default(8 * 2 ** 30),
  CONSUMER_HEALTH_HOST: text.default('127.0.0.1'),
  // 0: a free port, logged at start (several consumers on one host never clash); docker-compose fixes one for its health check.
  CONSUMER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  CONSUMER_STALL_MS: positiveInt.default(120_000),
  MODEL_POLL_INTERVAL_MS: positiveInt.default(3_000),
  REPLICA_HEARTBEAT_MS: positiveInt.default(3_000),
  FRESH_RATINGS_TTL_HOURS: positiveInt.default(72),
  FRESH_RATINGS_MAX_PER_USER: z.coerce.number().int().min(1).max(1000).default(200),
  FRESH_STORE_TIMEOUT_MS: positiveInt.default(100),
  API_FRESH_INDEX: boolean.default(true),
  API_FRESH_INDEX_MAX_RATINGS: positiveInt.default(500_000),
  RELOAD_REPLICAS_TIMEOUT_MS: positiveInt.default(120_000),

  VALIDATION_MAX_INVALID_RATIO: ratio.default(0.05),
  VALIDATION_MAX_UNKNOWN_MOVIE_RATIO: ratio.default(0.05),
  VALIDATION_MAX_DUPLICATE_RATIO: ratio.default(0.5),
  VALIDATION_TRAILING_DAYS: nonNegativeInt.default(7),
  VALIDATION_MIN_VOLUME_RATIO: ratio.default(0.1),
  VALIDATION_MAX_VOLUME_RATIO: z.coerce.number().min(1).default(10),
  GATE_METRIC: z.enum(['ndcg@10', 'precision@10', 'recall@10', 'map@10']).default('ndcg@10'),
  GATE_MINIMUM: ratio.default(0.1),
  GATE_MAX_REGRESSION: ratio.default(0.02),
  EVALUATION_PROTOCOL: z.enum(['stratified', 'temporal']).default('stratified'),
  EVALUATION_SEED: nonNegativeInt.default(42),
  EVALUATION_MAX_TEST_USERS: positiveInt.default(5000),
  TUNING_MAX_USERS: nonNegativeInt.default(500),
  TUNING_ALS_MAX_RATINGS: nonNegativeInt.default(2_000_000),
  ITEM_CF_EASE_MAX_MOVIES: nonNegativeInt.default(2500),
  BATCH_SHARD_USERS: positiveInt.default(20_000),
  BATCH_SHARD_WIDTH: positiveInt.default(8),
  BATCH_PUBLISH_SHARD_ITEMS: positiveInt.default(20_000),
  BATCH_PUBLISH_SHARD_WIDTH: positiveInt.default(1),
  BATCH_SHARD_CONCURRENCY: positiveInt.default(os.availableParallelism()),
  BATCH_FULL_REFRESH_DAYS: nonNegativeInt.default(7),

  CONSOLE_HOST: text.default('127.0.0.1'),
  CONSOLE_PORT: port.default(3001),
  CONSOLE_API_KEY: text.optional(),
  AIRFLOW_UI_URL: url.optional(),
  CHROMIUM_PATH: text.optional(),

  AIRFLOW_PYTHON: text.default('python3'),
  AIRFLOW_VENV: text.optional(),
  AIRFLOW_HOME: text.optional(),
  // Clear of Airflow's own 8080 and the 8xxx ports of the services above.
  AIRFLOW_API_PORT: port.default(8280),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function resolveFromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(projectRoot, p);
}

/** Where built services and Python virtualenvs are kept: outside the clone, so other clones and later runs reuse them. */
function userCacheDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'movie-rec');
}

function parseBrokers(value: string | undefined, port: number): string[] {
  if (value === undefined || value.trim() === '') return [`127.0.0.1:${port}`];
  const brokers = value.split(',').map((b) => b.trim()).filter((b) => b !== '');
  const bad = brokers.filter((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad.length > 0) {
    throw new ConfigError([`KAFKA_BROKERS: expected a comma-separated list of host:port (got '${value}')`]);
  }
  return brokers;
}

const isLoopback = (host: string) => /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);
const hostOf = (endpoint: string) => endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/[/?#].*$/, '').replace(/:\d+$/, '');

/** Why this process is not part of the local loopback stack, if it is not: then no local-only secret may be used. */
function beyondLocalStack(env: NodeJS.ProcessEnv, e: Env, brokers: string[]): string | undefined {
  if (env.NODE_ENV === 'production') return 'NODE_ENV=production';
  if (!isLoopback(e.API_HOST)) return `the API listens beyond loopback (API_HOST=${e.API_HOST})`;
  if (!isLoopback(e.CONSOLE_HOST)) return `the console listens beyond loopback (CONSOLE_HOST=${e.CONSOLE_HOST})`;
  const endpoints: [string, string | undefined][] = [
    ['S3_ENDPOINT', e.S3_ENDPOINT],
    ['DYNAMODB_ENDPOINT', e.DYNAMODB_ENDPOINT],
    ['API_URL', e.API_URL],
    ['TEMPORAL_ADDRESS', e.TEMPORAL_ADDRESS],
    ['KAFKA_BROKERS', brokers.find((broker) => !isLoopback(hostOf(broker)))],
  ];
  const remote = endpoints.find(([, endpoint]) => endpoint !== undefined && !isLoopback(hostOf(endpoint)));
  return remote ? `${remote[0]} points beyond loopback (${remote[1]})` : undefined;
}

/** `S3_DEAD_LETTER_PREFIX` when unset: one prefix per event topic, so consumers of different topics never share dead-letter keys. */
export function defaultDeadLetterPrefix(topic: string): string {
  return `dead-letters/${topic}`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  // Empty strings count as unset, so `FOO= npm start` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        const got = present[name];
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got '${got}')`}`;
      }),
    );
  }
  const e = parsed.data;
  const brokers = parseBrokers(e.KAFKA_BROKERS, e.KAFKA_PORT);
  const exposure = beyondLocalStack(env, e, brokers);
  if (exposure !== undefined) {
    const defaults = Object.entries(LOCAL_ONLY_SECRETS).filter(([name, secret]) => e[name as keyof typeof LOCAL_ONLY_SECRETS] === secret.value);
    if (defaults.length > 0) {
      throw new ConfigError(defaults.map(([name, secret]) => `${name}: the local stack's default works only on 127.0.0.1, and ${exposure}; set ${name} to ${secret.howToSet}`));
    }
  }
  if (!isLoopback(e.API_HOST) && (e.API_KEYS ?? []).length === 0) {
    throw new ConfigError([`API_KEYS: required when the API listens beyond loopback (API_HOST=${e.API_HOST}), so that no client reaches it unauthenticated; make a key with \`npm run api-key -- <client name>\` and set API_KEYS to the entries it prints`]);
  }
  if (e.KAFKA_MIN_INSYNC_REPLICAS > e.KAFKA_REPLICATION_FACTOR) {
    throw new ConfigError([`KAFKA_MIN_INSYNC_REPLICAS: must not exceed KAFKA_REPLICATION_FACTOR (${e.KAFKA_REPLICATION_FACTOR}), or no write could ever be acknowledged (got '${e.KAFKA_MIN_INSYNC_REPLICAS}')`]);
  }
  if (e.API_HEADERS_TIMEOUT_MS > e.API_REQUEST_TIMEOUT_MS) {
    throw new ConfigError([`API_HEADERS_TIMEOUT_MS: must not exceed API_REQUEST_TIMEOUT_MS (${e.API_REQUEST_TIMEOUT_MS}) (got '${e.API_HEADERS_TIMEOUT_MS}')`]);
  }
  const localDir = resolveFromRoot(e.MOVIE_REC_LOCAL_DIR);
  const venvsDir = e.MOVIE_REC_VENVS_DIR ? resolveFromRoot(e.MOVIE_REC_VENVS_DIR) : path.join(userCacheDir(env), 'venvs');
  return {
    projectRoot,
    localDir,
    servicesCacheDir: e.MOVIE_REC_SERVICES_CACHE ? resolveFromRoot(e.MOVIE_REC_SERVICES_CACHE) : path.join(userCacheDir(env), 'services'),
    venvsDir,
    movielensDir: resolveFromRoot(e.MOVIELENS_DIR),
    logLevel: e.LOG_LEVEL,
    temporal: {
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
      uiUrl: `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
    },
    kafka: {
      port: e.KAFKA_PORT,
      controllerPort: e.KAFKA_CONTROLLER_PORT,
      brokers,
      clientId: e.KAFKA_CLIENT_ID,
      topic: e.KAFKA_TOPIC,
      dlqTopic: e.KAFKA_DLQ_TOPIC,
      topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
      /** Copies of each partition, and how many must have a write before acks=all answers (1/1 on the local single broker; 3/2 in production). */
      durability: { replicationFactor: e.KAFKA_REPLICATION_FACTOR, minInsyncReplicas: e.KAFKA_MIN_INSYNC_REPLICAS },
      groupId: e.KAFKA_GROUP_ID,
      /** The consumer group that writes fresh ratings to DynamoDB: its own, so it never holds up bronze. */
      freshGroupId: e.KAFKA_FRESH_GROUP_ID ?? `${e.KAFKA_GROUP_ID}-fresh-ratings`,
      lingerMs: e.KAFKA_LINGER_MS,
      batchMaxMessages: e.KAFKA_BATCH_MAX_MESSAGES,
      ackTimeoutMs: e.KAFKA_ACK_TIMEOUT_MS,
      /** The largest record batch the broker accepts on the dead-letter topic (its max.message.bytes): the consumer's dead-letter sends stay under it. */
      maxMessageBytes: e.KAFKA_MAX_MESSAGE_BYTES,
    },
    s3: {
      port: e.MINIO_PORT,
      consolePort: e.MINIO_CONSOLE_PORT,
      consoleUrl: `http://127.0.0.1:${e.MINIO_CONSOLE_PORT}`,
      endpoint: e.S3_ENDPOINT ?? `http://127.0.0.1:${e.MINIO_PORT}`,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      accessKeyId: e.S3_ACCESS_KEY_ID,
      secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
      bronzePrefix: e.S3_BRONZE_PREFIX.replace(/\/+$/, ''),
      /** Where the consumer stores dead letters too large for the dead-letter topic. */
      deadLetterPrefix: (e.S3_DEAD_LETTER_PREFIX ?? defaultDeadLetterPrefix(e.KAFKA_TOPIC)).replace(/\/+$/, ''),
    },
    dynamodb: {
      port: e.DYNAMODB_PORT,
      endpoint: e.DYNAMODB_ENDPOINT ?? `http://127.0.0.1:${e.DYNAMODB_PORT}`,
      region: e.DYNAMODB_REGION,
      tablePrefix: e.DYNAMODB_TABLE_PREFIX,
      userFeaturesTable: `${e.DYNAMODB_TABLE_PREFIX}user_features`,
      movieFeaturesTable: `${e.DYNAMODB_TABLE_PREFIX}movie_features`,
      freshRatingsTable: `${e.DYNAMODB_TABLE_PREFIX}fresh_ratings`,
      replicasTable: `${e.DYNAMODB_TABLE_PREFIX}api_replicas`,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      // Where other processes (the worker's reload stage, npm start) reach the API.
      url: e.API_URL ?? `http://${e.API_HOST === '0.0.0.0' ? '127.0.0.1' : e.API_HOST}:${e.API_PORT}`,
      bodyLimit: e.API_BODY_LIMIT,
      reloadToken: e.RELOAD_TOKEN,
      /** Clients' API keys on the client routes; none on a loopback-only API means those routes are open. */
      apiKeys: e.API_KEYS ?? [],
      /** Requests per second per API key and replica, unless the key sets its own. */
      apiKeyRatePerSecond: e.API_KEY_RATE_PER_S,
      /** Bytes of recommendation answers cached per served model; 0 turns the cache off. */
      recommendationCacheBytes: e.API_RECOMMENDATION_CACHE_BYTES,
      /** The largest model artifact a replica loads (its bytes are held in memory). */
      maxArtifactBytes: e.API_MAX_ARTIFACT_BYTES,
      /** Threads computing answers for users with fresh ratings; default: the machine's cores. */
      recommenderThreads: e.API_RECOMMENDER_THREADS ?? os.availableParallelism(),
      /** This replica's id in the replica registry; default: host name, process id and port. */
      replicaId: e.API_REPLICA_ID,
      /** Where the batch reaches this replica; default: its listening address. */
      advertisedUrl: e.API_ADVERTISED_URL,
      /** Limits of the HTTP server (see api/http-server.ts). */
      http: {
        /** How long an idle keep-alive connection stays open: longer than a load balancer's idle timeout (60 s is common), so the balancer closes first. */
        keepAliveTimeoutMs: e.API_KEEP_ALIVE_TIMEOUT_MS,
        /** How long a client may take to send a request's headers (a slow-headers client is cut off). */
        headersTimeoutMs: e.API_HEADERS_TIMEOUT_MS,
        /** How long a client may take to send a whole request. */
        requestTimeoutMs: e.API_REQUEST_TIMEOUT_MS,
        /** Open connections beyond which new ones are refused. */
        maxConnections: e.API_MAX_CONNECTIONS,
      },
      /** How often each replica checks `models/current.json` for a new deployment. */
      modelPollIntervalMs: e.MODEL_POLL_INTERVAL_MS,
      /** How often each replica renews its entry in the replica registry (it expires after three missed beats). */
      replicaHeartbeatMs: e.REPLICA_HEARTBEAT_MS,
    },
    consumer: {
      /** Where the consumer answers `GET /healthz` (its liveness). */
      healthHost: e.CONSUMER_HEALTH_HOST,
      healthPort: e.CONSUMER_HEALTH_PORT,
      /** How long a consumer loop may go without a fetch or group heartbeat before it counts as stalled. */
      stallMs: e.CONSUMER_STALL_MS,
    },
    fresh: {
      /** How long a fresh rating stays in DynamoDB after it was accepted (a model contains it by then). */
      ttlSeconds: e.FRESH_RATINGS_TTL_HOURS * 3600,
      /** The most fresh ratings of one user a request reads (the newest). */
      maxPerUser: e.FRESH_RATINGS_MAX_PER_USER,
      /** How long a request waits for the fresh-rating store before answering from the model alone. */
      timeoutMs: e.FRESH_STORE_TIMEOUT_MS,
      /** Whether each API replica follows the event topic itself, so that requests need no read of the store. */
      index: e.API_FRESH_INDEX,
      /** The most ratings past the served model a replica's index keeps before it falls back to the store. */
      indexMaxRatings: e.API_FRESH_INDEX_MAX_RATINGS,
    },
    batch: {
      validation: {
        maxInvalidRatio: e.VALIDATION_MAX_INVALID_RATIO,
        maxUnknownMovieRatio: e.VALIDATION_MAX_UNKNOWN_MOVIE_RATIO,
        maxDuplicateRatio: e.VALIDATION_MAX_DUPLICATE_RATIO,
        trailingDays: e.VALIDATION_TRAILING_DAYS,
        minVolumeRatio: e.VALIDATION_MIN_VOLUME_RATIO,
        maxVolumeRatio: e.VALIDATION_MAX_VOLUME_RATIO,
      },
      gate: { metric: e.GATE_METRIC, minimum: e.GATE_MINIMUM, maxRegression: e.GATE_MAX_REGRESSION },
      evaluation: { protocol: e.EVALUATION_PROTOCOL, seed: e.EVALUATION_SEED, maxTestUsers: e.EVALUATION_MAX_TEST_USERS },
      /**
       * Validation users the train stage scores to choose the hybrid's blend (0 keeps the defaults), and
       * the most training ratings for which its blends with ALS are tried: ALS's fit grows with ratings ×
       * factors², and a run fits it up to three times.
       */
      tuning: { maxUsers: e.TUNING_MAX_USERS, alsMaxRatings: e.TUNING_ALS_MAX_RATINGS },
      /** Catalogs of at most this many movies get item-cf's EASE table (a dense n³ solve) instead of RP3β's. */
      itemCf: { easeMaxMovies: e.ITEM_CF_EASE_MAX_MOVIES },
      /** How long the reload stage waits for every live API replica to serve the deployed version. */
      reloadReplicasTimeoutMs: e.RELOAD_REPLICAS_TIMEOUT_MS,
      /** The train stage's candidate shards: users per shard, and how many one run keeps in flight over all workers. */
      shards: { usersPerShard: e.BATCH_SHARD_USERS, width: e.BATCH_SHARD_WIDTH, publishItemsPerShard: e.BATCH_PUBLISH_SHARD_ITEMS, publishWidth: e.BATCH_PUBLISH_SHARD_WIDTH },
      /** Candidate shards one worker process computes at once (one thread each). */
      shardConcurrency: e.BATCH_SHARD_CONCURRENCY,
      /**
       * Days a run may build on the deployed model's tuning and candidate pools (carrying over the pools
       * of users whose ratings did not change) before everything is computed again; 0: every run computes everything.
       */
      fullRefreshDays: e.BATCH_FULL_REFRESH_DAYS,
    },
    console: {
      host: e.CONSOLE_HOST,
      port: e.CONSOLE_PORT,
      url: `http://${e.CONSOLE_HOST === '0.0.0.0' ? '127.0.0.1' : e.CONSOLE_HOST}:${e.CONSOLE_PORT}`,
      /** A client API key the console's "try it" panel sends to the API, when the API requires keys. */
      apiKey: e.CONSOLE_API_KEY,
      /** Where the console links a version's Airflow DAG runs. */
      airflowUiUrl: (e.AIRFLOW_UI_URL ?? `http://127.0.0.1:${e.AIRFLOW_API_PORT}`).replace(/\/+$/, ''),
    },
    /** The browser the page tests drive: unset, Debian's chromium (installed when missing). */
    browser: { chromiumPath: e.CHROMIUM_PATH },
    airflow: {
      python: e.AIRFLOW_PYTHON,
      venvDir: e.AIRFLOW_VENV ? resolveFromRoot(e.AIRFLOW_VENV) : path.join(venvsDir, 'airflow'),
      home: e.AIRFLOW_HOME ? resolveFromRoot(e.AIRFLOW_HOME) : path.join(localDir, 'airflow'),
      dagsFolder: path.join(projectRoot, 'dags'),
      lockFile: path.join(projectRoot, 'dags', 'requirements-lock.txt'),
      /** Where `npm start` runs Airflow's API server, which also serves the UI (always on loopback). */
      apiPort: e.AIRFLOW_API_PORT,
      url: `http://127.0.0.1:${e.AIRFLOW_API_PORT}`,
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** For entry points: parse the environment once, or print what is wrong and exit. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
