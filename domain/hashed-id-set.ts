/**
 * A set of string ids kept as 64-bit hashes in typed arrays: 16 bytes an id instead of the ~100 a JS
 * string in a Set costs, so tens of millions of event ids fit in memory. Two different ids collide with
 * probability about n²/2⁶⁵ (for n = 10⁷: under 10⁻⁵), which for dedup means dropping an event as a
 * duplicate that was not one — far rarer than the duplicates at-least-once delivery produces.
 */
export class HashedIdSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private used: Uint8Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.used = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds the id; true when it was not there yet. */
  add(id: string): boolean {
    const [h, l] = hash64(id);
    return this.addHash(h, l);
  }

  /** Adds an id by its `hash64` (computed elsewhere, e.g. in a thread); true when it was not there yet. */
  addHash(h: number, l: number): boolean {
    if (this.count * 2 >= this.used.length) this.grow();
    return this.insert(h, l);
  }

  has(id: string): boolean {
    const [h, l] = hash64(id);
    const mask = this.used.length - 1;
    for (let slot = (l ^ h) & mask; this.used[slot] === 1; slot = (slot + 1) & mask) {
      if (this.hi[slot] === h && this.lo[slot] === l) return true;
    }
    return false;
  }

  /** The ids' hashes as bytes (8 per id, little-endian pairs), for storing the set between runs. */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(this.count * 8);
    const view = new DataView(bytes.buffer);
    let offset = 0;
    for (let slot = 0; slot < this.used.length; slot++) {
      if (this.used[slot] === 0) continue;
      view.setUint32(offset, this.hi[slot]!, true);
      view.setUint32(offset + 4, this.lo[slot]!, true);
      offset += 8;
    }
    return bytes;
  }

  /** The set `toBytes` stored. */
  static fromBytes(bytes: Uint8Array): HashedIdSet {
    if (bytes.length % 8 !== 0) throw new RangeError(`a stored id set has 8 bytes an id, got ${bytes.length} bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const set = new HashedIdSet(bytes.length / 8);
    for (let offset = 0; offset < bytes.length; offset += 8) set.insert(view.getUint32(offset, true), view.getUint32(offset + 4, true));
    return set;
  }

  private insert(h: number, l: number): boolean {
    const mask = this.used.length - 1;
    let slot = (l ^ h) & mask;
    while (this.used[slot] === 1) {
      if (this.hi[slot] === h && this.lo[slot] === l) return false;
      slot = (slot + 1) & mask;
    }
    this.used[slot] = 1;
    this.hi[slot] = h;
    this.lo[slot] = l;
    this.count++;
    return true;
  }

  private grow(): void {
    const { hi, lo, used } = this;
    this.hi = new Uint32Array(used.length * 2);
    this.lo = new Uint32Array(used.length * 2);
    this.used = new Uint8Array(used.length * 2);
    this.count = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.insert(hi[i]!, lo[i]!);
  }
}

/** Two independent 32-bit FNV-1a variants over the UTF-16 code units, as one 64-bit hash. */
export function hash64(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  return [a >>> 0, b >>> 0];
}
