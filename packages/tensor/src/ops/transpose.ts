// transpose: a 2-D copy x [R, C] -> [C, R] (tensors are always contiguous, so no views).

import { transposeKernel } from '../kernels/transpose.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expect2D, expectNoOverlap, outOrNew } from './check.js';

/**
 * The transpose of a 2-D tensor, as a new contiguous tensor (or written into `out` [C, R]).
 *
 * ```ts
 * transpose(fromArray([[1, 2, 3]])).shape;   // [3, 1]
 * ```
 */
export function transpose(x: Tensor, out?: Tensor): Tensor {
  const op = 'transpose';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor`);
  expect2D(op, x, 'x');
  const R = x.shape[0],
    C = x.shape[1];
  const o = outOrNew(op, out, [C, R], `x ${formatShape(x.shape)}`);
  expectNoOverlap(op, o.data, x.data, 'x');
  transposeKernel(o.data, x.data, R, C);
  return o;
}
