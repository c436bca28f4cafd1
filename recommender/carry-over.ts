import { candidatePool, type CandidateLists } from './candidates';
import type { IdIndex } from './id-index';
import type { UserItemMatrix } from './matrix';
import type { Pool } from './rerank';

/**
 * Candidate pools carried over from an earlier model, as Gorse keeps a user's cached recommendations
 * until that user's feedback changes: a user whose ratings are exactly what they were in the earlier
 * model keeps that model's pools (their recall reflects the neighbours and the catalogue of that night,
 * so the batch recomputes everyone at least every few nights); every other user is computed again.
 * The rerank's second half (quality, the request's weight) and the exclusion of seen movies still run
 * on the new model at request time.
 */

/** An earlier model's rating rows and pools, in its own dense indices. */
export interface PoolSource {
  matrix: Pick<UserItemMatrix, 'userIndex' | 'movieIds' | 'rowPtr' | 'colIdx' | 'values'>;
  candidates: CandidateLists;
}

/** 1 for each user (dense index of `current`) whose ratings equal those `base` holds for the same id, and whom `base` has pools for. */
export function unchangedUsers(base: PoolSource, current: Pick<UserItemMatrix, 'numUsers' | 'userIds' | 'movieIds' | 'rowPtr' | 'colIdx' | 'values'>): Uint8Array {
  const flags = new Uint8Array(current.numUsers);
  const { firstUser, numUsers } = base.candidates;
  for (let u = 0; u < current.numUsers; u++) {
    const b = base.matrix.userIndex.get(current.userIds[u]!);
    if (b === undefined || b < firstUser || b >= firstUser + numUsers) continue;
    const start = current.rowPtr[u]!;
    const length = current.rowPtr[u + 1]! - start;
    const baseStart = base.matrix.rowPtr[b]!;
    if (base.matrix.rowPtr[b + 1]! - baseStart !== length) continue;
    let same = true;
    // Rows are sorted by movie index and both index orders follow the movie ids, so equal rows align.
    for (let k = 0; k < length && same; k++) {
      same = base.matrix.movieIds[base.matrix.colIdx[baseStart + k]!] === current.movieIds[current.colIdx[start + k]!] && base.matrix.values[baseStart + k] === current.values[start + k];
    }
    if (same) flags[u] = 1;
  }
  return flags;
}

/** Where pools are written: arrays sized for all of them, filled from `at` on. */
interface PoolsOut {
  items: Int32Array;
  recallScore: Float32Array;
  evidence: Float32Array;
}

/**
 * Appends one of the base's pools to `out` at `at`, in the current model's movie indices: movies the
 * current model no longer has are dropped; an evidence naming a movie (a negative number, −index − 1)
 * names it by its new index. Returns where the next entry goes.
 */
function appendCarriedPool(pool: Pool, baseMovieIds: Int32Array, movieIndex: Pick<IdIndex, 'get'>, out: PoolsOut, at: number): number {
  let n = at;
  for (let p = 0; p < pool.items.length; p++) {
    const item = movieIndex.get(baseMovieIds[pool.items[p]!]!);
    if (item === undefined) continue;
    const e = pool.evidence[p]!;
    const named = e < 0 ? movieIndex.get(baseMovieIds[-e - 1]!) : undefined;
    if (e < 0 && named === undefined) continue;
    out.items[n] = item;
    out.recallScore[n] = pool.recallScore[p]!;
    out.evidence[n] = named === undefined ? e : -named - 1;
    n++;
  }
  return n;
}

/**
 * `lists` (every user of the current model, as the shards computed them) with each user flagged in
 * `carried` given the base's pools instead. The pools are written straight into arrays sized from
 * both sources' lengths: at 10^7 ratings they hold hundreds of MB, so no pool is copied on its own first.
 */
export function withCarriedPools(lists: CandidateLists, carried: Uint8Array, base: PoolSource, current: Pick<UserItemMatrix, 'userIds' | 'movieIndex'>): CandidateLists {
  const methods = lists.numMethods;
  if (methods !== base.candidates.numMethods) throw new RangeError(`the earlier model has pools of ${base.candidates.numMethods} methods, this one ${lists.numMethods}`);
  // Per user of `lists`, the base's dense index of a carried user, −1 for a computed one.
  const baseUser = new Int32Array(lists.numUsers).fill(-1);
  let capacity = 0;
  for (let k = 0; k < lists.numUsers; k++) {
    const u = lists.firstUser + k;
    const b = carried[u] === 1 ? base.matrix.userIndex.get(current.userIds[u]!) : undefined;
    const from = b === undefined ? lists : base.candidates;
    const slot = (b === undefined ? k : b - base.candidates.firstUser) * methods;
    if (slot < 0 || slot >= from.numUsers * methods) throw new RangeError(`the earlier model has no pools for user ${current.userIds[u]}, whom it was to carry over`);
    if (b !== undefined) baseUser[k] = b;
    capacity += from.ptr[slot + methods]! - from.ptr[slot]!;
  }
  const ptr = new Int32Array(lists.numUsers * methods + 1);
  const out: PoolsOut = { items: new Int32Array(capacity), recallScore: new Float32Array(capacity), evidence: new Float32Array(capacity) };
  let n = 0;
  for (let k = 0; k < lists.numUsers; k++) {
    const b = baseUser[k]!;
    for (let m = 0; m < methods; m++) {
      if (b >= 0) {
        n = appendCarriedPool(candidatePool(base.candidates, b, m)!, base.matrix.movieIds, current.movieIndex, out, n);
      } else {
        const pool = candidatePool(lists, lists.firstUser + k, m)!;
        out.items.set(pool.items, n);
        out.recallScore.set(pool.recallScore, n);
        out.evidence.set(pool.evidence, n);
        n += pool.items.length;
      }
      ptr[k * methods + m + 1] = n;
    }
  }
  // Entries of movies the current model no longer has were dropped: the arrays' tail is unused.
  return { firstUser: lists.firstUser, numUsers: lists.numUsers, numMethods: methods, ptr, items: out.items.subarray(0, n), recallScore: out.recallScore.subarray(0, n), evidence: out.evidence.subarray(0, n) };
}
