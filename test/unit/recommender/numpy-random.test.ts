import assert from 'node:assert/strict';
import { NumpyRandomState, numpyRand } from '../../../recommender';

// Reference values printed by NumPy 2.4.6: `np.random.seed(s); v = np.random.rand(1000)`, at indices
// 0, 1, 2, 311, 312 (the last double of the first 624-word state), 313 (after regenerating) and 999.
const reference: Record<number, number[]> = {
  42: [0.3745401188473625, 0.9507143064099162, 0.7319939418114051, 0.07845638134226596, 0.02535074341545751, 0.9626484146779251, 0.44600577295795574],
  1: [0.417022004702574, 0.7203244934421581, 0.00011437481734488664, 0.9096355249515571, 0.2571182937821962, 0.1108913007440292, 0.7744772660150796],
  0: [0.5488135039273248, 0.7151893663724195, 0.6027633760716439, 0.14694664540037505, 0.07952208258675575, 0.08960303423860538, 0.6771411441114241],
  4294967295: [0.0976320289940138, 0.9123828453026218, 0.78903530185164, 0.2845819535787153, 0.89887815082878, 0.220919050074051, 0.556626859384112],
};
const indices = [0, 1, 2, 311, 312, 313, 999];

describe('recommender: NumPy legacy generator (MT19937, np.random.seed + rand)', () => {
  it('np.random.seed(42); np.random.rand(3) = 0.3745401188473625, 0.9507143064099162, 0.7319939418114051', () => {
    assert.deepEqual(Array.from(numpyRand(42, 3)), [0.3745401188473625, 0.9507143064099162, 0.7319939418114051]);
  });

  for (const [seed, values] of Object.entries(reference)) {
    it(`seed ${seed}: the same doubles as NumPy, across the state regeneration`, () => {
      const drawn = numpyRand(Number(seed), 1000);
      assert.deepEqual(indices.map((i) => drawn[i]), values);
    });
  }

  it('draws one at a time as rand(n) draws them; rejects seeds NumPy rejects', () => {
    const random = new NumpyRandomState(7);
    const oneByOne = Array.from({ length: 700 }, () => random.randomSample());
    assert.deepEqual(oneByOne, Array.from(numpyRand(7, 700)));
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => new NumpyRandomState(bad), RangeError);
  });
});
