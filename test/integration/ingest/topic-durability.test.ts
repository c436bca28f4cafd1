import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { createKafka } from '../../../adapters/kafka/client';
import { ensureTopics, TopicDurabilityError, verifyTopicDurability } from '../../../adapters/kafka/topics';
import { testConfig, uniqueName } from '../../support/config';

const config = testConfig();
const kafka = createKafka(config.kafka, 'durability-test');

describe('Kafka topics: replication factor and min.insync.replicas (real broker)', function () {
  this.timeout(60_000);

  it('creates topics with the configured min.insync.replicas and accepts them', async () => {
    const topic = uniqueName('durability');
    await ensureTopics(kafka, [{ topic, partitions: 2, durability: { replicationFactor: 1, minInsyncReplicas: 1 } }]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({ resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }], includeSynonyms: false });
      assert.equal(described.resources[0]?.configEntries[0]?.configValue, '1');
    } finally {
      await admin.disconnect();
    }
    await verifyTopicDurability(kafka, [{ topic, partitions: 2, durability: { replicationFactor: 1, minInsyncReplicas: 1 } }]);
  });

  it('refuses an existing topic weaker than configured, naming the topic, the setting and the fix', async () => {
    const topic = uniqueName('durability-weak');
    await ensureTopics(kafka, [{ topic, partitions: 1 }]);
    await assert.rejects(verifyTopicDurability(kafka, [{ topic, partitions: 1, durability: { replicationFactor: 3, minInsyncReplicas: 2 } }]), (err: unknown) => {
      assert.ok(err instanceof TopicDurabilityError);
      assert.equal(err.problems.length, 2);
      assert.match(err.problems[0]!, new RegExp(`^${topic}: replication factor 1, configured 3 \\(KAFKA_REPLICATION_FACTOR\\)`));
      assert.match(err.problems[1]!, new RegExp(`^${topic}: min.insync.replicas 1, configured 2 \\(KAFKA_MIN_INSYNC_REPLICAS\\); raise it`));
      return true;
    });
  });

  it('cannot create a topic with more copies than the cluster has brokers', async () => {
    const topic = uniqueName('durability-rf3');
    await assert.rejects(ensureTopics(kafka, [{ topic, partitions: 1, durability: { replicationFactor: 3, minInsyncReplicas: 2 } }]), new RegExp(`could not create Kafka topics: ${topic}: Replication-factor is invalid`));
  });
});
