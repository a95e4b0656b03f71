// Row-broadcasting kernels: x [R, C] op v [C] -> out [R, C] (v applied to every row).
// R = rows, C = columns. `out` may alias x. Used for biases and per-feature scaling.

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
