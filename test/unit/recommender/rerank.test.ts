import assert from 'node:assert/strict';
import { rankPool, type Pool, type RankedItem } from '../../../recommender/rerank';
import { createRandom } from '../../../recommender/random';

/** The rerank as SPEC §2.8 states it: score every pool entry, sort all (ties: smaller movie id), keep `limit`. */
function rankBySortingAll(pool: Pool, quality: Float32Array, movieIds: Int32Array, qualityWeight: number, limit: number, skip?: (item: number) => boolean): RankedItem[] {
  const scored: RankedItem[] = [];
  pool.items.forEach((item, p) => {
    if (skip?.(item)) return;
    scored.push({ item, score: pool.recallScore[p]! * (1 - qualityWeight) + quality[item]! * qualityWeight, recallScore: pool.recallScore[p]!, qualityScore: quality[item]!, evidence: pool.evidence[p]! });
  });
  scored.sort((a, b) => b.score - a.score || movieIds[a.item]! - movieIds[b.item]!);
  return scored.slice(0, limit);
}

describe('recommender: rankPool', () => {
  const movies = 300;
  // Movie ids in another order than the dense indices, so a tie broken by index instead of id would show.
  const movieIds = Int32Array.from({ length: movies }, (_, i) => 10_000 - 7 * i);

  function randomPool(random: () => number, size: number, levels: number): { pool: Pool; quality: Float32Array } {
    // Few distinct values, so that equal scores are common.
    const level = () => Math.floor(random() * levels) / levels;
    const items = new Set<number>();
    while (items.size < size) items.add(Math.floor(random() * movies));
    return {
      pool: { items: Int32Array.from(items), recallScore: Float32Array.from(items, level), evidence: Float32Array.from(items, () => random()) },
      quality: Float32Array.from({ length: movies }, level),
    };
  }

  it('ranks like scoring and sorting the whole pool, ties by movie id, for any limit, weight and skip', () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 400; trial++) {
      const { pool, quality } = randomPool(random, Math.floor(random() * 120), trial % 2 === 0 ? 4 : 1000);
      const qualityWeight = [0, 0.3, 1, random()][trial % 4]!;
      const limit = [1, 10, 100, 500][trial % 4 === 0 ? 3 : trial % 3]!;
      const skipped = new Set(Array.from(pool.items).filter(() => random() < 0.2));
      const skip = trial % 5 === 0 ? undefined : (item: number) => skipped.has(item);
      assert.deepEqual(rankPool(pool, quality, movieIds, qualityWeight, limit, skip), rankBySortingAll(pool, quality, movieIds, qualityWeight, limit, skip), `trial ${trial}`);
    }
  });

  it('returns nothing for an empty pool, a zero limit or a pool that is all skipped', () => {
    const { pool, quality } = randomPool(createRandom(1), 20, 10);
    assert.deepEqual(rankPool({ items: new Int32Array(0), recallScore: new Float32Array(0), evidence: new Float32Array(0) }, quality, movieIds, 0.3, 10), []);
    assert.deepEqual(rankPool(pool, quality, movieIds, 0.3, 0), []);
    assert.deepEqual(rankPool(pool, quality, movieIds, 0.3, 10, () => true), []);
  });
});
