import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Config } from '../../config';

/** The feature-store tables of the spec: one item per user and per movie, keyed by the numeric id. */
export function featureTables(dynamodb: Config['dynamodb']): { name: string; key: string }[] {
  return [
    { name: dynamodb.userFeaturesTable, key: 'user_id' },
    { name: dynamodb.movieFeaturesTable, key: 'movie_id' },
  ];
}

export async function ensureTable(client: DynamoDBClient, name: string, key: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'N' }],
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
}

export async function ensureFeatureTables(client: DynamoDBClient, dynamodb: Config['dynamodb']): Promise<void> {
  for (const table of featureTables(dynamodb)) await ensureTable(client, table.name, table.key);
}
