import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../config';

export function createDynamoClient(dynamodb: Config['dynamodb']): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: dynamodb.region,
    // DynamoDB Local runs with -sharedDb, so any key pair sees the same tables.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // Without timeouts a request to a stalled server waits forever, and so would a consumer batch behind it.
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 15_000, throwOnRequestTimeout: true, httpAgent: { keepAlive: true, maxSockets: 64 } },
  });
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
