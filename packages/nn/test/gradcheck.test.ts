// Finite-difference gradient checks (central differences, h = 1e-3, float64 loss) for every layer and loss.
import { describe, expect, it } from 'vitest';
import { Rng, type Tensor, fromArray, randn } from '@timbre/tensor';
import {
  BatchNorm1d,
  CrossEntropyLoss,
  Dropout,
  GELU,
  LeakyReLU,
  Linear,
  MSELoss,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
  gradcheck,
  maxRelError,
  numericalGradient,
  type Module,
} from '../src/index.js';

/** Inputs kept at least 0.05 away from 0, so ReLU-like kinks are never straddled by ±h. */
function awayFromZero(shape: number[], rng: Rng): Tensor {
  const t = randn(shape, rng);
  for (let i = 0; i < t.size; i++) if (Math.abs(t.data[i]) < 0.05) t.data[i] = t.data[i] < 0 ? -0.05 : 0.05;
  return t;
}

describe('gradcheck: layers', () => {
  // h = 1e-3 (STYLE.md) for single layers; 1e-2 for the deep MLP, whose float32 output rounding (~1e-7·|L|)
  // divided by 2h would otherwise swamp small gradients (it is smooth: Tanh/GELU, no kinks).
  const cases: [string, () => Module, number[], number?][] = [
    ['Linear', () => new Linear(5, 3, { rng: new Rng(1) }), [4, 5]],
    ['Linear without bias', () => new Linear(6, 2, { bias: false, rng: new Rng(2) }), [3, 6]],
    ['ReLU', () => new ReLU(), [4, 6]],
    ['LeakyReLU', () => new LeakyReLU({ negativeSlope: 0.1 }), [4, 6]],
    ['Tanh', () => new Tanh(), [4, 6]],
    ['Sigmoid', () => new Sigmoid(), [4, 6]],
    ['GELU', () => new GELU(), [4, 6]],
    ['Dropout (eval)', () => new Dropout(0.3).eval(), [4, 6]],
    ['BatchNorm1d (train)', () => new BatchNorm1d(5), [6, 5]],
    [
      'BatchNorm1d (eval)',
      () => {
        const bn = new BatchNorm1d(5);
        bn.forward(randn([8, 5], new Rng(9), 1, 2));
        return bn.eval();
      },
      [6, 5],
    ],
    ['BatchNorm1d without affine', () => new BatchNorm1d(4, { affine: false }), [5, 4]],
    [
      'Sequential MLP',
      () =>
        new Sequential(
          new Linear(4, 8, { rng: new Rng(3) }),
          new Tanh(),
          new Linear(8, 6, { rng: new Rng(4) }),
          new GELU(),
          new Linear(6, 3, { rng: new Rng(5) }),
        ),
      [5, 4],
      1e-2,
    ],
  ];
  for (const [name, make, shape, h = 1e-3] of cases) {
    it(`${name}: analytic grads match central differences`, () => {
      const rng = new Rng(11);
      const m = make();
      if (m instanceof BatchNorm1d && m.weight !== null) {
        for (let i = 0; i < m.weight.size; i++) {
          m.weight.data[i] = rng.uniform(0.5, 1.5);
          m.bias!.data[i] = rng.uniform(-1, 1);
        }
      }
      const res = gradcheck(m, awayFromZero(shape, rng), { rng, h });
      expect(res.maxRelError, JSON.stringify(res.errors)).toBeLessThan(1e-2);
      expect(res.ok).toBe(true);
    });
  }

  it('gradcheck catches a wrong backward', () => {
    class Doubler extends Linear {
      override backward(dout: Tensor): Tensor;
      override backward(dout: Tensor, inputGrad: boolean): Tensor | null;
      override backward(dout: Tensor, inputGrad = true): Tensor | null {
        const dx = super.backward(dout, inputGrad);
        if (dx !== null) for (let i = 0; i < dx.size; i++) dx.data[i] *= 1.1;
        return dx;
      }
    }
    const res = gradcheck(new Doubler(3, 2, { rng: new Rng(1) }), randn([2, 3], new Rng(2)));
    expect(res.ok).toBe(false);
    expect(res.errors.input).toBeGreaterThan(0.05);
  });

  it('Dropout (train): dx equals dout times the mask the forward used', () => {
    const rng = new Rng(5);
    const drop = new Dropout(0.4, { rng: new Rng(6) });
    const x = awayFromZero([8, 10], rng);
    const out = drop.forward(x).clone();
    const dout = randn([8, 10], rng);
    const dx = drop.backward(dout);
    for (let i = 0; i < x.size; i++) expect(dx.data[i]).toBeCloseTo((dout.data[i] * out.data[i]) / x.data[i], 5);
  });
});

