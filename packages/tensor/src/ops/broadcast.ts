// Row broadcasting: x [R, C] op v [C] -> [R, C], the one broadcast training needs (biases,
// per-feature mean/std). Other broadcasts are not supported; reshape or loop instead.

import { addRowKernel, divRowKernel, mulRowKernel, subRowKernel } from '../kernels/broadcast.js';
import { ShapeError, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectNoOverlap, expectNoPartialOverlap, outOrNew } from './check.js';

type RowKernel = (out: Float32Array, x: Float32Array, v: Float32Array, R: number, C: number) => void;

function rowOp(op: string, k: RowKernel, x: Tensor, v: Tensor, out: Tensor | undefined): Tensor {
  if (!(x instanceof Tensor) || !(v instanceof Tensor)) throw new TypeError(`${op}: x and v must be Tensors`);
  if (x.ndim !== 2) throw new ShapeError(`${op}: x must be 2-D [rows, columns], got x ${formatShape(x.shape)} (v ${formatShape(v.shape)})`);
  if (v.ndim !== 1 || v.shape[0] !== x.shape[1]) {
    throw new ShapeError(`${op}: v ${formatShape(v.shape)} does not match the columns of x ${formatShape(x.shape)} ` + `(expected v of shape [${x.shape[1]}])`);
  }
  const o = outOrNew(op, out, x.shape, `x ${formatShape(x.shape)}, v ${formatShape(v.shape)}`);
  expectNoPartialOverlap(op, o.data, x.data, 'x');
  expectNoOverlap(op, o.data, v.data, 'v');
  k(o.data, x.data, v.data, x.shape[0], x.shape[1]);
  return o;
}

/**
 * x [R, C] + v [C] on every row.
 *
 * ```ts
 * const y = addRow(matmul(x, w, { transB: true }), b);   // x·wᵀ + b
 * ```
 */
export function addRow(x: Tensor, v: Tensor, out?: Tensor): Tensor {
  return rowOp('addRow', addRowKernel, x, v, out);
}
/** x [R, C] - v [C] on every row (e.g. centring by column means). */
export function subRow(x: Tensor, v: Tensor, out?: Tensor): Tensor {
  return rowOp('subRow', subRowKernel, x, v, out);
}
/** x [R, C] · v [C] on every row. */
export function mulRow(x: Tensor, v: Tensor, out?: Tensor): Tensor {
  return rowOp('mulRow', mulRowKernel, x, v, out);
}
/** x [R, C] / v [C] on every row (e.g. scaling by column standard deviations). */
export function divRow(x: Tensor, v: Tensor, out?: Tensor): Tensor {
  return rowOp('divRow', divRowKernel, x, v, out);
}
