/**
 * NumPy's legacy global generator, bit for bit: `np.random.seed(seed)` then `np.random.rand(n)` (the
 * same as `np.random.random_sample(n)` and `RandomState(seed).random_sample(n)`).
 *
 * - Bit generator: MT19937 (Matsumoto & Nishimura), state of 624 32-bit words.
 * - Seeding with an integer in [0, 2^32 − 1]: NumPy's `MT19937._legacy_seeding` calls `mt19937_seed`
 *   (numpy/random/src/mt19937/mt19937.c), which is the reference `init_genrand(seed)` (Knuth's
 *   multiplier 1812433253), NOT `init_by_array` (that one is used for array seeds, and by Python's own
 *   `random.seed`). The position starts at 624, so the first draw regenerates the whole state.
 * - A double in [0, 1): two tempered 32-bit draws a, b, then ((a >>> 5) · 2^26 + (b >>> 6)) / 2^53.
 */
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class NumpyRandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`a NumPy seed must be an integer between 0 and 2**32 - 1, got ${seed}`);
    const key = this.key;
    key[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = key[i - 1]!;
      key[i] = Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i;
    }
    this.pos = N;
  }

  /** The next tempered 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random_sample()`: a double in [0, 1) with 53 random bits. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `rand(n)`: n successive `random_sample()` draws. */
  rand(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.randomSample();
    return out;
  }

  private generate(): void {
    const key = this.key;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (key[i]! & UPPER_MASK) | (key[i + 1]! & LOWER_MASK);
      key[i] = key[i + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      const y = (key[i]! & UPPER_MASK) | (key[i + 1]! & LOWER_MASK);
      key[i] = key[i + M - N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (key[N - 1]! & UPPER_MASK) | (key[0]! & LOWER_MASK);
    key[N - 1] = key[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }
}

/** `np.random.seed(seed); np.random.rand(n)`. */
export function numpyRand(seed: number, n: number): Float64Array {
  return new NumpyRandomState(seed).rand(n);
}
