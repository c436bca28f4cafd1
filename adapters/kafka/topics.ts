import kafkajs, { type Kafka } from 'kafkajs';

// kafkajs is CommonJS and this enum is not among the names Node can import from it directly.
const { ConfigResourceTypes } = kafkajs;
import type { Config } from '../../config';

export interface TopicDurability {
  replicationFactor: number;
  minInsyncReplicas: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Default: one copy, one in sync (a single broker). */
  durability?: TopicDurability;
}

const SINGLE_BROKER: TopicDurability = { replicationFactor: 1, minInsyncReplicas: 1 };

export function platformTopics(kafka: Config['kafka']): TopicSpec[] {
  return [
    { topic: kafka.topic, partitions: kafka.topicPartitions, durability: kafka.durability },
    { topic: kafka.dlqTopic, partitions: 1, durability: kafka.durability },
  ];
}

/** A topic that holds less than it was asked to: fewer copies, or acks=all answered with fewer in sync. */
export class TopicDurabilityError extends Error {
  constructor(readonly problems: string[]) {
    super(`Kafka topics are less durable than configured:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TopicDurabilityError';
  }
}

/**
 * Creates missing topics (with their replication factor and `min.insync.replicas`), grows any that has
 * fewer partitions than asked (Kafka cannot shrink them), and then checks every topic's durability.
 */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => {
          const durability = t.durability ?? SINGLE_BROKER;
          return {
            topic: t.topic,
            numPartitions: t.partitions,
            replicationFactor: durability.replicationFactor,
            configEntries: [{ name: 'min.insync.replicas', value: String(durability.minInsyncReplicas) }],
          };
        }),
      }).catch((err: unknown) => {
        // kafkajs reports per-topic failures as one "Topic creation errors": say which and why.
        const errors = (err as { errors?: { topic?: string; message?: string }[] }).errors;
        if (!Array.isArray(errors)) throw err;
        throw new Error(`could not create Kafka topics: ${errors.map((e) => `${e.topic ?? '?'}: ${e.message ?? 'refused'}`).join('; ')}`, { cause: err });
      });
    }
    const present = topics.filter((t) => existing.has(t.topic));
    if (present.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
      const grow = present.filter((t) => {
        const found = metadata.topics.find((m) => m.name === t.topic);
        return found !== undefined && found.partitions.length < t.partitions;
      });
      if (grow.length > 0) {
        await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.topic, count: t.partitions })) });
      }
    }
  } finally {
    await admin.disconnect();
  }
  await verifyTopicDurability(kafka, topics);
}

/**
 * Checks that each topic has at least its configured replication factor on every partition and a
 * `min.insync.replicas` at least the configured one; throws a `TopicDurabilityError` naming each gap.
 * Processes run it at start, so a topic created elsewhere with weaker settings is found before events
 * are acknowledged on it.
 */
export async function verifyTopicDurability(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const problems: string[] = [];
    const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
    const configs = await admin.describeConfigs({
      resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.topic, configNames: ['min.insync.replicas'] })),
      includeSynonyms: false,
    });
    for (const spec of topics) {
      const wanted = spec.durability ?? SINGLE_BROKER;
      const replicas = Math.min(...(metadata.topics.find((m) => m.name === spec.topic)?.partitions.map((p) => p.replicas.length) ?? [0]));
      if (replicas < wanted.replicationFactor) problems.push(`${spec.topic}: replication factor ${replicas}, configured ${wanted.replicationFactor} (KAFKA_REPLICATION_FACTOR); recreate or reassign the topic`);
      const entry = configs.resources.find((r) => r.resourceName === spec.topic)?.configEntries.find((c) => c.configName === 'min.insync.replicas');
      const minInsync = Number(entry?.configValue ?? 1);
      if (minInsync < wanted.minInsyncReplicas) {
        problems.push(`${spec.topic}: min.insync.replicas ${minInsync}, configured ${wanted.minInsyncReplicas} (KAFKA_MIN_INSYNC_REPLICAS); raise it with kafka-configs --alter --add-config min.insync.replicas=${wanted.minInsyncReplicas}`);
      }
    }
    if (problems.length > 0) throw new TopicDurabilityError(problems);
  } finally {
    await admin.disconnect();
  }
}

/**
 * For entry points: checks the platform's topics at start and exits (code 2) when one is less durable
 * than configured — a process acknowledging or consuming events there would promise what the broker
 * does not keep. A check that cannot run (the broker not reachable yet) is only logged: the process's
 * own retries deal with the broker.
 */
export async function exitIfTopicsLessDurable(kafka: Kafka, config: Config['kafka'], logger: { fatal(message: string): void; warn(fields: object, message: string): void }): Promise<void> {
  try {
    await verifyTopicDurability(kafka, platformTopics(config));
  } catch (err) {
    if (err instanceof TopicDurabilityError) {
      logger.fatal(err.message);
      process.exit(2);
    }
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not check the durability of the Kafka topics');
  }
}
