// Broadcasting elementwise ops, variance/std and max/min with indices against PyTorch 1.13: fixtures/ops.json, made by
// fixtures/make_tensor_fixtures.py. Plus the errors: both shapes named, unknown option keys named.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  type Tensor,
  add,
  addInPlace,
  amax,
  amin,
  argmax,
  argmin,
  div,
  divInPlace,
  fromArray,
  max,
  mean,
  min,
  mul,
  std,
  sub,
  subInPlace,
  variance,
  zeros,
} from '../src/index.js';

type Enc = number | 'nan' | 'inf' | '-inf';
interface FixT {
  shape: number[];
  data: Enc[];
}
const FIX = JSON.parse(readFileSync(new URL('./fixtures/ops.json', import.meta.url), 'utf8'));
const dec = (v: Enc): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const arr = (t: FixT): number[] => t.data.map(dec);
const ten = (t: FixT): Tensor => fromArray(arr(t), t.shape);

/** Largest |a − e| / (|e| + 1e-6) over the entries; NaN must meet NaN. */
function relErr(a: ArrayLike<number>, e: number[]): number {
  expect(a.length).toBe(e.length);
  let w = 0;
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i])) {
      if (!Number.isNaN(a[i])) return Infinity;
      continue;
    }
    const r = Math.abs(a[i] - e[i]) / (Math.abs(e[i]) + 1e-6);
    if (!(r <= w)) w = r;
  }
  return w;
}

