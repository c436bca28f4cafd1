import type { Kafka } from 'kafkajs';

/**
 * Waits until the consumer group has committed every message the topic holds now: the consumer commits
 * only after writing to S3, so a lag of zero means everything sent so far is in bronze.
 */
export async function waitForConsumerCaughtUp(kafka: Kafka, topic: string, groupId: string, options: { timeoutMs?: number; onLag?: (lag: number) => void } = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    for (;;) {
      let committed;
      try {
        [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      } catch (err) {
        // A busy broker may not name the group's coordinator yet: ask again, within the deadline.
        if (!(err instanceof Error && err.name === 'KafkaJSGroupCoordinatorNotFound') || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      let lag = 0;
      for (const end of ends) {
        const done = committed?.partitions.find((p) => p.partition === end.partition);
        const at = done && Number(done.offset) >= 0 ? Number(done.offset) : 0;
        lag += Math.max(0, Number(end.high) - at);
      }
      options.onLag?.(lag);
      if (lag === 0) return;
      if (Date.now() > deadline) throw new Error(`the consumer group ${groupId} still lags ${lag} messages behind ${topic}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await admin.disconnect();
  }
}
