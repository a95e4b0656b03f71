// NumPy's broadcasting rules for the elementwise ops: shapes are aligned at their last dimension, and each pair of
// sizes must be equal or one of them 1 (a missing leading dimension counts as 1). https://numpy.org/doc/stable/user/basics.broadcasting.html

import { ShapeError, formatShape } from '../shape.js';

/** The shape `a` and `b` broadcast to; throws a ShapeError naming both shapes and the first dimension (from the right) that clashes. */
export function broadcastShapes(op: string, a: readonly number[], aName: string, b: readonly number[], bName: string): number[] {
  const nd = Math.max(a.length, b.length);
  const shape = new Array<number>(nd);
  for (let i = 1; i <= nd; i++) {
    const da = a.length - i >= 0 ? a[a.length - i] : 1,
      db = b.length - i >= 0 ? b[b.length - i] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: ${aName} ${formatShape(a)} and ${bName} ${formatShape(b)} cannot be broadcast together ` +
          `(${aName}.shape[${a.length - i}]=${da}, ${bName}.shape[${b.length - i}]=${db}; sizes must be equal or 1)`,
      );
    }
    shape[nd - i] = da === 1 ? db : da;
  }
  return shape;
}

/** Row offsets for the broadcast kernels (kernels/broadcast.ts): out [rows, n] with n = shape's last dimension. */
export interface BroadcastPlan {
  rows: number;
  n: number;
  aRow: Int32Array;
  bRow: Int32Array;
  sa: number;
  sb: number;
}

/** Element strides of `s` (row-major, contiguous) aligned to `shape`, 0 along every broadcast dimension. */
function alignedStrides(s: readonly number[], shape: readonly number[]): number[] {
  const nd = shape.length,
    off = nd - s.length,
    st = new Array<number>(nd).fill(0);
  let stride = 1;
  for (let d = s.length - 1; d >= 0; d--) {
    if (s[d] !== 1) st[d + off] = stride;
    stride *= s[d];
  }
  return st;
}

export function broadcastPlan(shape: readonly number[], a: readonly number[], b: readonly number[]): BroadcastPlan {
  const nd = shape.length;
  const n = nd === 0 ? 1 : shape[nd - 1];
  let rows = 1;
  for (let d = 0; d < nd - 1; d++) rows *= shape[d];
  const sA = alignedStrides(a, shape),
    sB = alignedStrides(b, shape);
  const aRow = new Int32Array(rows),
    bRow = new Int32Array(rows);
  const idx = new Array<number>(Math.max(nd - 1, 0)).fill(0);
  let oa = 0,
    ob = 0;
  for (let r = 0; r < rows; r++) {
    aRow[r] = oa;
    bRow[r] = ob;
    for (let d = nd - 2; d >= 0; d--) {
      // odometer over the leading dimensions
      idx[d]++;
      oa += sA[d];
      ob += sB[d];
      if (idx[d] < shape[d]) break;
      oa -= sA[d] * shape[d];
      ob -= sB[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { rows, n, aRow, bRow, sa: nd === 0 ? 0 : sA[nd - 1], sb: nd === 0 ? 0 : sB[nd - 1] };
}
