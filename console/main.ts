/**
 * `npm run console`: configuration → the registry (S3, with the console's own identity: read the
 * registry and the reports, write the deploy pointer) and the replica registry (DynamoDB) → the
 * console app → listen on CONSOLE_HOST:CONSOLE_PORT. SIGTERM/SIGINT stop it.
 */
import { pino } from 'pino';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb/client';
import { DynamoReplicaRegistry } from '../adapters/dynamodb/replicas';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { loadConfigOrExit } from '../config';
import { createConsoleApp } from './app';

const config = loadConfigOrExit();
const logger = pino({ level: config.logLevel, base: { process: 'console' } });
const s3 = createS3Client(config.s3);
const dynamo = createDynamoClient(config.dynamodb);
const app = createConsoleApp({
  store: new S3ObjectStore(s3, config.s3.bucket),
  replicas: new DynamoReplicaRegistry(createDocumentClient(dynamo), config.dynamodb.replicasTable),
  links: { temporalUiUrl: config.temporal.uiUrl, temporalNamespace: config.temporal.namespace, airflowUiUrl: config.console.airflowUiUrl },
  operatorToken: config.api.reloadToken,
  apiUrl: config.api.url,
  ...(config.console.apiKey ? { apiKey: config.console.apiKey } : {}),
  logger,
});

const server = app.listen(config.console.port, config.console.host, () => logger.info({ url: config.console.url }, 'console listening'));
const stop = () => {
  server.close(() => {
    s3.destroy();
    dynamo.destroy();
    process.exit(0);
  });
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
