/**
 * The ratings each user gave since the served model's snapshot, as this replica read them from the
 * event topic: each replica follows the topic from the model's offset watermark and keeps, per user, the
 * newest events past it (as many as a read of the fresh-rating store returns), judged and shaped exactly
 * as the consumer stores them in DynamoDB. A request then needs no round trip to the store: the topic is
 * the source both are made from, and the replica reads it within moments of the 202.
 *
 * Until the index has caught up with the topic — at start-up, after a rewind for an older model, while
 * its Kafka consumer is down, or after it outgrew its bound — it answers "unknown", and the request
 * reads DynamoDB, which the consumer fills from the same topic.
 *
 * It reads the topic in a consumer group of its own (kafkajs has no group-less reading), commits
 * nothing, and positions itself with `seek`, again after every (re)join.
 */
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { isCovered, type BronzeWatermark } from '../domain/bronze';
import { freshRatingsOf, type StoredFreshRating } from '../domain/fresh-ratings';

/** A user's ratings past the served model, oldest first; undefined when the source cannot tell. */
export interface FreshRatingSource {
  ratingsOf(userId: number): readonly StoredFreshRating[] | undefined;
}

export interface FreshRatingIndexOptions {
  /** Ratings older than this are not kept (the store would have dropped them). */
  ttlSeconds: number;
  /** The newest ratings kept per user: what one read of the store returns. */
  maxPerUser: number;
  /** Beyond this many ratings in all, the index lets go of them and answers "unknown" until the next model. */
  maxRatings: number;
}

export class FreshRatingIndex implements FreshRatingSource {
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private readonly byUser = new Map<number, StoredFreshRating[]>();
  private count = 0;
  private overflowed = false;
  /** Per partition: where reading starts for the current watermark, how far it got, and the end it must reach. */
  private readonly from = new Map<number, number>();
  private readonly next = new Map<number, number>();
  private readonly end = new Map<number, number>();
  private watermark: BronzeWatermark | undefined;
  private connected = false;
  private partitions: number[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly options: FreshRatingIndexOptions,
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
      this.logger.warn({ err: String(event.payload.error) }, 'fresh-rating index: Kafka consumer crashed; requests read the fresh store until it is back');
    });
    consumer.on(consumer.events.DISCONNECT, () => {
      this.connected = false;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (!this.overflowed) {
          for (const item of freshRatingsOf(batch.topic, batch.partition, batch.messages, this.options.ttlSeconds, Date.now(), this.watermark)) this.add(item);
        }
        this.next.set(batch.partition, Number(batch.lastOffset()) + 1);
        this.end.set(batch.partition, Math.max(this.end.get(batch.partition) ?? 0, Number(batch.highWatermark)));
        await Promise.resolve();
      },
    });
  }

  /**
   * Follows a newly served model: ratings it contains drop out, and a model older than where reading
   * started (a rollback), or an index that let go of its ratings, reads again from the watermark.
   */
  async follow(watermark: BronzeWatermark | undefined): Promise<void> {
    const consumer = this.consumer;
    const admin = this.admin;
    if (!consumer || !admin) throw new Error('FreshRatingIndex.follow before start');
    // A model that records a watermark but none for this topic contains none of it; one that records
    // none at all (older manifests) leaves the index unable to tell.
    this.watermark = watermark === undefined ? undefined : { [this.topic]: watermark[this.topic] ?? {} };
    if (this.watermark === undefined) return;
    const own = this.watermark[this.topic] ?? {};
    const rebuild = this.overflowed;
    if (rebuild) this.overflowed = false;
    const offsets = await admin.fetchTopicOffsets(this.topic);
    this.partitions = offsets.map((o) => o.partition);
    for (const { partition, offset, low } of offsets) {
      const from = (own[String(partition)] ?? -1) + 1;
      this.end.set(partition, Math.max(this.end.get(partition) ?? 0, Number(offset)));
      if (from < Number(low)) {
        // Kafka no longer holds everything past the watermark: the index cannot be complete.
        this.logger.warn({ partition, from, low }, 'fresh-rating index: the topic no longer holds all events past the model; requests read the fresh store');
        this.from.set(partition, Number.POSITIVE_INFINITY);
        continue;
      }
      const started = this.from.get(partition);
      if (rebuild || started === undefined || from < started) {
        this.dropPartition(partition);
        this.from.set(partition, from);
        this.next.set(partition, from);
        consumer.seek({ topic: this.topic, partition, offset: String(from) });
      }
    }
    this.retain((item) => !isCovered(this.watermark, item.kafka_topic, item.kafka_partition, item.kafka_offset));
  }

  /** Whether reading has reached, in every partition, the end it had when the current watermark was set. */
  get ready(): boolean {
    if (!this.connected || this.overflowed || this.watermark === undefined || this.partitions.length === 0) return false;
    return this.partitions.every((p) => Number.isFinite(this.from.get(p)) && (this.next.get(p) ?? 0) >= (this.end.get(p) ?? 0));
  }

  ratingsOf(userId: number): readonly StoredFreshRating[] | undefined {
    if (!this.ready) return undefined;
    return this.byUser.get(userId) ?? [];
  }

  async stop(): Promise<void> {
    this.connected = false;
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
  }

  private add(item: StoredFreshRating): void {
    // Past the bound within a batch: the rest of it is let go as well.
    if (this.overflowed) return;
    const list = this.byUser.get(item.user_id);
    if (list === undefined) {
      this.byUser.set(item.user_id, [item]);
    } else {
      const last = list.at(-1)!;
      if (item.kafka_offset > last.kafka_offset || item.kafka_partition !== last.kafka_partition) {
        list.push(item);
      } else {
        // Reading again after a rejoin or a seek: an event already here is skipped, an older one takes its place in offset order.
        if (list.some((known) => known.kafka_partition === item.kafka_partition && known.kafka_offset === item.kafka_offset)) return;
        list.splice(list.findIndex((known) => known.kafka_offset > item.kafka_offset), 0, item);
      }
      if (list.length > this.options.maxPerUser) {
        list.shift();
        this.count--;
      }
    }
    if (++this.count > this.options.maxRatings) {
      this.logger.warn({ max_ratings: this.options.maxRatings }, 'fresh-rating index: more ratings past the model than it keeps; requests read the fresh store until the next model');
      this.overflowed = true;
      this.byUser.clear();
      this.count = 0;
    }
  }

  private dropPartition(partition: number): void {
    this.retain((item) => item.kafka_partition !== partition);
  }

  private retain(keep: (item: StoredFreshRating) => boolean): void {
    for (const [userId, list] of this.byUser) {
      const kept = list.filter(keep);
      this.count -= list.length - kept.length;
      if (kept.length === 0) this.byUser.delete(userId);
      else if (kept.length !== list.length) this.byUser.set(userId, kept);
    }
  }
}
