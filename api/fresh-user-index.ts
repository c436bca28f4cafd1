/**
 * Which users have ratings the served model does not contain: each replica follows the event topic
 * from the model's offset watermark and remembers, per user, the offset of their latest event. A
 * request for a user with nothing past the watermark needs no read of the fresh-rating store, so
 * the common request costs a lookup and no round trip; a user with something past it is read from
 * DynamoDB (which the consumer fills within moments). Until the index has caught up with the topic —
 * at start-up, after a rewind for an older model, while its Kafka consumer is down — it answers
 * "unknown", and every request reads the store.
 *
 * It reads the topic in a consumer group of its own (kafkajs has no group-less reading), commits
 * nothing, and positions itself with `seek`, again after every (re)join.
 */
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { BronzeWatermark } from '../domain/bronze';

/** Whether a user may have fresh ratings: undefined when the index cannot tell. */
export interface FreshUserHint {
  hasFresh(userId: number): boolean | undefined;
}

/** Offsets and partitions packed into one number per user: offset · 2^12 + partition. */
const PARTITION_SPACE = 4096;

export class FreshUserIndex implements FreshUserHint {
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private readonly latest = new Map<number, number>();
  /** Per partition: where reading starts for the current watermark, how far it got, and the end it must reach. */
  private readonly from = new Map<number, number>();
  private readonly next = new Map<number, number>();
  private readonly end = new Map<number, number>();
  private watermark: Record<string, number> | undefined;
  private connected = false;
  private partitions: number[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: 10_000, maxWaitTimeInMs: 50 });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.connected = true;
      for (const [partition, offset] of this.next) consumer.seek({ topic: this.topic, partition, offset: String(offset) });
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.connected = false;
      this.logger.warn({ err: String(event.payload.error) }, 'fresh-user index: Kafka consumer crashed; requests read the fresh store until it is back');
    });
    consumer.on(consumer.events.DISCONNECT, () => {
      this.connected = false;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const userId = Number(message.key?.toString());
          if (Number.isSafeInteger(userId)) this.latest.set(userId, Number(message.offset) * PARTITION_SPACE + batch.partition);
        }
        this.next.set(batch.partition, Number(batch.lastOffset()) + 1);
        this.end.set(batch.partition, Math.max(this.end.get(batch.partition) ?? 0, Number(batch.highWatermark)));
        await Promise.resolve();
      },
    });
  }

  /**
   * Follows a newly served model: users whose latest event it contains drop out, and a model older than
   * where reading started (a rollback) rewinds the reading to its watermark.
   */
  async follow(watermark: BronzeWatermark | undefined): Promise<void> {
    const consumer = this.consumer;
    const admin = this.admin;
    if (!consumer || !admin) throw new Error('FreshUserIndex.follow before start');
    // A model that records a watermark but none for this topic contains none of it; one that records
    // none at all (older manifests) leaves the index unable to tell.
    this.watermark = watermark === undefined ? undefined : (watermark[this.topic] ?? {});
    if (this.watermark === undefined) return;
    const offsets = await admin.fetchTopicOffsets(this.topic);
    this.partitions = offsets.map((o) => o.partition);
    for (const { partition, offset, low } of offsets) {
      const from = (this.watermark[String(partition)] ?? -1) + 1;
      this.end.set(partition, Math.max(this.end.get(partition) ?? 0, Number(offset)));
      if (from < Number(low)) {
        // Kafka no longer holds everything past the watermark: the index cannot be complete.
        this.logger.warn({ partition, from, low }, 'fresh-user index: the topic no longer holds all events past the model; requests read the fresh store');
        this.from.set(partition, Number.POSITIVE_INFINITY);
        continue;
      }
      const started = this.from.get(partition);
      if (started === undefined || from < started) {
        this.from.set(partition, from);
        this.next.set(partition, from);
        consumer.seek({ topic: this.topic, partition, offset: String(from) });
      }
    }
    for (const [userId, packed] of this.latest) if (this.covered(packed)) this.latest.delete(userId);
  }

  /** Whether reading has reached, in every partition, the end it had when the current watermark was set. */
  get ready(): boolean {
    if (!this.connected || this.watermark === undefined || this.partitions.length === 0) return false;
    return this.partitions.every((p) => Number.isFinite(this.from.get(p)) && (this.next.get(p) ?? 0) >= (this.end.get(p) ?? 0));
  }

  hasFresh(userId: number): boolean | undefined {
    if (!this.ready) return undefined;
    const packed = this.latest.get(userId);
    return packed !== undefined && !this.covered(packed);
  }

  async stop(): Promise<void> {
    this.connected = false;
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
  }

  private covered(packed: number): boolean {
    const partition = packed % PARTITION_SPACE;
    const offset = Math.floor(packed / PARTITION_SPACE);
    const last = this.watermark?.[String(partition)];
    return last !== undefined && offset <= last;
  }
}
