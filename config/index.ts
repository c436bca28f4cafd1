/**
 * The one configuration module: every process, script and test reads its settings here.
 * Values come from environment variables; each has a default for the local stack on 127.0.0.1.
 * A bad value stops the process at start-up with a message naming the variable.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
const text = z.string().trim().min(1);
const url = z.url();
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');
const ratio = z.coerce.number().min(0).max(1);
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** Environment variables, their defaults and their checks. The README's table lists the same. */
const envSchema = z.object({
  MOVIE_REC_LOCAL_DIR: text.default('.local'),
  MOVIE_REC_SERVICES_CACHE: text.optional(),
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
  KAFKA_GROUP_ID: text.default('movie-rec-consumer-group'),
  KAFKA_FRESH_GROUP_ID: text.optional(),
  KAFKA_LINGER_MS: nonNegativeInt.default(20),
  KAFKA_BATCH_MAX_MESSAGES: positiveInt.default(1000),
  KAFKA_ACK_TIMEOUT_MS: positiveInt.default(2000),

  MINIO_PORT: port.default(9000),
  MINIO_CONSOLE_PORT: port.default(9001),
  S3_ENDPOINT: url.optional(),
  S3_REGION: text.default('us-east-1'),
  S3_BUCKET: text.default('movie-rec'),
  S3_ACCESS_KEY_ID: text.default('movierec'),
  S3_SECRET_ACCESS_KEY: z.string().min(8, 'must be at least 8 characters').default('movierec-local-only'),
  S3_FORCE_PATH_STYLE: boolean.default(true),
  S3_BRONZE_PREFIX: z.string().trim().regex(/^[A-Za-z0-9!_.*'()/-]+$/, 'expected an S3 key prefix (letters, digits and / ! _ . * \' ( ) -)').default('bronze/user-events'),

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
  RELOAD_TOKEN: z.string().min(16, 'must be at least 16 characters').default('movie-rec-local-reload-token'),
  API_RECOMMENDATION_CACHE_BYTES: nonNegativeInt.default(32 * 1024 * 1024),
  API_RECOMMENDER_THREADS: nonNegativeInt.optional(),
  API_REPLICA_ID: z.string().trim().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected 1-128 letters, digits, . _ : -').optional(),
  API_ADVERTISED_URL: url.optional(),
  API_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(65_000),
  API_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  API_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  API_MAX_CONNECTIONS: positiveInt.default(4_096),
  MODEL_POLL_INTERVAL_MS: positiveInt.default(3_000),
  REPLICA_HEARTBEAT_MS: positiveInt.default(3_000),
  FRESH_RATINGS_TTL_HOURS: positiveInt.default(72),
  FRESH_RATINGS_MAX_PER_USER: z.coerce.number().int().min(1).max(1000).default(200),
  FRESH_STORE_TIMEOUT_MS: positiveInt.default(100),
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

  AIRFLOW_PYTHON: text.default('python3'),
  AIRFLOW_VENV: text.default('.venv/airflow'),
  AIRFLOW_HOME: text.optional(),
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

function defaultServicesCache(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'movie-rec', 'services');
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
  if (e.API_HEADERS_TIMEOUT_MS > e.API_REQUEST_TIMEOUT_MS) {
    throw new ConfigError([`API_HEADERS_TIMEOUT_MS: must not exceed API_REQUEST_TIMEOUT_MS (${e.API_REQUEST_TIMEOUT_MS}) (got '${e.API_HEADERS_TIMEOUT_MS}')`]);
  }
  const localDir = resolveFromRoot(e.MOVIE_REC_LOCAL_DIR);
  return {
    projectRoot,
    localDir,
    servicesCacheDir: e.MOVIE_REC_SERVICES_CACHE ? resolveFromRoot(e.MOVIE_REC_SERVICES_CACHE) : defaultServicesCache(env),
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
      brokers: parseBrokers(e.KAFKA_BROKERS, e.KAFKA_PORT),
      clientId: e.KAFKA_CLIENT_ID,
      topic: e.KAFKA_TOPIC,
      dlqTopic: e.KAFKA_DLQ_TOPIC,
      topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
      groupId: e.KAFKA_GROUP_ID,
      /** The consumer group that writes fresh ratings to DynamoDB: its own, so it never holds up bronze. */
      freshGroupId: e.KAFKA_FRESH_GROUP_ID ?? `${e.KAFKA_GROUP_ID}-fresh-ratings`,
      lingerMs: e.KAFKA_LINGER_MS,
      batchMaxMessages: e.KAFKA_BATCH_MAX_MESSAGES,
      ackTimeoutMs: e.KAFKA_ACK_TIMEOUT_MS,
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
      /** Bytes of recommendation answers cached per served model; 0 turns the cache off. */
      recommendationCacheBytes: e.API_RECOMMENDATION_CACHE_BYTES,
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
    fresh: {
      /** How long a fresh rating stays in DynamoDB after it was accepted (a model contains it by then). */
      ttlSeconds: e.FRESH_RATINGS_TTL_HOURS * 3600,
      /** The most fresh ratings of one user a request reads (the newest). */
      maxPerUser: e.FRESH_RATINGS_MAX_PER_USER,
      /** How long a request waits for the fresh-rating store before answering from the model alone. */
      timeoutMs: e.FRESH_STORE_TIMEOUT_MS,
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
      /** How long the reload stage waits for every live API replica to serve the deployed version. */
      reloadReplicasTimeoutMs: e.RELOAD_REPLICAS_TIMEOUT_MS,
    },
    airflow: {
      python: e.AIRFLOW_PYTHON,
      venvDir: resolveFromRoot(e.AIRFLOW_VENV),
      home: e.AIRFLOW_HOME ? resolveFromRoot(e.AIRFLOW_HOME) : path.join(localDir, 'airflow'),
      dagsFolder: path.join(projectRoot, 'dags'),
      lockFile: path.join(projectRoot, 'dags', 'requirements-lock.txt'),
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
