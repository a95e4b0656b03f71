// Elementwise, row-broadcast, transpose, cat/stack and in-place ops: values against independent
// per-element JavaScript references, `out` handling, and the shape errors naming both shapes.
import { describe, expect, it } from 'vitest';
import {
  Rng,
  ShapeError,
  Tensor,
  abs,
  add,
  addInPlace,
  addRow,
  addRowInPlace,
  axpyInPlace,
  cat,
  clamp,
  clampInPlace,
  div,
  divInPlace,
  divRow,
  exp,
  fromArray,
  log,
  mul,
  mulInPlace,
  mulRow,
  mulRowInPlace,
  neg,
  rand,
  randn,
  relu,
  reluInPlace,
  scaleInPlace,
  sigmoid,
  sqrt,
  stack,
  sub,
  subInPlace,
  subRow,
  tanh,
  transpose,
  zeros,
  indexSelect,
  gatherRows,
  getBackend,
  setBackend,
} from '../src/index.js';

const rng = new Rng(123);
const f32 = Math.fround;

function expectClose(actual: Float32Array, expected: ArrayLike<number>, rel = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i],
      a = actual[i];
    if (Number.isNaN(e)) {
      expect(a, `index ${i}`).toBeNaN();
      continue;
    }
    if (!Number.isFinite(e)) {
      expect(a, `index ${i}`).toBe(e);
      continue;
    }
    expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(e)));
  }
}

