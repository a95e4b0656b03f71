// Layer semantics: Linear init, buffer reuse, names/state dicts, train/eval, Dropout and BatchNorm1d behaviour.
import { describe, expect, it } from 'vitest';
import { Rng, fromArray, randn, zeros } from '@timbre/tensor';
import { BatchNorm1d, Dropout, GELU, Linear, ReLU, Sequential, Sigmoid, Tanh, buildModule, manualSeed } from '../src/index.js';

describe('Linear', () => {
  it('initialises weight and bias in U(±1/√in) with the right spread, reproducibly', () => {
    const a = new Linear(64, 200, { rng: new Rng(3) }),
      b = new Linear(64, 200, { rng: new Rng(3) });
    const bound = 1 / 8;
    let sq = 0;
    for (const v of a.weight.data) {
      expect(Math.abs(v)).toBeLessThanOrEqual(bound);
      sq += v * v;
    }
    // Var of U(−b, b) is b²/3.
    expect(sq / a.weight.size).toBeCloseTo((bound * bound) / 3, 3);
    for (const v of a.bias!.data) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    manualSeed(5);
    const c = new Linear(4, 4);
    manualSeed(5);
    const d = new Linear(4, 4);
    expect(Array.from(c.weight.data)).toEqual(Array.from(d.weight.data));
  });

  it('with { reuse: true } reuses its output and dx buffers while the batch size is unchanged, and for two alternating sizes', () => {
    const fc = new Linear(3, 2, { rng: new Rng(1) });
    const x = randn([4, 3], new Rng(2)),
      y = randn([3, 3], new Rng(3));
    const r = { reuse: true };
    const o1 = fc.forward(x, r),
      o2 = fc.forward(x, r);
    expect(o2).toBe(o1);
    const dx1 = fc.backward(zeros([4, 2]), true, r),
      dx2 = fc.backward(zeros([4, 2]), true, r);
    expect(dx2).toBe(dx1);
    const o3 = fc.forward(y, r);
    expect(o3).not.toBe(o1);
    expect(fc.forward(x, r)).toBe(o1);
    expect(fc.forward(y, r)).toBe(o3);
  });

  it('computes x·Wᵀ + b and accumulates weight gradients across backward calls', () => {
    const fc = new Linear(2, 1, { rng: new Rng(1) });
    fc.weight.data.set([2, -1]);
    fc.bias!.data.set([0.5]);
    const x = fromArray([
      [1, 3],
      [2, 1],
    ]);
    expect(Array.from(fc.forward(x).data)).toEqual([2 - 3 + 0.5, 4 - 1 + 0.5]);
    const d = fromArray([[1], [1]]);
    fc.backward(d);
    fc.backward(d);
    expect(Array.from(fc.weight.grad.data)).toEqual([6, 8]);
    expect(Array.from(fc.bias!.grad.data)).toEqual([4]);
    fc.zeroGrad();
    expect(Array.from(fc.weight.grad.data)).toEqual([0, 0]);
  });

  it('skips the input gradient when asked (first layer)', () => {
    const fc = new Linear(2, 2, { rng: new Rng(1) });
    fc.forward(zeros([3, 2]));
    expect(fc.backward(zeros([3, 2]), false)).toBeNull();
  });
});

describe('Module: names, state dicts, modes', () => {
  const model = () =>
    new Sequential(
      new Linear(4, 8, { rng: new Rng(1) }),
      new BatchNorm1d(8),
      new ReLU(),
      new Dropout(0.5, { rng: new Rng(2) }),
      new Linear(8, 3, { rng: new Rng(3) }),
    );
  it('names parameters and buffers like PyTorch', () => {
    const m = model();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '4.weight', '4.bias']);
    expect(Object.keys(m.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '4.weight',
      '4.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
  });
  it('train()/eval() propagate to children', () => {
    const m = model().eval();
    expect(m.layers.every((l) => !l.training)).toBe(true);
    m.train();
    expect(m.layers.every((l) => l.training)).toBe(true);
  });
  it('loadStateDict copies values, is strict by default and checks shapes', () => {
    const a = model(),
      b = model();
    for (const p of a.parameters()) p.data.fill(0.25);
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.parameters()[0].data.slice(0, 3))).toEqual([0.25, 0.25, 0.25]);
    const partial = { '0.weight': a.stateDict()['0.weight'] };
    expect(() => b.loadStateDict(partial)).toThrow(/missing keys \[0\.bias.*\(help: pass \{ strict: false \}/);
    expect(b.loadStateDict(partial, { strict: false }).missingKeys).toContain('4.bias');
    expect(() => b.loadStateDict({ ...a.stateDict(), extra: zeros([1]) })).toThrow(/unexpected keys \[extra\]/);
    expect(() => b.loadStateDict({ ...a.stateDict(), '0.weight': zeros([3, 4]) })).toThrow(
      /0\.weight: checkpoint shape \[3, 4\] does not match the module's \[8, 4\]/,
    );
  });
  it('config() round-trips through buildModule', () => {
    const m = model();
    const copy = buildModule(m.config());
    expect(copy.config()).toEqual(m.config());
    copy.loadStateDict(m.stateDict());
    m.eval();
    copy.eval();
    const x = randn([5, 4], new Rng(4));
    expect(Array.from(copy.forward(x).data)).toEqual(Array.from(m.forward(x).data));
  });
});

