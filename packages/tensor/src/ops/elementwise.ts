// Elementwise ops: add/sub/mul/div (tensor-tensor with NumPy broadcasting, or tensor-scalar) and the
// unary functions. Each takes an optional `out` of the result's shape; `out` may be an input of that shape.

import { reluForward, sigmoidForward, tanhForward } from '../kernels/activation.js';
import {
  absKernel,
  addKernel,
  addScalarKernel,
  clampKernel,
  divKernel,
  divScalarKernel,
  expKernel,
  logKernel,
  mulKernel,
  mulScalarKernel,
  negKernel,
  sqrtKernel,
  subKernel,
  subScalarKernel,
} from '../kernels/elementwise.js';
import { addBroadcastKernel, divBroadcastKernel, mulBroadcastKernel, subBroadcastKernel } from '../kernels/broadcast.js';
import { formatShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastPlan, broadcastShapes } from './broadcasting.js';
import { expectNoPartialOverlap, expectNumber, outOrNew } from './check.js';

type BinaryKernel = (out: Float32Array, a: Float32Array, b: Float32Array, n: number) => void;
type ScalarKernel = (out: Float32Array, a: Float32Array, s: number, n: number) => void;
type UnaryKernel = (out: Float32Array, x: Float32Array, n: number) => void;
type BroadcastKernel = (
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  aRow: Int32Array,
  bRow: Int32Array,
  sa: number,
  sb: number,
  rows: number,
  n: number,
) => void;

function binary(op: string, tt: BinaryKernel, tb: BroadcastKernel, ts: ScalarKernel, a: Tensor, b: Tensor | number, out: Tensor | undefined): Tensor {
  if (!(a instanceof Tensor)) throw new TypeError(`${op}: a must be a Tensor`);
  if (typeof b === 'number') {
    const o = outOrNew(op, out, a.shape, `a ${formatShape(a.shape)}`);
    expectNoPartialOverlap(op, o.data, a.data, 'a');
    ts(o.data, a.data, b, a.size);
    return o;
  }
  if (!(b instanceof Tensor)) expectNumber(op, b, 'b');
  const same = sameShape(a.shape, b.shape);
  const shape = same ? a.shape : broadcastShapes(op, a.shape, 'a', b.shape, 'b');
  const o = outOrNew(op, out, shape, `a ${formatShape(a.shape)}, b ${formatShape(b.shape)}`);
  expectNoPartialOverlap(op, o.data, a.data, 'a');
  expectNoPartialOverlap(op, o.data, b.data, 'b');
  if (same) {
    tt(o.data, a.data, b.data, a.size);
  } else {
    const p = broadcastPlan(shape, a.shape, b.shape);
    tb(o.data, a.data, b.data, p.aRow, p.bRow, p.sa, p.sb, p.rows, p.n);
  }
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
 * a + b, elementwise. `b` is a number or a tensor whose shape broadcasts with a's by NumPy's rules (shapes aligned
 * at the last dimension, sizes equal or 1), as in PyTorch; the result has the broadcast shape.
 *
 * ```ts
 * add(x, y);                  // new tensor
 * add(x, 1, x);               // x += 1, written through out
 * sub(x, mean(x, 0));         // x [4, 3] minus its column means [3]
 * ```
 */
export function add(a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  return binary('add', addKernel, addBroadcastKernel, addScalarKernel, a, b, out);
}
/** a - b, elementwise (b: number or a tensor that broadcasts with a). */
export function sub(a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  return binary('sub', subKernel, subBroadcastKernel, subScalarKernel, a, b, out);
}
/** a · b, elementwise (b: number or a tensor that broadcasts with a). */
export function mul(a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  return binary('mul', mulKernel, mulBroadcastKernel, mulScalarKernel, a, b, out);
}
/** a / b, elementwise (b: number or a tensor that broadcasts with a). Division by zero gives ±Infinity/NaN, as in IEEE. */
export function div(a: Tensor, b: Tensor | number, out?: Tensor): Tensor {
  return binary('div', divKernel, divBroadcastKernel, divScalarKernel, a, b, out);
}

/** -x */
export function neg(x: Tensor, out?: Tensor): Tensor {
  return unary('neg', negKernel, x, out);
}
/** eˣ */
export function exp(x: Tensor, out?: Tensor): Tensor {
  return unary('exp', expKernel, x, out);
}
/** Natural log; log(0) = -Infinity, log(<0) = NaN as in PyTorch. */
export function log(x: Tensor, out?: Tensor): Tensor {
  return unary('log', logKernel, x, out);
}
/** √x; NaN for negative x. */
export function sqrt(x: Tensor, out?: Tensor): Tensor {
  return unary('sqrt', sqrtKernel, x, out);
}
/** |x| */
export function abs(x: Tensor, out?: Tensor): Tensor {
  return unary('abs', absKernel, x, out);
}
/** max(x, 0) (NaN stays NaN). */
export function relu(x: Tensor, out?: Tensor): Tensor {
  return unary('relu', reluForward, x, out);
}
/** tanh(x) */
export function tanh(x: Tensor, out?: Tensor): Tensor {
  return unary('tanh', tanhForward, x, out);
}
/** 1 / (1 + e^-x), computed without overflow for large |x|. */
export function sigmoid(x: Tensor, out?: Tensor): Tensor {
  return unary('sigmoid', sigmoidForward, x, out);
}

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
