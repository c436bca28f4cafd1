import type { Pool } from './rerank';

/**
 * Candidate pools precomputed by the batch, per user and method (as Gorse precomputes per-user
 * candidates offline): the first half of the rerank (`selectPool`) for every user the model knows, so a
 * request costs a lookup and `rankPool` with its quality weight. Stored flat: pool (u, m) is
 * entries ptr[u·M + m] .. ptr[u·M + m + 1] of `items`, `recallScore` and `evidence`, M = methods.
 */
export interface CandidateLists {
  /** Users covered: dense indices firstUser .. firstUser + numUsers − 1. */
  firstUser: number;
  numUsers: number;
  numMethods: number;
  ptr: Int32Array;
  items: Int32Array;
  recallScore: Float32Array;
  evidence: Float32Array;
}

export function candidatePool(lists: CandidateLists, user: number, method: number): Pool | undefined {
  const u = user - lists.firstUser;
  if (u < 0 || u >= lists.numUsers) return undefined;
  const slot = u * lists.numMethods + method;
  const start = lists.ptr[slot]!;
  const end = lists.ptr[slot + 1]!;
  return { items: lists.items.subarray(start, end), recallScore: lists.recallScore.subarray(start, end), evidence: lists.evidence.subarray(start, end) };
}

/** Collects pools in user order, method by method, into one `CandidateLists`. */
export class CandidateListsBuilder {
  private readonly pools: Pool[] = [];

  constructor(
    private readonly firstUser: number,
    private readonly numMethods: number,
  ) {}

  /** The pools of the next user, one per method. */
  add(pools: readonly Pool[]): void {
    if (pools.length !== this.numMethods) throw new RangeError(`expected ${this.numMethods} pools, got ${pools.length}`);
    this.pools.push(...pools);
  }

  build(): CandidateLists {
    const ptr = new Int32Array(this.pools.length + 1);
    for (let s = 0; s < this.pools.length; s++) ptr[s + 1] = ptr[s]! + this.pools[s]!.items.length;
    const total = ptr[this.pools.length]!;
    const items = new Int32Array(total);
    const recallScore = new Float32Array(total);
    const evidence = new Float32Array(total);
    this.pools.forEach((pool, s) => {
      items.set(pool.items, ptr[s]);
      recallScore.set(pool.recallScore, ptr[s]);
      evidence.set(pool.evidence, ptr[s]);
    });
    return { firstUser: this.firstUser, numUsers: this.pools.length / this.numMethods, numMethods: this.numMethods, ptr, items, recallScore, evidence };
  }
}

/** Joins lists of consecutive user ranges (as shards computed them) into one. */
export function concatCandidateLists(parts: readonly CandidateLists[]): CandidateLists {
  const sorted = [...parts].sort((a, b) => a.firstUser - b.firstUser);
  const first = sorted[0];
  if (first === undefined) throw new RangeError('no candidate lists to join');
  let expected = first.firstUser;
  for (const part of sorted) {
    if (part.firstUser !== expected || part.numMethods !== first.numMethods) throw new RangeError(`candidate lists do not join: a part starts at user ${part.firstUser}, expected ${expected}`);
    expected += part.numUsers;
  }
  const slots = sorted.reduce((s, p) => s + p.numUsers * p.numMethods, 0);
  const total = sorted.reduce((s, p) => s + p.items.length, 0);
  const joined: CandidateLists = {
    firstUser: first.firstUser,
    numUsers: expected - first.firstUser,
    numMethods: first.numMethods,
    ptr: new Int32Array(slots + 1),
    items: new Int32Array(total),
    recallScore: new Float32Array(total),
    evidence: new Float32Array(total),
  };
  let slot = 0;
  let offset = 0;
  for (const part of sorted) {
    const n = part.numUsers * part.numMethods;
    for (let s = 0; s < n; s++) joined.ptr[slot + s + 1] = offset + part.ptr[s + 1]!;
    joined.items.set(part.items, offset);
    joined.recallScore.set(part.recallScore, offset);
    joined.evidence.set(part.evidence, offset);
    slot += n;
    offset += part.items.length;
  }
  return joined;
}

/** Bytes of a shard's lists: [firstUser, numUsers, numMethods, entries] as int32, then ptr, items, recallScore, evidence. */
export function encodeCandidateLists(lists: CandidateLists): Uint8Array {
  const slots = lists.numUsers * lists.numMethods;
  const entries = lists.items.length;
  const bytes = new Uint8Array(16 + 4 * (slots + 1) + 12 * entries);
  const header = new Int32Array(bytes.buffer, 0, 4);
  header.set([lists.firstUser, lists.numUsers, lists.numMethods, entries]);
  let offset = 16;
  for (const array of [lists.ptr, lists.items, lists.recallScore, lists.evidence]) {
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset += array.byteLength;
  }
  return bytes;
}

/** The lists `encodeCandidateLists` wrote; rejects bytes whose sizes or pointers do not add up. */
export function decodeCandidateLists(bytes: Uint8Array): CandidateLists {
  if (bytes.length < 16) throw new RangeError(`candidate lists need a 16-byte header, got ${bytes.length} bytes`);
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const [firstUser, numUsers, numMethods, entries] = new Int32Array(aligned.buffer, aligned.byteOffset, 4);
  const slots = numUsers! * numMethods!;
  if (firstUser! < 0 || numUsers! < 0 || numMethods! < 1 || entries! < 0 || aligned.length !== 16 + 4 * (slots + 1) + 12 * entries!) {
    throw new RangeError(`candidate lists of ${aligned.length} bytes do not match their header (${numUsers} users, ${numMethods} methods, ${entries} entries)`);
  }
  let offset = aligned.byteOffset + 16;
  const take = <T>(make: (buffer: ArrayBufferLike, at: number, length: number) => T, length: number): T => {
    const array = make(aligned.buffer, offset, length);
    offset += 4 * length;
    return array;
  };
  const ptr = take((b, at, n) => new Int32Array(b, at, n), slots + 1);
  const items = take((b, at, n) => new Int32Array(b, at, n), entries!);
  const recallScore = take((b, at, n) => new Float32Array(b, at, n), entries!);
  const evidence = take((b, at, n) => new Float32Array(b, at, n), entries!);
  if (ptr[0] !== 0 || ptr[slots] !== entries) throw new RangeError('candidate list pointers do not span the entries');
  for (let s = 0; s < slots; s++) if (ptr[s + 1]! < ptr[s]!) throw new RangeError(`candidate list pointers decrease at slot ${s}`);
  return { firstUser: firstUser!, numUsers: numUsers!, numMethods: numMethods!, ptr, items, recallScore, evidence };
}
