// Row gather: dst row r = src row index[start + r], rows of rowLen floats. The DataLoader builds every
// batch with it and `indexSelect` checks the indices before calling it; the kernel trusts them.
// Under the SIMD backend, with both arrays in WebAssembly memory and rows of 8 floats or more, each row is one
// memory.copy (wasm/layers.ts).
import { useSimd } from '../wasm/backend.js';
import { gatherRowsSimd } from '../wasm/layers.js';
import { inWasm } from '../wasm/memory.js';

// src: [*, rowLen], index[start .. start+count) -> dst: [count, rowLen]
/**
 * Copies rows `index[start]`, …, `index[start + count - 1]` of `src` (rows of `rowLen` floats) into `dst`
 * (`[count, rowLen]`), in order. A kernel: it overwrites `dst` and does not check bounds.
 */
export function gatherRows(dst: Float32Array, src: Float32Array, rowLen: number, index: Int32Array, start: number, count: number): void {
  if (rowLen >= 8 && count * rowLen >= 64 && useSimd() && inWasm(dst) && inWasm(src)) {
    gatherRowsSimd(dst, src, rowLen, index, start, count);
    return;
  } // [simd]
  for (let r = 0; r < count; r++) {
    const s = index[start + r] * rowLen,
      d = r * rowLen;
    for (let j = 0; j < rowLen; j++) dst[d + j] = src[s + j];
  }
}
