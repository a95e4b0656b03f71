// NaN and ±Inf through every layer and loss, against PyTorch 1.13: fixtures/nonfinite.json, made by
// fixtures/make_nonfinite.py. Inputs have 35 elements, so the SIMD kernels see them in both the vector body and the tail.
// Losses: where PyTorch's loss is finite timbre matches it and its gradient; where it is not, forward throws and
// names the first non-finite element (the documented contract: a diverged model stops loudly).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, type Tensor, fromArray, ones, relu, reluInPlace, sigmoid, tanh } from '@timbre/tensor';
import { BatchNorm1d, CrossEntropyLoss, Dropout, GELU, LeakyReLU, Linear, MSELoss, ReLU, Sigmoid, Tanh, type Module, type Reduction } from '../src/index.js';
import { BACKENDS, useBackend } from './helpers.js';

type Enc = number | 'nan' | 'inf' | '-inf';
interface FixT {
  shape: number[];
  data: Enc[];
}
const FIX = JSON.parse(readFileSync(new URL('./fixtures/nonfinite.json', import.meta.url), 'utf8'));

const dec = (v: Enc): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const arr = (t: FixT): number[] => t.data.map(dec);
const ten = (t: FixT): Tensor => fromArray(arr(t), t.shape);

/**
 * Entries where `actual` differs from `expected`: NaN must meet NaN, ±Inf the same infinity, and finite values agree to
 * rel·|e| + abs·max|e| (sign of zero ignored). Returns descriptions of the first few mismatches.
 */
function mismatches(actual: ArrayLike<number>, expected: number[], rel = 1e-5, abs = 1e-6): string[] {
  if (actual.length !== expected.length) return [`length ${actual.length} vs ${expected.length}`];
  let scale = 0;
  for (const e of expected) if (Number.isFinite(e)) scale = Math.max(scale, Math.abs(e));
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i],
      e = expected[i];
    const ok = Number.isNaN(e)
      ? Number.isNaN(a)
      : !Number.isFinite(e)
        ? a === e
        : Number.isFinite(a) && Math.abs(a - e) <= rel * Math.abs(e) + abs * Math.max(scale, 1);
    if (!ok && bad.length < 5) bad.push(`[${i}] ${a} vs torch ${e}`);
  }
  return bad;
}

const counts = (xs: number[]) => ({
  nan: xs.filter(Number.isNaN).length,
  inf: xs.filter((v) => v === Infinity).length,
  negInf: xs.filter((v) => v === -Infinity).length,
});

const ACTIVATIONS: [string, () => Module][] = [
  ['ReLU', () => new ReLU()],
  ['LeakyReLU', () => new LeakyReLU()],
  ['LeakyReLU_0.2', () => new LeakyReLU({ negativeSlope: 0.2 })],
  ['Tanh', () => new Tanh()],
  ['Sigmoid', () => new Sigmoid()],
  ['GELU', () => new GELU()],
  ['GELU_tanh', () => new GELU({ approximate: 'tanh' })],
];

it('fixture: every layer input holds NaN, +Inf and -Inf', () => {
  expect(FIX.version).toBe(1);
  for (const [name, c] of Object.entries<any>(FIX.layers)) {
    const n = counts(arr(c.x));
    expect(n.nan, name).toBeGreaterThan(0);
    expect(n.inf, name).toBeGreaterThan(0);
    expect(n.negInf, name).toBeGreaterThan(0);
  }
});

