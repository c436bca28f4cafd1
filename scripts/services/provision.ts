import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { Config } from '../../config';
import { createDynamoClient } from '../../adapters/dynamodb/client';
import { ensurePlatformTables } from '../../adapters/dynamodb/tables';
import { createKafka } from '../../adapters/kafka/client';
import { ensureTopics, platformTopics } from '../../adapters/kafka/topics';
import { ensureBucket } from '../../adapters/s3/bucket';
import { createS3Client } from '../../adapters/s3/client';
import { DEPLOYED, MODEL_VERSION, RUN_DATE } from '../../workflows/search-attributes';

/**
 * What the platform needs inside each service: search attributes, topics, the bucket, the feature tables.
 * Each function is idempotent and fails while its service does not answer yet.
 */
/** The batch workflow's custom search attributes, by which operators find runs in the Temporal UI. */
/**
 * A working Temporal server, not just an open port: it describes the namespace within a few seconds.
 * The dev server can wedge (after a cancelled SQLite query it answers every call with `interrupted`
 * while its process and port stay up), and only a real call shows it.
 */
export async function checkTemporal(config: Config): Promise<void> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 2000 });
  try {
    await connection.withDeadline(Date.now() + 3000, () => connection.workflowService.describeNamespace({ namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}

export async function provisionTemporal(config: Config): Promise<void> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 2000 });
  try {
    const { namespace } = config.temporal;
    await connection.workflowService.describeNamespace({ namespace });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = [RUN_DATE, MODEL_VERSION, DEPLOYED].filter((key) => !(key.name in (customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!])),
    });
  } finally {
    await connection.close();
  }
}

export async function provisionKafka(config: Config): Promise<void> {
  // ensureTopics fetches cluster metadata first, so this also proves the broker answers.
  await ensureTopics(createKafka(config.kafka, 'provision'), platformTopics(config.kafka));
}

export async function provisionS3(config: Config): Promise<void> {
  const s3 = createS3Client(config.s3);
  try {
    await ensureBucket(s3, config.s3.bucket);
  } finally {
    s3.destroy();
  }
}

export async function provisionDynamoDb(config: Config): Promise<void> {
  const client = createDynamoClient(config.dynamodb);
  try {
    await client.send(new ListTablesCommand({}));
    await ensurePlatformTables(client, config.dynamodb);
  } finally {
    client.destroy();
  }
}

/** For stacks this project did not start (docker compose, a cloud account): retry each until it answers. */
export async function provisionAll(config: Config, log: (line: string) => void, timeoutMs = 120_000): Promise<void> {
  const steps: [string, (c: Config) => Promise<void>][] = [
    ['temporal', provisionTemporal],
    ['kafka', provisionKafka],
    ['s3', provisionS3],
    ['dynamodb', provisionDynamoDb],
  ];
  await Promise.all(
    steps.map(async ([name, step]) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await step(config);
          log(`${name}: provisioned`);
          return;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`${name}: not provisioned after ${timeoutMs / 1000} s: ${(err as Error).message}`, { cause: err });
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    }),
  );
}
