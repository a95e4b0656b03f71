// Broadcasting kernels. Row kernels: x [R, C] op v [C] -> out [R, C] (v applied to every row); R = rows,
// C = columns; `out` may alias x; used for biases and per-feature scaling. Then the general NumPy-rule kernels.

export function addRowKernel(out: Float32Array, x: Float32Array, v: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    for (let c = 0; c < C; c++) out[o + c] = x[o + c] + v[c];
  }
}
export function subRowKernel(out: Float32Array, x: Float32Array, v: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    for (let c = 0; c < C; c++) out[o + c] = x[o + c] - v[c];
  }
}
export function mulRowKernel(out: Float32Array, x: Float32Array, v: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    for (let c = 0; c < C; c++) out[o + c] = x[o + c] * v[c];
  }
}
export function divRowKernel(out: Float32Array, x: Float32Array, v: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    for (let c = 0; c < C; c++) out[o + c] = x[o + c] / v[c];
  }
}

// NumPy broadcasting, row by row: out is [rows, n] (n = the last dimension of the broadcast shape); row r reads
// a[aRow[r] + j·sa] and b[bRow[r] + j·sb], where sa, sb are 1, or 0 for an input broadcast along the last dimension.
// ops/elementwise.ts works out the row offsets. `out` may be a or b when that input has the broadcast shape.
export function addBroadcastKernel(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  aRow: Int32Array,
  bRow: Int32Array,
  sa: number,
  sb: number,
  rows: number,
  n: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n,
      ia = aRow[r],
      ib = bRow[r];
    for (let j = 0; j < n; j++) out[o + j] = a[ia + j * sa] + b[ib + j * sb];
  }
}
export function subBroadcastKernel(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  aRow: Int32Array,
  bRow: Int32Array,
  sa: number,
  sb: number,
  rows: number,
  n: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n,
      ia = aRow[r],
      ib = bRow[r];
    for (let j = 0; j < n; j++) out[o + j] = a[ia + j * sa] - b[ib + j * sb];
  }
}
export function mulBroadcastKernel(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  aRow: Int32Array,
  bRow: Int32Array,
  sa: number,
  sb: number,
  rows: number,
  n: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n,
      ia = aRow[r],
      ib = bRow[r];
    for (let j = 0; j < n; j++) out[o + j] = a[ia + j * sa] * b[ib + j * sb];
  }
}
export function divBroadcastKernel(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  aRow: Int32Array,
  bRow: Int32Array,
  sa: number,
  sb: number,
  rows: number,
  n: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n,
      ia = aRow[r],
      ib = bRow[r];
    for (let j = 0; j < n; j++) out[o + j] = a[ia + j * sa] / b[ib + j * sb];
  }
}