describe('activations', () => {
  it('match their definitions (GELU is the exact erf form)', () => {
    const xs = [-30, -5, -1.5, -0.3, 0, 0.2, 1, 4, 30];
    const x = fromArray(xs);
    const gelu = new GELU().forward(x).data,
      tanh = new Tanh().forward(x).data,
      sig = new Sigmoid().forward(x).data;
    // Φ via the relation Φ(x) = ½ erfc(−x/√2), with erfc from a high-accuracy series/continued fraction below.
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i];
      expect(gelu[i]).toBeCloseTo(v * phiRef(v), 6);
      expect(tanh[i]).toBeCloseTo(Math.tanh(v), 6);
      expect(sig[i]).toBeCloseTo(1 / (1 + Math.exp(-v)), 6);
    }
    // Φ(1) = 0.8413447460685429 (tables), so GELU(1) = Φ(1).
    expect(gelu[6]).toBeCloseTo(0.8413447460685429, 6);
    expect(gelu[0]).toBe(-0); // x·Φ(x) underflows to −0 at −30, no NaN
  });
});

/** Standard normal CDF in float64: Taylor series of erf for |z| < 3, Lentz continued fraction of erfc beyond. */
function phiRef(x: number): number {
  const z = x / Math.SQRT2;
  if (Math.abs(z) < 3) {
    let term = z,
      sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
  }
  const a = Math.abs(z);
  let f = 0; // erfc(a) = exp(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …))))
  for (let k = 60; k >= 1; k--) f = k / 2 / (a + f);
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  return z > 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

describe('Dropout', () => {
  it('train: zeroes about p of the entries and scales survivors by 1/(1−p); seeded', () => {
    const x = zeros([200, 50]).fill(1);
    const a = new Dropout(0.3, { rng: new Rng(7) }).forward(x).clone();
    const b = new Dropout(0.3, { rng: new Rng(7) }).forward(x).clone();
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    let zerosN = 0;
    for (const v of a.data) {
      if (v === 0) zerosN++;
      else expect(v).toBeCloseTo(1 / 0.7, 6);
    }
    expect(zerosN / a.size).toBeGreaterThan(0.28);
    expect(zerosN / a.size).toBeLessThan(0.32);
  });
  it('eval is the identity; p = 0 and p = 1 behave like PyTorch', () => {
    const x = randn([4, 4], new Rng(1));
    expect(new Dropout(0.5).eval().forward(x)).toBe(x);
    expect(new Dropout(0).forward(x)).toBe(x);
    expect(Array.from(new Dropout(1, { rng: new Rng(1) }).forward(x).data).every((v) => v === 0)).toBe(true);
    expect(() => new Dropout(1.5)).toThrow('dropout probability has to be between 0 and 1, but got 1.5');
  });
});

describe('BatchNorm1d', () => {
  it('training normalises with batch stats and updates running stats with the unbiased variance', () => {
    const rng = new Rng(3);
    const B = 6,
      C = 3;
    const x = randn([B, C], rng, 2, 3);
    const bn = new BatchNorm1d(C, { momentum: 0.1 });
    const out = bn.forward(x);
    for (let c = 0; c < C; c++) {
      let m = 0,
        v = 0;
      for (let b = 0; b < B; b++) m += x.data[b * C + c];
      m /= B;
      for (let b = 0; b < B; b++) v += (x.data[b * C + c] - m) ** 2;
      for (let b = 0; b < B; b++) expect(out.data[b * C + c]).toBeCloseTo((x.data[b * C + c] - m) / Math.sqrt(v / B + 1e-5), 5);
      expect(bn.runningMean!.data[c]).toBeCloseTo(0.1 * m, 6);
      expect(bn.runningVar!.data[c]).toBeCloseTo(0.9 + (0.1 * v) / (B - 1), 6);
    }
    expect(bn.numBatchesTracked!.data[0]).toBe(1);
  });
  it('eval uses the running statistics and leaves them unchanged', () => {
    const bn = new BatchNorm1d(2);
    bn.runningMean!.data.set([1, -1]);
    bn.runningVar!.data.set([4, 0.25]);
    bn.eval();
    const out = bn.forward(fromArray([[3, 0]]));
    expect(out.data[0]).toBeCloseTo(2 / Math.sqrt(4 + 1e-5), 6);
    expect(out.data[1]).toBeCloseTo(1 / Math.sqrt(0.25 + 1e-5), 6);
    expect(Array.from(bn.runningMean!.data)).toEqual([1, -1]);
  });
  it('momentum null is a cumulative average; a batch of one is an error in training', () => {
    const bn = new BatchNorm1d(1, { momentum: null });
    bn.forward(fromArray([[1], [3]]));
    bn.forward(fromArray([[5], [7]]));
    expect(bn.runningMean!.data[0]).toBeCloseTo(4, 6);
    expect(() => bn.forward(fromArray([[1]]))).toThrow('Expected more than 1 value per channel when training, got input size [1, 1]');
  });
});
