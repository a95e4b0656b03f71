// 2-D transpose: x [R, C] -> out [C, R]. Works in 32×32 blocks so both the reads and the
// writes stay within a few cache lines. out must not alias x.
const BLOCK = 32;

export function transposeKernel(out: Float32Array, x: Float32Array, R: number, C: number): void {
  for (let r0 = 0; r0 < R; r0 += BLOCK) {
    const r1 = Math.min(r0 + BLOCK, R);
    for (let c0 = 0; c0 < C; c0 += BLOCK) {
      const c1 = Math.min(c0 + BLOCK, C);
      for (let r = r0; r < r1; r++) {
        const xr = r * C;
        for (let c = c0; c < c1; c++) out[c * R + r] = x[xr + c];
      }
    }
  }
}
