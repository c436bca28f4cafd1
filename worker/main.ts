/**
 * The batch worker: config → adapters → createActivities → a Temporal worker on the batch task queue.
 * SIGINT/SIGTERM let running activities finish (the SDK drains the worker), then the process exits.
 */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities';
import { batchSettings } from '../activities/settings';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb/client';
import { DynamoFeatureStore } from '../adapters/dynamodb/feature-store';
import { DynamoReplicaRegistry } from '../adapters/dynamodb/replicas';
import { HttpModelServer } from '../adapters/http/model-server';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { loadConfigOrExit } from '../config';
import { candidatesTaskQueue } from '../domain/batch';
import { createBatchWorkers } from './batch-worker';

const TEMPORAL_LOG_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  Runtime.install({ logger: new DefaultLogger(TEMPORAL_LOG_LEVELS[config.logLevel]) });
  const s3 = createS3Client(config.s3);
  const dynamo = createDynamoClient(config.dynamodb);
  const documents = createDocumentClient(dynamo);
  const activities = createActivities({
    store: new S3ObjectStore(s3, config.s3.bucket),
    features: new DynamoFeatureStore(documents, {
      userTable: config.dynamodb.userFeaturesTable,
      movieTable: config.dynamodb.movieFeaturesTable,
    }),
    replicas: new DynamoReplicaRegistry(documents, config.dynamodb.replicasTable),
    modelServerAt: (url) => new HttpModelServer(url, config.api.reloadToken),
    settings: batchSettings(config),
  });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const workers = await createBatchWorkers(connection, config.temporal, activities, config.batch.shardConcurrency);
    console.log(`worker: polling task queues ${config.temporal.taskQueue} and ${candidatesTaskQueue(config.temporal.taskQueue)} (${config.batch.shardConcurrency} candidate shards at once) on ${config.temporal.address} (namespace ${config.temporal.namespace})`);
    await workers.run();
  } finally {
    await connection.close();
    s3.destroy();
    dynamo.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
