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

const pad = (offset: string) => {
  if (!/^\d+$/.test(offset)) throw new Error(`not a Kafka offset: '${offset}'`);
  return offset.padStart(20, '0');
};

/** `dt=YYYY-MM-DD` of an instant, in UTC. */
export function ingestionDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function bronzeDatePrefix(prefix: string, date: string): string {
  return `${prefix.replace(/\/+$/, '')}/dt=${date}/`;
}

export function bronzeObjectKey(id: BronzeObjectId): string {
  return `${bronzeDatePrefix(id.prefix, ingestionDate(id.ingestedAt))}${id.topic}-p${id.partition}-${pad(id.firstOffset)}-${pad(id.lastOffset)}.jsonl`;
}
