// Rng: reproducibility, distribution moments (with tolerances ~5 standard errors, so a broken
// generator fails but a correct one passes with overwhelming probability), permutation/choice.
import { describe, expect, it } from 'vitest';
import { Rng, rand, randn } from '../src/index.js';

describe('Rng', () => {
  it('same seed, same stream; different seeds, different streams', () => {
    const a = new Rng(42),
      b = new Rng(42),
      c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    const sb = Array.from({ length: 100 }, () => b.nextUint32());
    const sc = Array.from({ length: 100 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa.filter((v, i) => v === sc[i]).length).toBeLessThan(3);
    expect(new Set(sa).size).toBe(100);
    expect(randn([10], new Rng(7)).data).toEqual(randn([10], new Rng(7)).data);
    expect(rand([10], new Rng(7)).data).not.toEqual(rand([10], new Rng(8)).data);
  });
  it('outputs are 32-bit unsigned integers with balanced bits', () => {
    const r = new Rng(1);
    const ones = new Array(32).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = r.nextUint32();
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
      for (let b = 0; b < 32; b++) ones[b] += (v >>> b) & 1;
    }
    // each bit ~ Binomial(n, 1/2): sd = sqrt(n)/2 ≈ 71, allow 6 sd
    for (let b = 0; b < 32; b++) expect(Math.abs(ones[b] - n / 2)).toBeLessThan(430);
  });
  it('uniform: range and moments', () => {
    const r = new Rng(2),
      n = 100000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    const m = s / n,
      v = s2 / n - m * m;
    expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(v - 1 / 12)).toBeLessThan(0.002);
    const lo = new Rng(3);
    for (let i = 0; i < 1000; i++) {
      const u = lo.uniform(-3, 5);
      expect(u >= -3 && u < 5).toBe(true);
    }
  });
  it('normal: mean, variance, skew, kurtosis and the 1-sigma mass', () => {
    const r = new Rng(4),
      n = 100000;
    let s = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0,
      within = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      s3 += z * z * z;
      s4 += z * z * z * z;
      if (Math.abs(z) < 1) within++;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s3 / n)).toBeLessThan(5 * Math.sqrt(15 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    expect(Math.abs(within / n - 0.682689)).toBeLessThan(0.008);
    const t = new Rng(5);
    let m = 0;
    for (let i = 0; i < 20000; i++) m += t.normal(10, 3);
    expect(Math.abs(m / 20000 - 10)).toBeLessThan((5 * 3) / Math.sqrt(20000));
  });
  it('int is unbiased over a non-power-of-two range', () => {
    const r = new Rng(6),
      n = 60000,
      counts = new Array(6).fill(0);
    for (let i = 0; i < n; i++) counts[r.int(6)]++;
    const chi2 = counts.reduce((a, c) => a + (c - n / 6) ** 2 / (n / 6), 0);
    expect(chi2).toBeLessThan(25); // chi-square, 5 dof: p(>25) ≈ 1e-4
    expect(() => r.int(0)).toThrow(RangeError);
  });
  it('permutation contains every index once, and positions are uniform', () => {
    const r = new Rng(7);
    const p = r.permutation(1000);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const first = new Array(4).fill(0),
      trials = 20000;
    for (let t = 0; t < trials; t++) first[r.permutation(4)[0]]++;
    for (const c of first) expect(Math.abs(c - trials / 4)).toBeLessThan(5 * Math.sqrt(trials * 0.25 * 0.75));
    expect(r.permutation(0).length).toBe(0);
  });
  it('choice without replacement: distinct indices in range', () => {
    const r = new Rng(8);
    const c = r.choice(50, 50, { replace: false });
    expect(new Set(c).size).toBe(50);
    const d = r.choice(10, 4, { replace: false });
    expect(new Set(d).size).toBe(4);
    for (const v of d) expect(v >= 0 && v < 10).toBe(true);
    expect(() => r.choice(3, 4, { replace: false })).toThrow(/cannot take 4 samples from 3/);
  });
  it('choice with replacement repeats, and is uniform', () => {
    const r = new Rng(9),
      n = 30000;
    const c = r.choice(3, n);
    const counts = [0, 0, 0];
    for (const v of c) counts[v]++;
    for (const k of counts) expect(Math.abs(k - n / 3)).toBeLessThan(5 * Math.sqrt(n * (1 / 3) * (2 / 3)));
  });
  it('weighted choice follows p and never picks zero weights', () => {
    const r = new Rng(10),
      n = 40000,
      p = [0.1, 0, 0.6, 0.3];
    const counts = [0, 0, 0, 0];
    for (const v of r.choice(4, n, { p })) counts[v]++;
    expect(counts[1]).toBe(0);
    for (let i = 0; i < 4; i++) expect(Math.abs(counts[i] / n - p[i])).toBeLessThan(5 * Math.sqrt((p[i] * (1 - p[i])) / n) + 1e-12);
    const w = r.choice(4, 3, { p: [5, 0, 1, 1], replace: false });
    expect(new Set(w).size).toBe(3);
    expect(Array.from(w)).not.toContain(1);
    expect(() => r.choice(4, 1, { p: [1, -1, 0, 0] })).toThrow(/p\[1\]=-1/);
    expect(() => r.choice(2, 1, { p: [0, 0] })).toThrow(/sum to zero/);
    expect(() => r.choice(4, 1, { p: [1, 1] })).toThrow(/2 weights for n=4/);
  });
  it('fork gives an independent but reproducible stream', () => {
    const a = new Rng(11).fork(),
      b = new Rng(11).fork();
    expect(a.nextUint32()).toBe(b.nextUint32());
    const parent = new Rng(11),
      child = parent.fork();
    expect(child.nextUint32()).not.toBe(parent.nextUint32());
  });
});
