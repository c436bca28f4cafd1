import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NativeConnection, Worker } from '@temporalio/worker';
import { quietTemporalRuntime } from '../support/temporal';
import type { greetingWorkflow } from './fixtures/greeting-workflow';
import type { Client } from '@temporalio/client';
import { createDocumentClient, createDynamoClient } from '../../adapters/dynamodb/client';
import { createKafka } from '../../adapters/kafka/client';
import { createS3Client } from '../../adapters/s3/client';
import { connectTemporalClient } from '../../adapters/temporal/client';
import { testConfig, uniqueName } from '../support/config';

const config = testConfig();

describe('local service stack (real servers)', function () {
  this.timeout(120_000);

  describe('Temporal dev server', () => {
    let client: Client;
    before(async () => {
      quietTemporalRuntime();
      client = await connectTemporalClient(config.temporal);
    });
    after(async () => {
      await client.connection.close();
    });

    it('runs a workflow with an activity on a worker', async () => {
      const taskQueue = uniqueName('services-test');
      const connection = await NativeConnection.connect({ address: config.temporal.address });
      try {
        const worker = await Worker.create({
          connection,
          namespace: config.temporal.namespace,
          taskQueue,
          workflowsPath: fileURLToPath(new URL('./fixtures/greeting-workflow.ts', import.meta.url)),
          activities: { composeGreeting: (name: string) => Promise.resolve(`Hello, ${name}`) },
        });
        const result = await worker.runUntil(
          client.workflow.execute<typeof greetingWorkflow>('greetingWorkflow', { taskQueue, workflowId: uniqueName('greeting'), args: ['Temporal'] }),
        );
        assert.equal(result, 'Hello, Temporal!');
      } finally {
        await connection.close();
      }
    });
  });

  describe('Kafka', () => {
    it('produces with acks=all and consumes on the user-events topic', async () => {
      const kafka = createKafka(config.kafka, 'services-test');
      const producer = kafka.producer({ idempotent: true });
      const consumer = kafka.consumer({ groupId: uniqueName('services-test') });
      const marker = uniqueName('marker');
      await producer.connect();
      await consumer.connect();
      try {
        const [meta] = await producer.send({
          topic: config.kafka.topic,
          acks: -1,
          messages: [{ key: '1', value: JSON.stringify({ marker }) }],
        });
        assert.equal(meta?.errorCode, 0);
        assert.ok(meta?.baseOffset !== undefined);
        await consumer.subscribe({ topic: config.kafka.topic, fromBeginning: false });
        const received = new Promise<string>((resolve) => {
          void consumer.run({
            eachMessage: ({ message }) => {
              const value = message.value?.toString() ?? '';
              if (value.includes(marker)) resolve(value);
              return Promise.resolve();
            },
          });
        });
        // Read from exactly where the broker says the message was written.
        consumer.seek({ topic: config.kafka.topic, partition: meta.partition, offset: meta.baseOffset });
        assert.deepEqual(JSON.parse(await received), { marker });
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
      }
    });

    it('has the platform topics with their partition counts', async () => {
      const admin = createKafka(config.kafka, 'services-test').admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [config.kafka.topic, config.kafka.dlqTopic] });
        const events = topics.find((t) => t.name === config.kafka.topic);
        assert.ok(events && events.partitions.length >= 3, 'user-events has at least 3 partitions');
        assert.ok(topics.some((t) => t.name === config.kafka.dlqTopic), 'the dead-letter topic exists');
      } finally {
        await admin.disconnect();
      }
    });
  });

  describe('MinIO (S3)', () => {
    it('puts and gets an object', async () => {
      const s3 = createS3Client(config.s3);
      const key = `tests/${uniqueName('object')}.json`;
      const body = JSON.stringify({ hello: 'bronze' });
      try {
        await s3.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: key, Body: body, ContentType: 'application/json' }));
        const got = await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: key }));
        assert.equal(await got.Body?.transformToString(), body);
        await s3.send(new DeleteObjectCommand({ Bucket: config.s3.bucket, Key: key }));
      } finally {
        s3.destroy();
      }
    });

    it('refuses a request signed with a wrong secret', async () => {
      const forged = new S3Client({
        endpoint: config.s3.endpoint,
        region: config.s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: config.s3.accessKeyId, secretAccessKey: `${config.s3.secretAccessKey}-wrong` },
      });
      try {
        await assert.rejects(
          forged.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: `tests/${uniqueName('forged')}`, Body: 'x' })),
          (err: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
            assert.equal(err.$metadata?.httpStatusCode, 403);
            assert.equal(err.name, 'SignatureDoesNotMatch');
            return true;
          },
        );
      } finally {
        forged.destroy();
      }
    });
  });

  describe('DynamoDB Local', () => {
    it('writes and reads an item in the user features table', async () => {
      const raw = createDynamoClient(config.dynamodb);
      const doc = createDocumentClient(raw);
      // Ids far above MovieLens' keep this item apart from real users.
      const userId = 900_000_000 + Math.floor(Math.random() * 1_000_000);
      try {
        const item = { user_id: userId, rating_count: 3, top_genres: ['Drama', 'Comedy'], updated_at: new Date().toISOString() };
        await doc.send(new PutCommand({ TableName: config.dynamodb.userFeaturesTable, Item: item }));
        const got = await doc.send(new GetCommand({ TableName: config.dynamodb.userFeaturesTable, Key: { user_id: userId } }));
        assert.deepEqual(got.Item, item);
      } finally {
        raw.destroy();
      }
    });
  });
});
