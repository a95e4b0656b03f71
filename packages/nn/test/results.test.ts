// Results handed to a caller are theirs: a second forward (or backward) never changes a tensor the first one
// returned, unless the caller asked for the module's own buffer with { reuse: true }.
import { describe, expect, it } from 'vitest';
import { Rng, type Tensor, randn } from '@timbre/tensor';
import {
  BatchNorm1d,
  CrossEntropyLoss,
  DataParallel,
  Dropout,
  GELU,
  LeakyReLU,
  Linear,
  MSELoss,
  type Module,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
} from '../src/index.js';

const copy = (t: Tensor) => Array.from(t.data);

function layers(): [string, () => Module][] {
  return [
    ['Linear', () => new Linear(3, 3, { rng: new Rng(1) })],
    ['ReLU', () => new ReLU()],
    ['LeakyReLU', () => new LeakyReLU()],
    ['Tanh', () => new Tanh()],
    ['Sigmoid', () => new Sigmoid()],
    ['GELU', () => new GELU()],
    ['Dropout', () => new Dropout(0.5, { rng: new Rng(2) })],
    ['BatchNorm1d', () => new BatchNorm1d(3)],
    ['Sequential', () => new Sequential(new Linear(3, 4, { rng: new Rng(3) }), new ReLU(), new Linear(4, 3, { rng: new Rng(4) }))],
    ['DataParallel', () => new DataParallel(new Sequential(new Linear(3, 3, { rng: new Rng(5) })), { threads: 1 })],
  ];
}

describe('results belong to the caller', () => {
  for (const [name, make] of layers()) {
    it(`${name}: a kept forward result and backward result survive the next call; { reuse: true } returns the layer's buffer`, () => {
      const m = make();
      const x1 = randn([4, 3], new Rng(10)),
        x2 = randn([4, 3], new Rng(11));
      const a = m.forward(x1);
      const aValues = copy(a);
      const b = m.forward(x2);
      expect(b).not.toBe(a);
      expect(copy(a)).toEqual(aValues);
      const d1 = randn([4, 3], new Rng(12)),
        d2 = randn([4, 3], new Rng(13));
      const g1 = m.backward(d1) as Tensor;
      const g1Values = copy(g1);
      m.backward(d2);
      expect(copy(g1)).toEqual(g1Values);
      // reuse: the same buffer each time (nothing allocated), overwritten by the next call
      const r1 = m.forward(x1, { reuse: true }),
        r2 = m.forward(x2, { reuse: true });
      expect(r2).toBe(r1);
      const s1 = m.backward(d1, true, { reuse: true }),
        s2 = m.backward(d2, true, { reuse: true });
      expect(s2).toBe(s1);
      expect(() => m.forward(x1, { reuse: true, inplace: true } as never)).toThrow(/unknown option 'inplace'/);
    });
  }

  it('Sequential: a fresh output by default even when its last layer passes its input through (Dropout in eval)', () => {
    const m = new Sequential(new Linear(3, 3, { rng: new Rng(1) }), new Dropout(0.5)).eval();
    const a = m.forward(randn([2, 3], new Rng(1)));
    const aValues = copy(a);
    m.forward(randn([2, 3], new Rng(2)));
    expect(copy(a)).toEqual(aValues);
    const x = randn([2, 3], new Rng(3));
    expect(new Sequential(new Dropout(0.5)).eval().forward(x)).toBe(x); // the caller's own tensor, as PyTorch
  });

  it("losses: kept losses and gradients survive the next forward; { reuse: true } returns the loss's buffers", () => {
    const ce = new CrossEntropyLoss();
    const logits = randn([4, 3], new Rng(1));
    const l1 = ce.forward(logits, Int32Array.from([0, 1, 2, 0]));
    const v1 = l1.item();
    const g1 = ce.backward();
    const g1Values = copy(g1);
    const l2 = ce.forward(logits, Int32Array.from([2, 2, 2, 2]));
    ce.backward();
    expect(l1.item()).toBe(v1);
    expect(l2.item()).not.toBe(v1);
    expect(copy(g1)).toEqual(g1Values);
    expect(ce.forward(logits, Int32Array.from([0, 1, 2, 0]), { reuse: true })).toBe(ce.forward(logits, Int32Array.from([0, 1, 2, 0]), { reuse: true }));
    expect(ce.backward(undefined, { reuse: true })).toBe(ce.backward(undefined, { reuse: true }));
    const none = new CrossEntropyLoss({ reduction: 'none' });
    const n1 = none.forward(logits, Int32Array.from([0, 1, 2, 0]));
    const n1Values = copy(n1);
    none.forward(logits, Int32Array.from([2, 2, 2, 2]));
    expect(copy(n1)).toEqual(n1Values);
    const mse = new MSELoss();
    const m1 = mse.forward(randn([3], new Rng(1)), randn([3], new Rng(2)));
    const m1v = m1.item();
    mse.forward(randn([3], new Rng(3)), randn([3], new Rng(4)));
    expect(m1.item()).toBe(m1v);
  });
});