// Losses return float32 values (~1e-7 relative rounding), so h = 1e-2 keeps that rounding below 1e-5 of the
// gradient; they are smooth, so the O(h²) truncation error is ~1e-5·f‴: entries below 1e-2 are judged against 1e-2.
describe('gradcheck: losses', () => {
  const rng = new Rng(21);
  const B = 5,
    C = 4;
  const labels = Int32Array.from([0, 3, 1, 1, 2]);
  const variants: [string, ConstructorParameters<typeof CrossEntropyLoss>[0]][] = [
    ['mean', {}],
    ['sum', { reduction: 'sum' }],
    ['none', { reduction: 'none' }],
    ['weighted', { weight: [0.5, 2, 1, 3] }],
    ['smoothing', { labelSmoothing: 0.15 }],
    ['weighted + smoothing', { weight: [0.5, 2, 1, 3], labelSmoothing: 0.3 }],
    ['weighted + smoothing, sum', { weight: [0.5, 2, 1, 3], labelSmoothing: 0.3, reduction: 'sum' }],
  ];
  for (const [name, opts] of variants) {
    it(`CrossEntropyLoss ${name}: dlogits match central differences`, () => {
      const lossFn = new CrossEntropyLoss(opts);
      const z = randn([B, C], rng, 0, 2);
      const r = opts?.reduction === 'none' ? randn([B], rng) : null; // L = Σ loss_b·r_b for 'none'
      const L = (): number => {
        const l = lossFn.forward(z, labels);
        if (r === null) return l.item();
        let acc = 0;
        for (let b = 0; b < B; b++) acc += l.data[b] * r.data[b];
        return acc;
      };
      L();
      const analytic = lossFn.backward(r ?? undefined).data.slice();
      expect(maxRelError(analytic, numericalGradient(L, z.data, 1e-2), 1e-2)).toBeLessThan(1e-2);
    });
  }
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`MSELoss ${reduction}: dinput matches central differences`, () => {
      const lossFn = new MSELoss({ reduction });
      const x = randn([3, 4], rng),
        t = randn([3, 4], rng);
      const r = reduction === 'none' ? randn([3, 4], rng) : null;
      const L = (): number => {
        const l = lossFn.forward(x, t);
        if (r === null) return l.item();
        let acc = 0;
        for (let i = 0; i < l.size; i++) acc += l.data[i] * r.data[i];
        return acc;
      };
      L();
      const analytic = lossFn.backward(r ?? undefined).data.slice();
      expect(maxRelError(analytic, numericalGradient(L, x.data, 1e-2), 1e-2)).toBeLessThan(1e-2);
    });
  }
  it('CrossEntropyLoss ignoreIndex: equals the loss over the remaining rows (weighted mean), and its gradient', () => {
    const w = [0.5, 2, 1, 3];
    const z = randn([5, 4], rng);
    const withIgnore = new CrossEntropyLoss({ weight: w, labelSmoothing: 0.1, ignoreIndex: -100 });
    const l = withIgnore.forward(z, Int32Array.from([0, -100, 1, -100, 2])).item();
    const kept = fromArray([...z.data.subarray(0, 4), ...z.data.subarray(8, 12), ...z.data.subarray(16, 20)], [3, 4]);
    const plain = new CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 });
    expect(l).toBeCloseTo(plain.forward(kept, Int32Array.from([0, 1, 2])).item(), 6);
    const d = withIgnore.backward(),
      dk = plain.backward();
    expect(Array.from(d.data.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    for (let i = 0; i < 4; i++) expect(d.data[8 + i]).toBeCloseTo(dk.data[4 + i], 6);
    expect(() => withIgnore.forward(z, Int32Array.from([0, -1, 1, 1, 2]))).toThrow(
      'label -1 at index 1 is out of range for 4 classes (expected 0..3 or ignoreIndex -100)',
    );
  });
  it('MSELoss matches its definition', () => {
    const l = new MSELoss().forward(fromArray([1, 2, 3]), fromArray([1, 0, 0])).item();
    expect(l).toBeCloseTo((0 + 4 + 9) / 3, 6);
  });
});
