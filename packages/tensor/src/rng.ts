// Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna, 2018), state seeded by splitmix32.
// Everything random in timbre goes through an Rng passed in explicitly; nothing calls Math.random.

import { checkOptions } from './options.js';

/**
 * A seeded random generator: xoshiro128** (32-bit output, period 2^128 - 1), its 128-bit
 * state filled from the seed by splitmix32 so that nearby seeds give unrelated streams.
 *
 * ```ts
 * const rng = new Rng(42);
 * rng.uniform(); rng.normal(); rng.permutation(10); rng.choice(5, 3);
 * ```
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare: number; // second Box-Muller deviate, NaN when empty
  /** The seed the generator was built with. */
  readonly seed: number;

  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
    this.seed = seed;
    // splitmix32 over the seed (folded to 32 bits, the high part mixed in) fills the state.
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1; // the all-zero state is a fixed point
    this.#spare = NaN;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s0 = this.#s0,
      s1 = this.#s1,
      s2 = this.#s2,
      s3 = this.#s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11);
    this.#s0 = n0;
    this.#s1 = n1;
    this.#s2 = n2;
    this.#s3 = n3;
    return r >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number;
  uniform(low = 0, high = 1): number {
    const hi = this.nextUint32() >>> 5,
      lo = this.nextUint32() >>> 6; // 27 + 26 bits
    const u = (hi * 67108864 + lo) / 9007199254740992;
    return low + (high - low) * u;
  }

  /** Standard normal deviate (Box–Muller, polar-free form; the second value is cached). */
  normal(mean = 0, std = 1): number {
    let z: number;
    if (!Number.isNaN(this.#spare)) {
      z = this.#spare;
      this.#spare = NaN;
    } else {
      let u1 = this.uniform();
      while (u1 === 0) u1 = this.uniform();
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      z = r * Math.cos(2 * Math.PI * u2);
      this.#spare = r * Math.sin(2 * Math.PI * u2);
    }
    return mean + std * z;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n); // reject the tail that would bias low values
    let v = this.nextUint32();
    while (v >= limit) v = this.nextUint32();
    return v % n;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T extends ArrayLike<unknown> & { [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /**
   * `k` indices drawn from 0..n-1, like numpy's `choice`: with replacement by default,
   * optionally weighted by `p` (non-negative, any positive sum).
   */
  choice(n: number, k: number, options: { replace?: boolean; p?: ArrayLike<number> } = {}): Int32Array {
    checkOptions('Rng.choice', options, ['replace', 'p']);
    const { replace = true, p } = options;
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`Rng.choice: k must be a non-negative integer, got ${k}`);
    if (!replace && k > n) throw new RangeError(`Rng.choice: cannot take ${k} samples from ${n} without replacement`);
    const out = new Int32Array(k);
    if (p === undefined) {
      if (replace) {
        for (let i = 0; i < k; i++) out[i] = this.int(n);
      } else {
        out.set(this.permutation(n).subarray(0, k));
      }
      return out;
    }
    if (p.length !== n) throw new RangeError(`Rng.choice: p has ${p.length} weights for n=${n}`);
    const w = Float64Array.from(p);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (!(w[i] >= 0) || !Number.isFinite(w[i])) throw new RangeError(`Rng.choice: p[${i}]=${w[i]} is not a finite non-negative weight`);
      total += w[i];
    }
    if (!(total > 0)) throw new RangeError('Rng.choice: the weights p sum to zero');
    for (let i = 0; i < k; i++) {
      let u = this.uniform() * total,
        j = 0;
      while (j < n - 1 && u >= w[j]) u -= w[j++];
      while (w[j] === 0 && j > 0) j--; // landed past the end through rounding: step back to a weighted index
      out[i] = j;
      if (!replace) {
        total -= w[j];
        w[j] = 0;
        if (i < k - 1 && !(total > 0)) throw new RangeError(`Rng.choice: fewer than ${k} indices have positive weight`);
      }
    }
    return out;
  }

  /** A new generator whose stream is independent of this one (seeded from it). */
  fork(): Rng {
    return new Rng(this.nextUint32() * 4294967296 + this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
