import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../config';

export function createDynamoClient(dynamodb: Config['dynamodb']): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: dynamodb.region,
    // DynamoDB Local runs with -sharedDb, so any key pair sees the same tables.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