describe('elementwise ops broadcast by NumPy rules (against PyTorch)', () => {
  const ops = { add, sub, mul, div } as const;
  for (const c of FIX.broadcast) {
    const label = `[${c.a.shape}] with [${c.b.shape}]`;
    it(`${label}: add, sub, mul, div`, () => {
      for (const [name, op] of Object.entries(ops)) {
        const r = op(ten(c.a), ten(c.b));
        expect(r.shape, name).toEqual(c[name].shape);
        expect(relErr(r.data, arr(c[name])), name).toBeLessThan(1e-6);
        const rev = op(ten(c.b), ten(c.a)); // and the other way round: same shape
        expect(rev.shape, `${name} reversed`).toEqual(c[name].shape);
      }
    });
  }
  it('an independent reference: x [4, 3] minus its column means, by hand', () => {
    const x = fromArray([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10, 11, 12],
    ]);
    expect(sub(x, mean(x, 0)).toArray()).toEqual([
      [-4.5, -4.5, -4.5],
      [-1.5, -1.5, -1.5],
      [1.5, 1.5, 1.5],
      [4.5, 4.5, 4.5],
    ]);
    expect(mul(fromArray([[1], [2]]), fromArray([10, 20, 30])).toArray()).toEqual([
      [10, 20, 30],
      [20, 40, 60],
    ]);
    expect(add(fromArray(5), fromArray([1, 2])).toArray()).toEqual([6, 7]); // a 0-d tensor broadcasts like a number
  });
  it('out: checked against the broadcast shape; may be the input that has it', () => {
    const x = fromArray([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      m = fromArray([1, 2, 3]);
    const out = zeros([2, 3]);
    expect(sub(x, m, out)).toBe(out);
    expect(out.toArray()).toEqual([
      [0, 0, 0],
      [3, 3, 3],
    ]);
    expect(sub(x, m, x)).toBe(x);
    expect(x.toArray()).toEqual([
      [0, 0, 0],
      [3, 3, 3],
    ]);
    expect(() => add(x, m, zeros([3]))).toThrow(/add: out \[3\] does not match the result's shape \[2, 3\] \(a \[2, 3\], b \[3\]\)/);
  });
  it('in place: y broadcasts to x, x keeps its shape', () => {
    const x = fromArray([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(subInPlace(x, fromArray([1, 1, 1]))).toBe(x);
    expect(divInPlace(x, fromArray([[1], [3]])).toArray()).toEqual(
      [
        [0, 1, 2],
        [1, 4 / 3, 5 / 3],
      ].map((r) => r.map(Math.fround)),
    );
    expect(addInPlace(zeros([2, 2]), fromArray(1)).toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(() => addInPlace(zeros([3]), zeros([2, 3]))).toThrow(
      /addInPlace: y \[2, 3\] broadcasts with x \[3\] to \[2, 3\], but an in-place result must keep x's shape/,
    );
  });
  it('errors name both shapes and the clashing dimension', () => {
    expect(() => sub(zeros([4, 3]), zeros([4]))).toThrow(ShapeError);
    expect(() => sub(zeros([4, 3]), zeros([4]))).toThrow(
      'sub: a [4, 3] and b [4] cannot be broadcast together (a.shape[1]=3, b.shape[0]=4; sizes must be equal or 1)',
    );
    expect(() => mul(zeros([2, 5, 3]), zeros([4, 3]))).toThrow(/mul: a \[2, 5, 3\] and b \[4, 3\] .*\(a.shape\[1\]=5, b.shape\[0\]=4;/);
    expect(() => subInPlace(zeros([2]), zeros([3]))).toThrow(/subInPlace: x \[2\] and y \[3\] cannot be broadcast together/);
  });
});

describe('variance and std (against PyTorch)', () => {
  const X = ten(FIX.var_std.x);
  it('fixture covers every dim, keepDim, unbiased and correction 0/1/2', () => {
    expect(FIX.var_std.cases.length).toBe(36);
  });
  for (const c of FIX.var_std.cases) {
    const kw = c.kwargs as { unbiased?: boolean; correction?: number };
    const label = `dim ${c.dim ?? 'all'}${c.keepdim ? ', keepDim' : ''}, ${JSON.stringify(kw)}`;
    it(label, () => {
      const options = { ...kw, ...(c.dim === null ? {} : { keepDim: c.keepdim }) };
      const dim = c.dim ?? undefined;
      const v = variance(X, dim, options),
        s = std(X, dim, options);
      expect(v.shape).toEqual(c.var.shape);
      expect(s.shape).toEqual(c.std.shape);
      expect(relErr(v.data, arr(c.var))).toBeLessThan(1e-5);
      expect(relErr(s.data, arr(c.std))).toBeLessThan(1e-5);
    });
  }
  it('one element per row: unbiased gives NaN, biased 0 (as PyTorch)', () => {
    const c = FIX.var_std_single;
    expect(relErr(variance(ten(c.x), 1).data, arr(c.var))).toBe(0);
    expect(relErr(std(ten(c.x), 1).data, arr(c.std))).toBe(0);
    expect(relErr(variance(ten(c.x), 1, { unbiased: false }).data, arr(c.var_biased))).toBe(0);
  });
  it('a large mean and a small spread do not cancel (two passes in float64)', () => {
    const c = FIX.var_std_large_mean; // 1e4 + 1e-3·N(0, 1): the float32 values themselves carry the spread
    expect(relErr(variance(ten(c.x)).data, arr(c.var))).toBeLessThan(1e-4);
    expect(relErr(std(ten(c.x)).data, arr(c.std))).toBeLessThan(1e-4);
  });
  it('by hand: [2, 4, 4, 4, 5, 5, 7, 9]', () => {
    const x = fromArray([2, 4, 4, 4, 5, 5, 7, 9]); // mean 5, Σ(x − 5)² = 32
    expect(variance(x, 0, { correction: 0 }).item()).toBe(4);
    expect(std(x, 0, { unbiased: false }).item()).toBe(2);
    expect(variance(x).item()).toBeCloseTo(32 / 7, 6);
  });
  it('rejects unknown keys, both correction and unbiased, and bad values', () => {
    expect(() => variance(X, 0, { keepdim: true } as never)).toThrow(TypeError);
    expect(() => variance(X, 0, { keepdim: true } as never)).toThrow("variance: unknown option 'keepdim' (did you mean 'keepDim'?)");
    expect(() => std(X, 0, { ddof: 1 } as never)).toThrow(/std: unknown option 'ddof' \(known options: correction, unbiased, keepDim, out\)/);
    expect(() => std(X, 0, { correction: 1, unbiased: true })).toThrow('std: give correction or unbiased, not both');
    expect(() => variance(X, 0, { correction: -1 })).toThrow(/correction must be a finite number ≥ 0, got -1/);
    expect(() => variance(X, 3)).toThrow(/variance: dim 3 is out of range for a tensor of shape \[4, 5, 3\]/);
  });
});

describe('max/min with indices, amax/amin, argmax/argmin (against PyTorch)', () => {
  for (const c of FIX.extremes) {
    it(`${c.name}, dim ${c.dim}${c.keepdim ? ', keepDim' : ''}`, () => {
      const x = ten(c.x);
      const mx = max(x, c.dim, { keepDim: c.keepdim }),
        mn = min(x, c.dim, { keepDim: c.keepdim });
      expect(mx.values.shape).toEqual(c.max_values.shape);
      expect(relErr(mx.values.data, arr(c.max_values))).toBe(0);
      expect(Array.from(mx.indices)).toEqual(c.max_indices);
      expect(relErr(mn.values.data, arr(c.min_values))).toBe(0);
      expect(Array.from(mn.indices)).toEqual(c.min_indices);
      expect(relErr(amax(x, c.dim, { keepDim: c.keepdim }).data, arr(c.max_values))).toBe(0);
      expect(relErr(amin(x, c.dim, { keepDim: c.keepdim }).data, arr(c.min_values))).toBe(0);
      expect(Array.from(argmax(x, c.dim))).toEqual(c.argmax);
      expect(Array.from(argmin(x, c.dim))).toEqual(c.argmin);
    });
  }
  it('without dim: the 0-d extreme; buffers for values and indices; unknown keys', () => {
    const x = fromArray([
      [1, 9],
      [4, 2],
    ]);
    expect(max(x).item()).toBe(9);
    expect(min(x).item()).toBe(1);
    const values = zeros([2]),
      indices = new Int32Array(2);
    const r = max(x, 1, { out: values, indices });
    expect(r.values).toBe(values);
    expect(r.indices).toBe(indices);
    expect(Array.from(indices)).toEqual([1, 0]);
    expect(() => max(x, 1, { keepdim: true } as never)).toThrow("max: unknown option 'keepdim' (did you mean 'keepDim'?)");
    expect(() => amin(x, 0, { outt: zeros([2]) } as never)).toThrow("amin: unknown option 'outt' (did you mean 'out'?)");
    expect(() => min(x, 1, { indices: new Int32Array(3) })).toThrow(/min: out has 3 elements but x \[2, 2\]/);
  });
});
