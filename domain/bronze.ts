/**
 * Naming of bronze objects. A key is a pure function of (prefix, ingestion date, topic, partition,
 * first..last offset), so re-reading the same offset range after a crash overwrites the same object
 * instead of adding a copy. Offsets are zero-padded to 20 digits (a signed 64-bit offset has at most
 * 19) so keys sort in offset order.
 */

export interface BronzeObjectId {
  prefix: string;
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  /** When the broker stored the messages (their Kafka timestamp): fixed on replay, unlike the clock at read time. */
  ingestedAt: Date;
}

/** A Kafka offset zero-padded to 20 digits, so that keys named by offsets sort in offset order. */
export function padOffset(offset: string): string {
  if (!/^\d+$/.test(offset)) throw new Error(`not a Kafka offset: '${offset}'`);
  return offset.padStart(20, '0');
}

/** `dt=YYYY-MM-DD` of an instant, in UTC. */
export function ingestionDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function bronzeDatePrefix(prefix: string, date: string): string {
  return `${prefix.replace(/\/+$/, '')}/dt=${date}/`;
}

export function bronzeObjectKey(id: BronzeObjectId): string {
  return `${bronzeDatePrefix(id.prefix, ingestionDate(id.ingestedAt))}${id.topic}-p${id.partition}-${padOffset(id.firstOffset)}-${padOffset(id.lastOffset)}.jsonl`;
}

/**
 * The topic, partition and offset range of a bronze object's key, or undefined for keys of another
 * shape. A key may carry `~<digest>` before `.jsonl`: the consumer's name for other events under a taken
 * key (offsets that restarted after the topic was recreated; see consumer/write-once.ts).
 */
export function parseBronzeObjectKey(key: string): { topic: string; partition: number; firstOffset: number; lastOffset: number } | undefined {
  const match = /(?:^|\/)([^/]+)-p(\d+)-(\d{20})-(\d{20})(?:~[0-9a-f]{16})?\.jsonl$/.exec(key);
  if (!match) return undefined;
  return { topic: match[1]!, partition: Number(match[2]), firstOffset: Number(match[3]), lastOffset: Number(match[4]) };
}

/**
 * The last Kafka offset per topic and partition that a set of bronze objects holds: what a model
 * trained on them contains. A rating stored at (topic, partition, offset) is in the model exactly
 * when offset ≤ watermark[topic][partition], because the consumer writes a partition's objects in
 * offset order and the batch takes every object of a date range.
 */
export type BronzeWatermark = Record<string, Record<string, number>>;

export function extendWatermark(watermark: BronzeWatermark, key: string): void {
  const parsed = parseBronzeObjectKey(key);
  if (!parsed) return;
  const partitions = (watermark[parsed.topic] ??= {});
  const partition = String(parsed.partition);
  partitions[partition] = Math.max(partitions[partition] ?? -1, parsed.lastOffset);
}

/** Whether a rating stored at (topic, partition, offset) is inside what the watermark covers. */
export function isCovered(watermark: BronzeWatermark | undefined, topic: string, partition: number, offset: number): boolean {
  const last = watermark?.[topic]?.[String(partition)];
  return last !== undefined && offset <= last;
}
