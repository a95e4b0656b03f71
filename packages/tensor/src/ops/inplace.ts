// In-place ops: each mutates its first argument and returns it (PyTorch's `add_`, `mul_`, …).

import {
  addKernel,
  addScalarKernel,
  axpyKernel,
  clampKernel,
  divKernel,
  divScalarKernel,
  mulKernel,
  mulScalarKernel,
  subKernel,
  subScalarKernel,
} from '../kernels/elementwise.js';
import { reluForward } from '../kernels/activation.js';
import { addBroadcastKernel, addRowKernel, divBroadcastKernel, mulBroadcastKernel, mulRowKernel, subBroadcastKernel } from '../kernels/broadcast.js';
import { ShapeError, formatShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastPlan, broadcastShapes } from './broadcasting.js';
import { expectNoOverlap, expectNoPartialOverlap, expectNumber, expectSameShape } from './check.js';

type BinaryKernel = (out: Float32Array, a: Float32Array, b: Float32Array, n: number) => void;
type ScalarKernel = (out: Float32Array, a: Float32Array, s: number, n: number) => void;
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

function inPlace(op: string, tt: BinaryKernel, tb: BroadcastKernel | null, ts: ScalarKernel, x: Tensor, y: Tensor | number): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor`);
  if (typeof y === 'number') {
    ts(x.data, x.data, y, x.size);
    return x;
  }
  if (!(y instanceof Tensor)) expectNumber(op, y, 'y');
  if (tb === null || sameShape(x.shape, y.shape)) {
    expectSameShape(op, x, 'x', y, 'y');
    expectNoPartialOverlap(op, x.data, y.data, 'y');
    tt(x.data, x.data, y.data, x.size);
    return x;
  }
  // As PyTorch's add_: y broadcasts to x's shape; x itself cannot grow.
  const shape = broadcastShapes(op, x.shape, 'x', y.shape, 'y');
  if (!sameShape(shape, x.shape)) {
    throw new ShapeError(
      `${op}: y ${formatShape(y.shape)} broadcasts with x ${formatShape(x.shape)} to ${formatShape(shape)}, ` +
        `but an in-place result must keep x's shape (use the out-of-place op)`,
    );
  }
  expectNoOverlap(op, x.data, y.data, 'y');
  const p = broadcastPlan(shape, x.shape, y.shape);
  tb(x.data, x.data, y.data, p.aRow, p.bRow, p.sa, p.sb, p.rows, p.n);
  return x;
}

/** x += y (y: number or a tensor that broadcasts to x's shape). Mutates x and returns it. */
export function addInPlace(x: Tensor, y: Tensor | number): Tensor {
  return inPlace('addInPlace', addKernel, addBroadcastKernel, addScalarKernel, x, y);
}
/** x -= y (y broadcasts to x's shape: `subInPlace(x, mean(x, 0))` centres the columns). Mutates x and returns it. */
export function subInPlace(x: Tensor, y: Tensor | number): Tensor {
  return inPlace('subInPlace', subKernel, subBroadcastKernel, subScalarKernel, x, y);
}
/** x *= y (y broadcasts to x's shape). Mutates x and returns it. */
export function mulInPlace(x: Tensor, y: Tensor | number): Tensor {
  return inPlace('mulInPlace', mulKernel, mulBroadcastKernel, mulScalarKernel, x, y);
}
/** x /= y (y broadcasts to x's shape). Mutates x and returns it. */
export function divInPlace(x: Tensor, y: Tensor | number): Tensor {
  return inPlace('divInPlace', divKernel, divBroadcastKernel, divScalarKernel, x, y);
}

/** x *= s. Mutates x and returns it. */
export function scaleInPlace(x: Tensor, s: number): Tensor {
  if (typeof s !== 'number') throw new TypeError(`scaleInPlace: s must be a number, got ${typeof s}`);
  return inPlace('scaleInPlace', mulKernel, null, mulScalarKernel, x, s);
}

/**
 * y += alpha·x (BLAS axpy), the SGD update `p -= lr·g` is `axpyInPlace(p, -lr, g)`.
 * Mutates y and returns it.
 */
export function axpyInPlace(y: Tensor, alpha: number, x: Tensor): Tensor {
  const op = 'axpyInPlace';
  if (!(y instanceof Tensor) || !(x instanceof Tensor)) throw new TypeError(`${op}: y and x must be Tensors`);
  if (typeof alpha !== 'number') throw new TypeError(`${op}: alpha must be a number, got ${typeof alpha}`);
  expectSameShape(op, y, 'y', x, 'x');
  expectNoPartialOverlap(op, y.data, x.data, 'x');
  axpyKernel(y.data, alpha, x.data, y.size);
  return y;
}

function rowInPlace(op: string, k: (o: Float32Array, x: Float32Array, v: Float32Array, R: number, C: number) => void, x: Tensor, v: Tensor): Tensor {
  if (!(x instanceof Tensor) || !(v instanceof Tensor)) throw new TypeError(`${op}: x and v must be Tensors`);
  if (x.ndim !== 2 || v.ndim !== 1 || v.shape[0] !== x.shape[1]) {
    throw new ShapeError(
      `${op}: v ${formatShape(v.shape)} does not match the columns of x ${formatShape(x.shape)} ` + `(x must be 2-D [rows, columns] and v [columns])`,
    );
  }
  expectNoOverlap(op, x.data, v.data, 'v');
  k(x.data, x.data, v.data, x.shape[0], x.shape[1]);
  return x;
}

/** x [R, C] += v [C] on every row (a bias add). Mutates x and returns it. */
export function addRowInPlace(x: Tensor, v: Tensor): Tensor {
  return rowInPlace('addRowInPlace', addRowKernel, x, v);
}
/** x [R, C] *= v [C] on every row. Mutates x and returns it. */
export function mulRowInPlace(x: Tensor, v: Tensor): Tensor {
  return rowInPlace('mulRowInPlace', mulRowKernel, x, v);
}

/** Clamps x to [min, max] in place. Mutates x and returns it. */
export function clampInPlace(x: Tensor, min: number, max: number): Tensor {
  const op = 'clampInPlace';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor`);
  if (typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max)) {
    throw new TypeError(`${op}: min and max must be numbers, got min=${min}, max=${max}`);
  }
  if (min > max) throw new RangeError(`${op}: min=${min} is greater than max=${max}`);
  clampKernel(x.data, x.data, min, max, x.size);
  return x;
}

/** max(x, 0) in place. Mutates x and returns it. */
export function reluInPlace(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('reluInPlace: x must be a Tensor');
  reluForward(x.data, x.data, x.size);
  return x;
}
