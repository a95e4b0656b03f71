// Reductions (sum, mean, amax, amin) and argmax/argmin against independent nested-loop references on 3-D tensors.
import { describe, expect, it } from 'vitest';
import { Rng, ShapeError, amax, amin, argmax, argmin, fromArray, max, mean, min, randn, sum, zeros } from '../src/index.js';

const rng = new Rng(9);

// Reference: reduce x [d0, d1, d2] along `dim` with f, visiting values in index order.
function refReduce(x: Float32Array, shape: number[], dim: number, f: (vals: number[]) => number): number[] {
  const [d0, d1, d2] = shape;
  const out: number[] = [];
  const at = (i: number, j: number, k: number) => x[(i * d1 + j) * d2 + k];
  if (dim === 0) for (let j = 0; j < d1; j++) for (let k = 0; k < d2; k++) out.push(f(Array.from({ length: d0 }, (_, i) => at(i, j, k))));
  if (dim === 1) for (let i = 0; i < d0; i++) for (let k = 0; k < d2; k++) out.push(f(Array.from({ length: d1 }, (_, j) => at(i, j, k))));
  if (dim === 2) for (let i = 0; i < d0; i++) for (let j = 0; j < d1; j++) out.push(f(Array.from({ length: d2 }, (_, k) => at(i, j, k))));
  return out;
}
const fsum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const fmean = (v: number[]) => fsum(v) / v.length;
const fmax = (v: number[]) => Math.max(...v);
const fmin = (v: number[]) => Math.min(...v);
const fargmax = (v: number[]) => v.indexOf(Math.max(...v));
const fargmin = (v: number[]) => v.indexOf(Math.min(...v));

describe('reductions along a dimension', () => {
  const shape = [3, 4, 5];
  const x = randn(shape, rng);
  for (const dim of [0, 1, 2]) {
    const outShape = shape.filter((_, i) => i !== dim);
    for (const [name, fn, ref] of [
      ['sum', sum, fsum],
      ['mean', mean, fmean],
      ['amax', amax, fmax],
      ['amin', amin, fmin],
    ] as const) {
      it(`${name} over dim ${dim}`, () => {
        const r = fn(x, dim);
        expect(r.shape).toEqual(outShape);
        const e = refReduce(x.data, shape, dim, ref);
        for (let i = 0; i < e.length; i++) expect(r.data[i]).toBeCloseTo(e[i], 5);
        const kd = fn(x, dim - 3, { keepDim: true }); // negative dim, keepDim
        const kshape = shape.slice();
        kshape[dim] = 1;
        expect(kd.shape).toEqual(kshape);
        expect(kd.data).toEqual(r.data);
        const out = zeros(outShape);
        expect(fn(x, dim, { out })).toBe(out);
        expect(out.data).toEqual(r.data);
      });
    }
    it(`argmax/argmin over dim ${dim}`, () => {
      expect(Array.from(argmax(x, dim))).toEqual(refReduce(x.data, shape, dim, fargmax));
      expect(Array.from(argmin(x, dim))).toEqual(refReduce(x.data, shape, dim, fargmin));
    });
  }
  it('over all elements gives a 0-d tensor', () => {
    const all = Array.from(x.data);
    expect(sum(x).shape).toEqual([]);
    expect(sum(x).item()).toBeCloseTo(fsum(all), 4);
    expect(mean(x).item()).toBeCloseTo(fmean(all), 5);
    expect(max(x).item()).toBe(fmax(all));
    expect(min(x).item()).toBe(fmin(all));
    expect(sum(x, undefined, { keepDim: true }).shape).toEqual([1, 1, 1]);
    expect(Array.from(argmax(x))).toEqual([fargmax(all)]);
  });
  it('sums in float64: 1e8 + many ones is not swallowed', () => {
    const v = new Float32Array(1001).fill(1);
    v[0] = 1e8;
    expect(sum(fromArray(v)).item()).toBe(1e8 + 1000);
  });
  it('ties pick the first index, NaN propagates', () => {
    expect(
      Array.from(
        argmax(
          fromArray([
            [1, 3, 3],
            [2, 2, 0],
          ]),
          1,
        ),
      ),
    ).toEqual([1, 0]);
    expect(Array.from(argmax(fromArray([[1, NaN, 3]]), 1))).toEqual([1]);
    expect(max(fromArray([1, NaN, 3])).item()).toBeNaN();
    expect(min(fromArray([NaN, 1])).item()).toBeNaN();
    expect(mean(zeros([0])).item()).toBeNaN();
  });
  it('argmax writes into a given Int32Array', () => {
    const buf = new Int32Array(2);
    expect(
      argmax(
        fromArray([
          [0, 5],
          [7, 1],
        ]),
        1,
        buf,
      ),
    ).toBe(buf);
    expect(Array.from(buf)).toEqual([1, 0]);
    expect(() => argmax(zeros([2, 3]), 1, new Int32Array(3))).toThrow(/argmax: out has 3 elements but x \[2, 3\].*\[2\]/);
  });
  it('errors: bad dim, bad out, empty max', () => {
    expect(() => sum(zeros([2, 3]), 2)).toThrow(/sum: dim 2 is out of range for a tensor of shape \[2, 3\]/);
    expect(() => sum(zeros([2, 3]), 0, { out: zeros([2]) })).toThrow(ShapeError);
    expect(() => sum(zeros([2, 3]), 0, { out: zeros([2]) })).toThrow(/out \[2\] does not match the result's shape \[3\] \(x \[2, 3\]/);
    expect(() => max(zeros([2, 0]), 1)).toThrow(/max: cannot reduce an empty dimension of x \[2, 0\]/);
    expect(() => amax(zeros([2, 0]), 1)).toThrow(/amax: cannot reduce an empty dimension of x \[2, 0\]/);
  });
});
