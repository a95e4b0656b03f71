// indexSelect: rows of a tensor picked by index (PyTorch `index_select(x, 0, index)`), e.g. a mini-batch.

import { gatherRows } from '../kernels/gather.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectNoOverlap, outOrNew } from './check.js';

/**
 * The rows `index` of `x` along dimension 0, in that order (repeats allowed), as a new tensor
 * [index.length, ...x.shape.slice(1)] or written into `out`. Like PyTorch's `index_select(x, 0, index)`:
 * every index must be an integer in [0, x.shape[0]).
 *
 * ```ts
 * indexSelect(fromArray([[1, 2], [3, 4], [5, 6]]), [2, 0]).toArray();   // [[5, 6], [1, 2]]
 * ```
 */
export function indexSelect(x: Tensor, index: Int32Array | readonly number[], out?: Tensor): Tensor {
  const op = 'indexSelect';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor`);
  if (x.ndim === 0) throw new RangeError(`${op}: x is 0-d; it has no rows to select`);
  if (!(index instanceof Int32Array) && !Array.isArray(index)) throw new TypeError(`${op}: index must be an Int32Array or an array of row numbers`);
  const N = x.shape[0],
    n = index.length;
  for (let i = 0; i < n; i++) {
    const r = index[i];
    if (!Number.isInteger(r) || r < 0 || r >= N) {
      throw new RangeError(`${op}: index[${i}] = ${r} is out of range for x ${formatShape(x.shape)} (expected an integer in 0..${N - 1})`);
    }
  }
  const rowShape = x.shape.slice(1),
    rowLen = N === 0 ? 0 : x.size / N;
  const o = outOrNew(op, out, [n, ...rowShape], `x ${formatShape(x.shape)}, ${n} indices`);
  expectNoOverlap(op, o.data, x.data, 'x');
  gatherRows(o.data, x.data, rowLen, index instanceof Int32Array ? index : Int32Array.from(index), 0, n);
  return o;
}