for (const { backend } of BACKENDS) {
  describe(`NaN and ±Inf against PyTorch (${backend} kernels)`, () => {
    useBackend(backend, { beforeAll, afterAll });

    for (const [name, make] of ACTIVATIONS) {
      it(`${name}: forward and backward`, () => {
        const c = FIX.layers[name];
        const layer = make();
        expect(mismatches(layer.forward(ten(c.x)).data, arr(c.y)), 'y').toEqual([]);
        expect(mismatches(layer.backward(ten(c.g))!.data, arr(c.dx)), 'dx').toEqual([]);
      });
    }

    it("relu, tanh and sigmoid ops (and reluInPlace) give the layers' values", () => {
      for (const [name, op] of [
        ['ReLU', relu],
        ['Tanh', tanh],
        ['Sigmoid', sigmoid],
      ] as const) {
        const c = FIX.layers[name];
        expect(mismatches(op(ten(c.x)).data, arr(c.y)), name).toEqual([]);
      }
      const c = FIX.layers.ReLU;
      expect(mismatches(reluInPlace(ten(c.x)).data, arr(c.y)), 'reluInPlace').toEqual([]);
    });

    it('Dropout (training): out = x·mask and dx = dout·mask, so a dropped NaN or Inf gives NaN, as in PyTorch', () => {
      const c = FIX.layers.Dropout;
      const x = arr(c.x),
        g = arr(c.g),
        m = arr(c.mask);
      // PyTorch's rule, read off the fixture: the output is the product with the scaled mask, entry by entry.
      expect(
        mismatches(
          arr(c.y),
          x.map((v, i) => v * m[i]),
        ),
        'torch y',
      ).toEqual([]);
      expect(
        mismatches(
          arr(c.dx),
          g.map((v, i) => v * m[i]),
        ),
        'torch dx',
      ).toEqual([]);
      // timbre's mask: the same seed on ones gives the mask itself.
      const ourMask = Array.from(new Dropout(0.5, { rng: new Rng(5) }).forward(ones(c.x.shape)).data);
      const drop = new Dropout(0.5, { rng: new Rng(5) });
      const y = Array.from(drop.forward(ten(c.x)).data);
      const dx = Array.from(drop.backward(ten(c.g)).data);
      expect(
        mismatches(
          y,
          x.map((v, i) => v * ourMask[i]),
        ),
        'y',
      ).toEqual([]);
      expect(
        mismatches(
          dx,
          g.map((v, i) => v * ourMask[i]),
        ),
        'dx',
      ).toEqual([]);
      // The seed drops some non-finite entries and keeps others, so both halves of the rule are exercised.
      const nonFinite = x.map((v, i) => (Number.isFinite(v) ? -1 : ourMask[i]));
      expect(nonFinite.filter((v) => v === 0).length, 'dropped non-finite').toBeGreaterThan(0);
      expect(nonFinite.filter((v) => v > 0).length, 'kept non-finite').toBeGreaterThan(0);
    });

    it('Dropout (eval): the identity, NaN and Inf included', () => {
      const c = FIX.layers.Dropout_eval;
      const drop = new Dropout(0.5).eval();
      expect(mismatches(drop.forward(ten(c.x)).data, arr(c.y)), 'y').toEqual([]);
      expect(mismatches(drop.backward(ten(c.g)).data, arr(c.dx)), 'dx').toEqual([]);
    });

    it('Linear: a non-finite input spoils its own output row and its column of dWeight only', () => {
      const c = FIX.layers.Linear;
      const lin = new Linear(7, 6);
      lin.weight.copyFrom(ten(c.weight));
      lin.bias!.copyFrom(ten(c.bias));
      lin.zeroGrad();
      expect(mismatches(lin.forward(ten(c.x)).data, arr(c.y)), 'y').toEqual([]);
      expect(mismatches(lin.backward(ten(c.g)).data, arr(c.dx)), 'dx').toEqual([]);
      expect(mismatches(lin.weight.grad.data, arr(c.d_weight)), 'dWeight').toEqual([]);
      expect(mismatches(lin.bias!.grad.data, arr(c.d_bias)), 'dBias').toEqual([]);
      expect(counts(arr(c.y)).nan, 'fixture has NaN outputs').toBeGreaterThan(0);
    });

    for (const mode of ['train', 'eval'] as const) {
      it(`BatchNorm1d (${mode}): outputs, gradients and running statistics`, () => {
        const c = FIX.layers[mode === 'train' ? 'BatchNorm1d' : 'BatchNorm1d_eval'];
        const bn = new BatchNorm1d(4);
        bn.weight!.copyFrom(ten(c.weight));
        bn.bias!.copyFrom(ten(c.bias));
        if (mode === 'eval') {
          bn.runningMean!.copyFrom(fromArray([0.5, -0.25, 0.0, 1.0]));
          bn.runningVar!.copyFrom(fromArray([2.0, 0.5, 1.0, 4.0]));
          bn.eval();
        }
        bn.zeroGrad();
        expect(mismatches(bn.forward(ten(c.x)).data, arr(c.y)), 'y').toEqual([]);
        expect(mismatches(bn.backward(ten(c.g)).data, arr(c.dx)), 'dx').toEqual([]);
        expect(mismatches(bn.weight!.grad.data, arr(c.d_weight)), 'dWeight').toEqual([]);
        expect(mismatches(bn.bias!.grad.data, arr(c.d_bias)), 'dBias').toEqual([]);
        expect(mismatches(bn.runningMean!.data, arr(c.running_mean)), 'running_mean').toEqual([]);
        expect(mismatches(bn.runningVar!.data, arr(c.running_var)), 'running_var').toEqual([]);
      });
    }

    for (const [key, c] of Object.entries<any>(FIX.cross_entropy)) {
      const torchLoss = arr(c.loss);
      const finite = torchLoss.every(Number.isFinite);
      it(`CrossEntropyLoss ${key}: ${finite ? 'loss and dLogits match' : `torch gives ${torchLoss.find((v) => !Number.isFinite(v))}, forward throws`}`, () => {
        const kw = c.kwargs;
        const lossFn = new CrossEntropyLoss({
          reduction: (kw.reduction ?? 'mean') as Reduction,
          weight: kw.weight ?? null,
          labelSmoothing: kw.label_smoothing ?? 0,
          ignoreIndex: kw.ignore_index ?? null,
        });
        const logits = ten(c.logits),
          labels = Int32Array.from(c.labels);
        if (finite) {
          expect(mismatches(lossFn.forward(logits, labels).data, torchLoss), 'loss').toEqual([]);
          expect(mismatches(lossFn.backward().data, arr(c.dlogits)), 'dLogits').toEqual([]);
        } else {
          const at = arr(c.logits).findIndex((v) => !Number.isFinite(v));
          const where = `input[${Math.floor(at / 5)}, ${at % 5}]`;
          expect(() => lossFn.forward(logits, labels)).toThrow(RangeError);
          expect(() => lossFn.forward(logits, labels)).toThrow(`${where} = ${arr(c.logits)[at]} is not finite`);
        }
      });
    }

    for (const [key, c] of Object.entries<any>(FIX.mse)) {
      const torchLoss = arr(c.loss);
      const finite = torchLoss.every(Number.isFinite);
      it(`MSELoss ${key}: ${finite ? 'loss and dInput match' : 'torch gives a non-finite loss, forward throws'}`, () => {
        const mse = new MSELoss({ reduction: c.reduction as Reduction });
        const input = ten(c.input),
          target = ten(c.target);
        if (finite) {
          expect(mismatches(mse.forward(input, target).data, torchLoss), 'loss').toEqual([]);
          expect(mismatches(mse.backward().data, arr(c.dinput)), 'dInput').toEqual([]);
        } else {
          const inBad = arr(c.input).some((v) => !Number.isFinite(v));
          expect(() => mse.forward(input, target)).toThrow(RangeError);
          expect(() => mse.forward(input, target)).toThrow(inBad ? /because input\[\d, \d\]/ : /because target\[\d, \d\]/);
        }
      });
    }
  });
}
