import type { Kafka } from 'kafkajs';
import type { Config } from '../../config';

export interface TopicSpec {
  topic: string;
  partitions: number;
}

export function platformTopics(kafka: Config['kafka']): TopicSpec[] {
  return [
    { topic: kafka.topic, partitions: kafka.topicPartitions },
    { topic: kafka.dlqTopic, partitions: 1 },
  ];
}

/** Creates missing topics and grows any that has fewer partitions than asked (Kafka cannot shrink them). */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })),
      });
    }
    const present = topics.filter((t) => existing.has(t.topic));
    if (present.length === 0) return;
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
    const grow = present.filter((t) => {
      const found = metadata.topics.find((m) => m.name === t.topic);
      return found !== undefined && found.partitions.length < t.partitions;
    });
    if (grow.length > 0) {
      await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.topic, count: t.partitions })) });
    }
  } finally {
    await admin.disconnect();
  }
}
