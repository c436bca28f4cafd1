import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Config } from '../../config';

/** The index of fresh ratings by Kafka offset: one user's events share a partition, so offsets order them in time. */
export const FRESH_BY_OFFSET_INDEX = 'by_offset';
/** The attribute DynamoDB's time to live deletes items by (epoch seconds). */
export const EXPIRES_AT = 'expires_at';

export interface TableDefinition {
  input: CreateTableCommandInput & { TableName: string };
  /** Expire items by `expires_at`. */
  ttl: boolean;
}

const numericHashKey = (name: string, key: string): TableDefinition => ({
  input: {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: key, AttributeType: 'N' }],
    KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  },
  ttl: false,
});

/**
 * Every table of the platform:
 * - `user_features`, `movie_features` (SPEC): one item per user and per movie, keyed by the numeric id;
 * - `fresh_ratings`: the ratings the consumer has stored since they were accepted, one item per
 *   (user_id, event_id) so that a redelivered event overwrites itself, with an index by Kafka offset
 *   for "the newest of this user" and a time to live;
 * - `api_replicas`: one expiring item per live API replica, with its URL and served version.
 */
export function platformTables(dynamodb: Config['dynamodb']): TableDefinition[] {
  return [
    numericHashKey(dynamodb.userFeaturesTable, 'user_id'),
    numericHashKey(dynamodb.movieFeaturesTable, 'movie_id'),
    {
      input: {
        TableName: dynamodb.freshRatingsTable,
        AttributeDefinitions: [
          { AttributeName: 'user_id', AttributeType: 'N' },
          { AttributeName: 'event_id', AttributeType: 'S' },
          { AttributeName: 'kafka_offset', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'user_id', KeyType: 'HASH' },
          { AttributeName: 'event_id', KeyType: 'RANGE' },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: FRESH_BY_OFFSET_INDEX,
            KeySchema: [
              { AttributeName: 'user_id', KeyType: 'HASH' },
              { AttributeName: 'kafka_offset', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      },
      ttl: true,
    },
    {
      input: {
        TableName: dynamodb.replicasTable,
        AttributeDefinitions: [{ AttributeName: 'replica_id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'replica_id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
      ttl: true,
    },
  ];
}

export async function ensureTable(client: DynamoDBClient, table: TableDefinition): Promise<void> {
  const name = table.input.TableName;
  let exists = true;
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    exists = false;
  }
  if (!exists) {
    try {
      await client.send(new CreateTableCommand(table.input));
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
  }
  if (table.ttl) {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: EXPIRES_AT, Enabled: true } }));
    }
  }
}

export async function ensurePlatformTables(client: DynamoDBClient, dynamodb: Config['dynamodb']): Promise<void> {
  for (const table of platformTables(dynamodb)) await ensureTable(client, table);
}