describe('binary elementwise ops', () => {
  const cases = [
    ['add', add, (x: number, y: number) => x + y],
    ['sub', sub, (x: number, y: number) => x - y],
    ['mul', mul, (x: number, y: number) => x * y],
    ['div', div, (x: number, y: number) => x / y],
  ] as const;
  for (const [name, fn, ref] of cases) {
    it(`${name}: tensor-tensor, tensor-scalar, out and aliasing`, () => {
      const a = randn([3, 4], rng),
        b = rand([3, 4], rng, 0.5, 2);
      const expected = Array.from(a.data, (v, i) => f32(ref(v, b.data[i])));
      const c = fn(a, b);
      expect(c.shape).toEqual([3, 4]);
      expectClose(c.data, expected);
      expectClose(
        fn(a, 2.5).data,
        Array.from(a.data, (v) => f32(ref(v, 2.5))),
      );
      const out = zeros([3, 4]);
      expect(fn(a, b, out)).toBe(out);
      expectClose(out.data, expected);
      const a2 = a.clone();
      fn(a2, b, a2); // out aliases a: still elementwise-correct
      expectClose(a2.data, expected);
      expect(a.data).not.toBe(c.data); // inputs untouched, result is new
    });
    it(`${name}: shape errors name both shapes`, () => {
      expect(() => fn(zeros([2, 3]), zeros([3, 2]))).toThrow(ShapeError);
      expect(() => fn(zeros([2, 3]), zeros([3, 2]))).toThrow(new RegExp(`^${name}: a \\[2, 3\\] and b \\[3, 2\\] cannot be broadcast together`));
      expect(() => fn(zeros([6]), zeros([2, 3]))).toThrow(/\[6\].*\[2, 3\]/);
      expect(() => fn(zeros([2, 3]), zeros([2, 3]), zeros([3, 2]))).toThrow(/out \[3, 2\] does not match the result's shape \[2, 3\]/);
    });
  }
  it('rejects an out that partially overlaps an input', () => {
    const buf = new Float32Array(8);
    const a = new Tensor(buf.subarray(0, 4), [4]);
    const o = new Tensor(buf.subarray(2, 6), [4]);
    expect(() => add(a, 1, o)).toThrow(/partially overlaps a/);
  });
});

describe('unary ops', () => {
  const x = fromArray([-3, -1, -0.5, 0, 0.25, 1, 2, 50]);
  const cases = [
    ['neg', neg, (v: number) => -v],
    ['exp', exp, Math.exp],
    ['abs', abs, Math.abs],
    ['relu', relu, (v: number) => Math.max(v, 0)],
    ['tanh', tanh, Math.tanh],
    ['sigmoid', sigmoid, (v: number) => 1 / (1 + Math.exp(-v))],
  ] as const;
  for (const [name, fn, ref] of cases) {
    it(`${name} matches Math on every element, with and without out`, () => {
      const expected = Array.from(x.data, (v) => f32(ref(v)));
      expectClose(fn(x).data, expected);
      const out = zeros([8]);
      expect(fn(x, out)).toBe(out);
      expectClose(out.data, expected);
      expect(() => fn(x, zeros([7]))).toThrow(/out \[7\] does not match the result's shape \[8\]/);
    });
  }
  it('log and sqrt follow IEEE/PyTorch at 0 and below', () => {
    const v = fromArray([-1, 0, 1, 4]);
    expectClose(log(v).data, [NaN, -Infinity, 0, f32(Math.log(4))]);
    expectClose(sqrt(v).data, [NaN, 0, 1, 2]);
  });
  it('sigmoid does not overflow for large |x|', () => {
    const s = sigmoid(fromArray([-1000, -80, 0, 80, 1000])).data;
    expect(Array.from(s)).toEqual([0, f32(1 / (1 + Math.exp(80))), 0.5, 1, 1]);
  });
  it('relu and clamp keep NaN', () => {
    expect(relu(fromArray([NaN])).data[0]).toBeNaN();
    expect(clamp(fromArray([NaN]), 0, 1).data[0]).toBeNaN();
  });
  it('clamp bounds, errors', () => {
    expectClose(clamp(x, -1, 1).data, [-1, -1, -0.5, 0, 0.25, 1, 1, 1]);
    expectClose(clamp(x, 0, Infinity).data, relu(x).data);
    expect(() => clamp(x, 2, 1)).toThrow(/clamp: min=2 is greater than max=1/);
  });
});

describe('row broadcasting', () => {
  const cases = [
    ['addRow', addRow, (a: number, b: number) => a + b],
    ['subRow', subRow, (a: number, b: number) => a - b],
    ['mulRow', mulRow, (a: number, b: number) => a * b],
    ['divRow', divRow, (a: number, b: number) => a / b],
  ] as const;
  for (const [name, fn, ref] of cases) {
    it(`${name}: applies v to every row`, () => {
      const x = randn([5, 3], rng),
        v = rand([3], rng, 1, 2);
      const expected: number[] = [];
      for (let r = 0; r < 5; r++) for (let c = 0; c < 3; c++) expected.push(f32(ref(x.get(r, c), v.get(c))));
      expectClose(fn(x, v).data, expected);
      const out = zeros([5, 3]);
      expect(fn(x, v, out)).toBe(out);
      expectClose(out.data, expected);
    });
    it(`${name}: shape errors name both shapes`, () => {
      expect(() => fn(zeros([5, 3]), zeros([4]))).toThrow(ShapeError);
      expect(() => fn(zeros([5, 3]), zeros([4]))).toThrow(new RegExp(`^${name}: v \\[4\\] does not match the columns of x \\[5, 3\\]`));
      expect(() => fn(zeros([15]), zeros([3]))).toThrow(/x must be 2-D.*\[15\].*\[3\]/);
      expect(() => fn(zeros([5, 3]), zeros([1, 3]))).toThrow(/\[1, 3\].*\[5, 3\]/);
    });
  }
});

describe('transpose', () => {
  it('is a copy with out[j, i] = x[i, j] on a blocked-size matrix', () => {
    const x = randn([37, 70], rng);
    const t = transpose(x);
    expect(t.shape).toEqual([70, 37]);
    for (let i = 0; i < 37; i++) for (let j = 0; j < 70; j++) expect(t.get(j, i)).toBe(x.get(i, j));
    expect(transpose(t).data).toEqual(x.data);
  });
  it('errors', () => {
    expect(() => transpose(zeros([2, 3, 4]))).toThrow(/transpose: x must be 2-D, got \[2, 3, 4\]/);
    expect(() => transpose(zeros([2, 3]), zeros([2, 3]))).toThrow(/out \[2, 3\] does not match the result's shape \[3, 2\]/);
    const x = zeros([2, 2]);
    expect(() => transpose(x, x)).toThrow(/must not share memory/);
  });
});

describe('cat and stack', () => {
  it('cat concatenates rows', () => {
    const c = cat([
      fromArray([[1, 2]]),
      fromArray([
        [3, 4],
        [5, 6],
      ]),
    ]);
    expect(c.shape).toEqual([3, 2]);
    expect(c.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(() => cat([zeros([1, 2]), zeros([1, 3])])).toThrow(/cat: tensors\[1\] \[1, 3\] does not match tensors\[0\] \[1, 2\]/);
    expect(() => cat([])).toThrow(/non-empty/);
  });
  it('stack adds a leading dimension', () => {
    const s = stack([fromArray([1, 2]), fromArray([3, 4]), fromArray([5, 6])]);
    expect(s.shape).toEqual([3, 2]);
    expect(s.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(/stack: tensors\[1\] \[3\] does not match tensors\[0\] \[2\]/);
  });
});

describe('indexSelect and the row gather', () => {
  it('picks rows in index order, repeats allowed, on both backends and for 1-, 2- and 3-D tensors', () => {
    for (const backend of ['simd', 'scalar'] as const) {
      const prev = getBackend();
      if (backend === 'simd' && prev !== 'simd') continue; // no SIMD in this runtime
      setBackend(backend);
      try {
        for (const shape of [[50], [50, 3], [50, 30], [50, 4, 5]]) {
          const x = randn(shape, rng),
            rowLen = x.size / 50;
          const idx = [49, 0, 7, 7, 23, 1, 48, 0, 12, 33, 2, 2];
          const y = indexSelect(x, idx);
          expect(y.shape).toEqual([idx.length, ...shape.slice(1)]);
          const want: number[] = [];
          for (const r of idx) for (let j = 0; j < rowLen; j++) want.push(x.data[r * rowLen + j]);
          expect(Array.from(y.data), `${backend} ${shape}`).toEqual(want);
          const out = zeros([idx.length, ...shape.slice(1)]);
          expect(indexSelect(x, Int32Array.from(idx), out)).toBe(out);
          expect(Array.from(out.data)).toEqual(want);
        }
      } finally {
        setBackend(prev);
      }
    }
  });
  it('gatherRows reads index[start ..], from an index in or outside WebAssembly memory', () => {
    const x = randn([300, 16], rng);
    const plain = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 300);
    // The same indices in a block of WebAssembly memory (under the SIMD backend): the kernel then reads them in place.
    const block = zeros([300]);
    const shared = new Int32Array(block.data.buffer, block.data.byteOffset, 300);
    shared.set(plain);
    for (const [order, start] of [
      [plain, 0],
      [plain, 5],
      [plain, 200],
      [shared, 0],
      [shared, 5],
      [shared, 200],
    ] as const) {
      const got = zeros([64, 16]),
        want = new Float32Array(64 * 16);
      gatherRows(got.data, x.data, 16, order, start, 64);
      for (let r = 0; r < 64; r++) want.set(x.data.subarray(order[start + r] * 16, order[start + r] * 16 + 16), r * 16);
      expect(got.data).toEqual(want);
    }
    expect(block.size).toBe(300); // keeps the block (and `shared`) alive to here
  });
  it('errors name the index, its value and the shape', () => {
    const x = zeros([4, 2]);
    expect(() => indexSelect(x, [0, 4])).toThrow(/indexSelect: index\[1\] = 4 is out of range for x \[4, 2\] \(expected an integer in 0..3\)/);
    expect(() => indexSelect(x, [-1])).toThrow(/index\[0\] = -1 is out of range/);
    expect(() => indexSelect(x, [1.5])).toThrow(/index\[0\] = 1.5 is out of range/);
    expect(() => indexSelect(zeros([]), [0])).toThrow(/0-d/);
    expect(() => indexSelect(x, [0, 1], zeros([3, 2]))).toThrow(/indexSelect: out \[3, 2\] does not match the result's shape \[2, 2\]/);
    expect(() => indexSelect(x, [0], x.subarray(0, 1))).toThrow(/must not share memory with x/);
  });
});

describe('in-place ops', () => {
  it('add/sub/mul/divInPlace mutate x and return it', () => {
    const x0 = randn([4, 2], rng),
      y = rand([4, 2], rng, 1, 2);
    const cases = [
      [addInPlace, (a: number, b: number) => a + b],
      [subInPlace, (a: number, b: number) => a - b],
      [mulInPlace, (a: number, b: number) => a * b],
      [divInPlace, (a: number, b: number) => a / b],
    ] as const;
    for (const [fn, ref] of cases) {
      const x = x0.clone();
      expect(fn(x, y)).toBe(x);
      expectClose(
        x.data,
        Array.from(x0.data, (v, i) => f32(ref(v, y.data[i]))),
      );
      const z = x0.clone();
      fn(z, 3);
      expectClose(
        z.data,
        Array.from(x0.data, (v) => f32(ref(v, 3))),
      );
      expect(() => fn(x0.clone(), zeros([2, 4]))).toThrow(/x \[4, 2\] and y \[2, 4\] cannot be broadcast together/);
    }
  });
  it('scaleInPlace and axpyInPlace', () => {
    const x = randn([6], rng),
      y0 = randn([6], rng);
    const y = y0.clone();
    expect(axpyInPlace(y, -0.1, x)).toBe(y);
    expectClose(
      y.data,
      Array.from(y0.data, (v, i) => f32(v - 0.1 * x.data[i])),
    );
    const s = x.clone();
    scaleInPlace(s, -2);
    expectClose(
      s.data,
      Array.from(x.data, (v) => -2 * v),
    );
    expect(() => axpyInPlace(zeros([6]), 1, zeros([5]))).toThrow(/axpyInPlace: y \[6\] does not match x \[5\]/);
  });
  it('addRowInPlace, mulRowInPlace, clampInPlace, reluInPlace', () => {
    const x = fromArray([
      [1, -2],
      [3, -4],
    ]);
    addRowInPlace(x, fromArray([10, 20]));
    expect(x.toArray()).toEqual([
      [11, 18],
      [13, 16],
    ]);
    mulRowInPlace(x, fromArray([2, -1]));
    expect(x.toArray()).toEqual([
      [22, -18],
      [26, -16],
    ]);
    clampInPlace(x, -17, 25);
    expect(x.toArray()).toEqual([
      [22, -17],
      [25, -16],
    ]);
    reluInPlace(x);
    expect(x.toArray()).toEqual([
      [22, 0],
      [25, 0],
    ]);
    expect(() => addRowInPlace(zeros([2, 2]), zeros([3]))).toThrow(/v \[3\] does not match the columns of x \[2, 2\]/);
    const buf = zeros([3, 2]);
    expect(() => addRowInPlace(buf, new Tensor(buf.data.subarray(0, 2), [2]))).toThrow(/must not share memory with v/);
  });
});
