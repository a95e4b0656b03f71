// Elementwise ops: add/sub/mul/div (tensor-tensor of the same shape, or tensor-scalar) and the
// unary functions. Each takes an optional `out` of the result's shape; `out` may be an input.

import { reluForward, sigmoidForward, tanhForward } from '../kernels/activation.js';
import {
  absKernel, addKernel, addScalarKernel, clampKernel, divKernel, divScalarKernel, expKernel, logKernel,
  mulKernel, mulScalarKernel, negKernel, sqrtKernel, subKernel, subScalarKernel,
} from '../kernels/elementwise.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectNoPartialOverlap, expectNumber, expectSameShape, outOrNew } from './check.js';

type BinaryKernel = (out: Float32Array, a: Float32Array, b: Float32Array, n: number) => void;
type ScalarKernel = (out: Float32Array, a: Float32Array, s: number, n: number) => void;
type UnaryKernel = (out: Float32Array, x: Float32Array, n: number) => void;

function binary(op: string, tt: BinaryKernel, ts: ScalarKernel, a: Tensor, b: Tensor | number, out: Tensor | undefined): Tensor {
  if (!(a instanceof Tensor)) throw new TypeError(`${op}: a must be a Tensor`);
  if (typeof b === 'number') {
    const o = outOrNew(op, out, a.shape, `a ${formatShape(a.shape)}`);
    expectNoPartialOverlap(op, o.data, a.data, 'a');
    ts(o.data, a.data, b, a.size);
    return o;
  }
  if (!(b instanceof Tensor)) expectNumber(op, b, 'b');
  expectSameShape(op, a, 'a', b, 'b');
  const o = outOrNew(op, out, a.shape, `a ${formatShape(a.shape)}, b ${formatShape(b.shape)}`);
  expectNoPartialOverlap(op, o.data, a.data, 'a');
  expectNoPartialOverlap(op, o.data, b.data, 'b');
  tt(o.data, a.data, b.data, a.size);
  return o;
}

function unary(op: string, k: UnaryKernel, x: Tensor, out: Tensor | undefined): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor`);
  const o = outOrNew(op, out, x.shape, `x ${formatShape(x.shape)}`);
  expectNoPartialOverlap(op, o.data, x.data, 'x');
  k(o.data, x.data, x.size);
  return o;
}

/**
 * a + b, elementwise. `b` is a tensor of a's shape or a number. For a [R, C] plus a [C] row
 * vector use `addRow`.
 *
 * ```ts
 * add(x, y);            // new tensor
 * add(x, 1, x);         // x += 1, written through out
 * ```
 */
export function add(a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  return binary('add', addKernel, addScalarKernel, a, b, out);
}
/** a - b, elementwise (b: same-shape tensor or number). */
export function sub(a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  return binary('sub', subKernel, subScalarKernel, a, b, out);
}
/** a · b, elementwise (b: same-shape tensor or number). */
export function mul(a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  return binary('mul', mulKernel, mulScalarKernel, a, b, out);
}
/** a / b, elementwise (b: same-shape tensor or number). Division by zero gives ±Infinity/NaN, as in IEEE. */
export function div(a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  return binary('div', divKernel, divScalarKernel, a, b, out);
}

/** -x */
export function neg(x: Tensor, out?: Tensor): Tensor { return unary('neg', negKernel, x, out); }
/** eˣ */
export function exp(x: Tensor, out?: Tensor): Tensor { return unary('exp', expKernel, x, out); }
/** Natural log; log(0) = -Infinity, log(<0) = NaN as in PyTorch. */
export function log(x: Tensor, out?: Tensor): Tensor { return unary('log', logKernel, x, out); }
/** √x; NaN for negative x. */
export function sqrt(x: Tensor, out?: Tensor): Tensor { return unary('sqrt', sqrtKernel, x, out); }
/** |x| */
export function abs(x: Tensor, out?: Tensor): Tensor { return unary('abs', absKernel, x, out); }
/** max(x, 0) (NaN stays NaN). */
export function relu(x: Tensor, out?: Tensor): Tensor { return unary('relu', reluForward, x, out); }
/** tanh(x) */
export function tanh(x: Tensor, out?: Tensor): Tensor { return unary('tanh', tanhForward, x, out); }
/** 1 / (1 + e^-x), computed without overflow for large |x|. */
export function sigmoid(x: Tensor, out?: Tensor): Tensor { return unary('sigmoid', sigmoidForward, x, out); }

/**
 * Clamps every element to [min, max] (PyTorch `clamp`; either bound may be omitted with
 * -Infinity/Infinity). NaN stays NaN.
 *
 * ```ts
 * clamp(p, 1e-7, 1 - 1e-7);
 * ```
 */
export function clamp(x: Tensor, min: number, max: number, out?: Tensor): Tensor {
  const op = 'clamp';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor`);
  if (typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max)) {
    throw new TypeError(`${op}: min and max must be numbers, got min=${min}, max=${max}`);
  }
  if (min > max) throw new RangeError(`${op}: min=${min} is greater than max=${max}`);
  const o = outOrNew(op, out, x.shape, `x ${formatShape(x.shape)}`);
  expectNoPartialOverlap(op, o.data, x.data, 'x');
  clampKernel(o.data, x.data, min, max, x.size);
  return o;
}
