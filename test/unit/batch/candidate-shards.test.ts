import assert from 'node:assert/strict';
import { userRanges } from '../../../activities/train-model';
import { mapBounded } from '../../../workflows/bounded';

describe('batch: the train stage’s candidate shards', () => {
  it('splits the users into consecutive ranges of at most the shard size that cover them all', () => {
    assert.deepEqual(userRanges(943, 20_000), [{ from: 0, to: 943 }]);
    const ranges = userRanges(100_000, 30_000);
    assert.equal(ranges.length, 4);
    assert.equal(ranges[0]!.from, 0);
    assert.equal(ranges.at(-1)!.to, 100_000);
    for (let s = 1; s < ranges.length; s++) assert.equal(ranges[s]!.from, ranges[s - 1]!.to);
    for (const range of ranges) assert.ok(range.to - range.from <= 30_000);
  });

  it('runs at most `width` calls at once, in item order, and gives the results in item order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      running--;
      return n * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30, 0]);
    assert.equal(most, 2);
    assert.deepEqual(started, [5, 1, 4, 2, 3, 0]);
  });

  it('rejects with the first failure', async () => {
    await assert.rejects(
      mapBounded([1, 2, 3], 3, (n) => (n === 2 ? Promise.reject(new Error('shard 2 failed')) : Promise.resolve(n))),
      /shard 2 failed/,
    );
  });
});
