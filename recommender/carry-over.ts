import { candidatePool, CandidateListsBuilder, type CandidateLists } from './candidates';
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

/**
 * The base's pools of one user (its dense index `b`), every method, in the current model's movie
 * indices: movies the current model no longer has are dropped; an evidence naming a movie (a negative
 * number, −index − 1) names it by its new index.
 */
export function carriedPools(base: PoolSource, b: number, currentMovieIndex: (movieId: number) => number | undefined): Pool[] {
  const pools: Pool[] = [];
  for (let m = 0; m < base.candidates.numMethods; m++) {
    const pool = candidatePool(base.candidates, b, m)!;
    const items = new Int32Array(pool.items.length);
    const recallScore = new Float32Array(pool.items.length);
    const evidence = new Float32Array(pool.items.length);
    let n = 0;
    for (let p = 0; p < pool.items.length; p++) {
      const item = currentMovieIndex(base.matrix.movieIds[pool.items[p]!]!);
      if (item === undefined) continue;
      const e = pool.evidence[p]!;
      const named = e < 0 ? currentMovieIndex(base.matrix.movieIds[-e - 1]!) : undefined;
      if (e < 0 && named === undefined) continue;
      items[n] = item;
      recallScore[n] = pool.recallScore[p]!;
      evidence[n] = named === undefined ? e : -named - 1;
      n++;
    }
    pools.push({ items: items.subarray(0, n), recallScore: recallScore.subarray(0, n), evidence: evidence.subarray(0, n) });
  }
  return pools;
}

/**
 * `lists` (every user of the current model, as the shards computed them) with each user flagged in
 * `carried` given the base's pools instead.
 */
export function withCarriedPools(lists: CandidateLists, carried: Uint8Array, base: PoolSource, current: Pick<UserItemMatrix, 'userIds' | 'movieIndex'>): CandidateLists {
  if (lists.numMethods !== base.candidates.numMethods) throw new RangeError(`the earlier model has pools of ${base.candidates.numMethods} methods, this one ${lists.numMethods}`);
  const builder = new CandidateListsBuilder(lists.firstUser, lists.numMethods);
  const movieIndex = (id: number) => current.movieIndex.get(id);
  for (let u = lists.firstUser; u < lists.firstUser + lists.numUsers; u++) {
    const b = carried[u] === 1 ? base.matrix.userIndex.get(current.userIds[u]!) : undefined;
    if (b !== undefined) builder.add(carriedPools(base, b, movieIndex));
    else builder.add(Array.from({ length: lists.numMethods }, (_, m) => candidatePool(lists, u, m)!));
  }
  return builder.build();
}
