// Packed, register-tiled scalar matmul: C = alpha·op(A)·op(B) + beta·C (+ bias), the fast path
// behind kernels/matmul.ts. M, K, N: C is [M, N], op(A) is [M, K], op(B) is [K, N], row-major.
//
// Design (GotoBLAS/BLIS-style, reduced to what pays off in JavaScript):
//  * op(B) is packed into 4-column panels (all N columns, KC deep at a time), op(A) into 4-row
//    panels (MC rows × KC deep), k-major inside a panel (panel[k*4 + r]), so the scratch holds
//    at most KC·(MC + N) floats. The 4×4 micro-kernel then reads 8 consecutive
//    floats per k step whatever the layout, so NT and TN cost the same as NN: the transpose is
//    absorbed by the O(MK + KN) packing, not the O(MNK) product.
//  * Both panels live in one Float32Array (A block first, then B), so the inner loop touches a
//    single typed array: fewer map/bounds checks for V8 to keep alive.
//  * 16 accumulators (a 4×4 tile) are float64 locals; 8 loads feed 16 multiply-adds. Measured
//    on Node 20: tile shapes with 8-16 accumulators are all close and 4×4 was best; unrolling k by
//    hand makes V8 spill registers (-17..35 %); Math.fround arithmetic costs ~60 %.
//  * Edge panels are zero-padded to 4, so the micro-kernel never branches; only the write-back
//    of an edge tile is clipped.
//  * The scratch buffer is module-level and only grows: a warm call allocates nothing.
//  * beta = 0 never reads C (NaN in C must not leak), as in BLAS.
//  * Narrow products (N ≤ 16, one depth block) skip packing A: each A panel would serve at most 4 B
//    panels, so copying it costs more than the strided reads it saves (measured on 64×64×16: +5-10 %).

/** Rows of op(A) packed per block; MC·KC floats stay cache-resident while B panels stream. */
export const MC = 128;
/** Depth of one block: K is split so a 4×KC panel is 8 KB and the scratch is bounded by KC·(MC + N). */
export const KC = 512;
/** Up to this many columns of C, op(A) is read in place instead of packed (gemmNarrow). */
export const NARROW_N = 16;

let scratch = new Float32Array(0);
const edge = new Float64Array(16); // accumulators of a clipped edge tile

function ensureScratch(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(n);
  return scratch;
}

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into P[0 ..): 4-row panels, panel p at
// p*4*kc, element (k, r) at k*4 + r. Rows past M are zero. transA: A is stored [K, M], else [M, K].
export function packA(P: Float32Array, A: Float32Array, transA: boolean, i0: number, mc: number, p0: number, kc: number, M: number, K: number): void {
  for (let ip = 0; ip < mc; ip += 4) {
    const base = ip * kc,
      i = i0 + ip,
      rows = Math.min(4, M - i);
    if (transA) {
      if (rows === 4) {
        for (let k = 0, src = p0 * M + i, dst = base; k < kc; k++, src += M, dst += 4) {
          P[dst] = A[src];
          P[dst + 1] = A[src + 1];
          P[dst + 2] = A[src + 2];
          P[dst + 3] = A[src + 3];
        }
      } else {
        for (let k = 0; k < kc; k++) for (let r = 0; r < 4; r++) P[base + k * 4 + r] = r < rows ? A[(p0 + k) * M + i + r] : 0;
      }
    } else if (rows === 4) {
      const s0 = i * K + p0,
        s1 = s0 + K,
        s2 = s1 + K,
        s3 = s2 + K;
      for (let k = 0, dst = base; k < kc; k++, dst += 4) {
        P[dst] = A[s0 + k];
        P[dst + 1] = A[s1 + k];
        P[dst + 2] = A[s2 + k];
        P[dst + 3] = A[s3 + k];
      }
    } else {
      for (let k = 0; k < kc; k++) for (let r = 0; r < 4; r++) P[base + k * 4 + r] = r < rows ? A[(i + r) * K + p0 + k] : 0;
    }
  }
}

// Packs columns [j0, j0+nc) × depth [p0, p0+kc) of op(B) into P[off ..): 4-column panels, panel q
// at off + q*4*kc, element (k, c) at k*4 + c. Columns past N are zero. transB: B is stored [N, K],
// else [K, N].
export function packB(
  P: Float32Array,
  off: number,
  B: Float32Array,
  transB: boolean,
  j0: number,
  nc: number,
  p0: number,
  kc: number,
  K: number,
  N: number,
): void {
  for (let jp = 0; jp < nc; jp += 4) {
    const base = off + jp * kc,
      j = j0 + jp,
      cols = Math.min(4, N - j);
    if (!transB) {
      if (cols === 4) {
        for (let k = 0, src = p0 * N + j, dst = base; k < kc; k++, src += N, dst += 4) {
          P[dst] = B[src];
          P[dst + 1] = B[src + 1];
          P[dst + 2] = B[src + 2];
          P[dst + 3] = B[src + 3];
        }
      } else {
        for (let k = 0; k < kc; k++) for (let c = 0; c < 4; c++) P[base + k * 4 + c] = c < cols ? B[(p0 + k) * N + j + c] : 0;
      }
    } else if (cols === 4) {
      const s0 = j * K + p0,
        s1 = s0 + K,
        s2 = s1 + K,
        s3 = s2 + K;
      for (let k = 0, dst = base; k < kc; k++, dst += 4) {
        P[dst] = B[s0 + k];
        P[dst + 1] = B[s1 + k];
        P[dst + 2] = B[s2 + k];
        P[dst + 3] = B[s3 + k];
      }
    } else {
      for (let k = 0; k < kc; k++) for (let c = 0; c < 4; c++) P[base + k * 4 + c] = c < cols ? B[(j + c) * K + p0 + k] : 0;
    }
  }
}

// The macro-kernel: rows [i0, i0+mc) of C from the packed A block at P[0 ..) and the packed B
// block (all N columns) at P[bOff ..), both kc deep. For each B panel (4·kc floats, L1-resident), sweep the A panels.
function macroKernel(
  C: Float32Array,
  P: Float32Array,
  bOff: number,
  bias: Float32Array | null,
  i0: number,
  mc: number,
  kc: number,
  M: number,
  N: number,
  alpha: number,
  beta: number,
): void {
  for (let j = 0; j < N; j += 4) {
    const pb0 = bOff + j * kc;
    const full = j + 4 <= N;
    let b0 = 0,
      b1 = 0,
      b2 = 0,
      b3 = 0;
    if (bias !== null && full) {
      b0 = bias[j];
      b1 = bias[j + 1];
      b2 = bias[j + 2];
      b3 = bias[j + 3];
    }
    for (let ip = 0; ip < mc; ip += 4) {
      // One induction variable: the B panel is read at a fixed distance d from the A panel.
      let pa = ip * kc;
      const d = pb0 - pa;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (const end = pa + 4 * kc; pa < end; pa += 4) {
        const a0 = P[pa],
          a1 = P[pa + 1],
          a2 = P[pa + 2],
          a3 = P[pa + 3];
        const x0 = P[pa + d],
          x1 = P[pa + d + 1],
          x2 = P[pa + d + 2],
          x3 = P[pa + d + 3];
        c00 += a0 * x0;
        c01 += a0 * x1;
        c02 += a0 * x2;
        c03 += a0 * x3;
        c10 += a1 * x0;
        c11 += a1 * x1;
        c12 += a1 * x2;
        c13 += a1 * x3;
        c20 += a2 * x0;
        c21 += a2 * x1;
        c22 += a2 * x2;
        c23 += a2 * x3;
        c30 += a3 * x0;
        c31 += a3 * x1;
        c32 += a3 * x2;
        c33 += a3 * x3;
      }
      const i = i0 + ip;
      if (full && i + 4 <= M) {
        const r0 = i * N + j,
          r1 = r0 + N,
          r2 = r1 + N,
          r3 = r2 + N;
        if (beta === 0) {
          C[r0] = alpha * c00 + b0;
          C[r0 + 1] = alpha * c01 + b1;
          C[r0 + 2] = alpha * c02 + b2;
          C[r0 + 3] = alpha * c03 + b3;
          C[r1] = alpha * c10 + b0;
          C[r1 + 1] = alpha * c11 + b1;
          C[r1 + 2] = alpha * c12 + b2;
          C[r1 + 3] = alpha * c13 + b3;
          C[r2] = alpha * c20 + b0;
          C[r2 + 1] = alpha * c21 + b1;
          C[r2 + 2] = alpha * c22 + b2;
          C[r2 + 3] = alpha * c23 + b3;
          C[r3] = alpha * c30 + b0;
          C[r3 + 1] = alpha * c31 + b1;
          C[r3 + 2] = alpha * c32 + b2;
          C[r3 + 3] = alpha * c33 + b3;
        } else {
          C[r0] = alpha * c00 + beta * C[r0] + b0;
          C[r0 + 1] = alpha * c01 + beta * C[r0 + 1] + b1;
          C[r0 + 2] = alpha * c02 + beta * C[r0 + 2] + b2;
          C[r0 + 3] = alpha * c03 + beta * C[r0 + 3] + b3;
          C[r1] = alpha * c10 + beta * C[r1] + b0;
          C[r1 + 1] = alpha * c11 + beta * C[r1 + 1] + b1;
          C[r1 + 2] = alpha * c12 + beta * C[r1 + 2] + b2;
          C[r1 + 3] = alpha * c13 + beta * C[r1 + 3] + b3;
          C[r2] = alpha * c20 + beta * C[r2] + b0;
          C[r2 + 1] = alpha * c21 + beta * C[r2 + 1] + b1;
          C[r2 + 2] = alpha * c22 + beta * C[r2 + 2] + b2;
          C[r2 + 3] = alpha * c23 + beta * C[r2 + 3] + b3;
          C[r3] = alpha * c30 + beta * C[r3] + b0;
          C[r3 + 1] = alpha * c31 + beta * C[r3 + 1] + b1;
          C[r3 + 2] = alpha * c32 + beta * C[r3 + 2] + b2;
          C[r3 + 3] = alpha * c33 + beta * C[r3 + 3] + b3;
        }
      } else {
        const T = edge;
        T[0] = c00;
        T[1] = c01;
        T[2] = c02;
        T[3] = c03;
        T[4] = c10;
        T[5] = c11;
        T[6] = c12;
        T[7] = c13;
        T[8] = c20;
        T[9] = c21;
        T[10] = c22;
        T[11] = c23;
        T[12] = c30;
        T[13] = c31;
        T[14] = c32;
        T[15] = c33;
        storeEdge(C, T, bias, i, j, Math.min(4, M - i), Math.min(4, N - j), N, alpha, beta);
      }
    }
  }
}

// Narrow products (N ≤ NARROW_N, K ≤ KC): op(B) is packed as usual at P[bOff ..), op(A) is read where it
// lies: element (i, k) at A[i*sr + k*sk] (NN/NT: A is [M, K], sr = K, sk = 1; TN: A is [K, M], sr = 1,
// sk = M). Full 4-row tiles run here; the last M mod 4 rows are packed into one zero-padded A panel
// at P[0, 4K) and go through macroKernel (reading A past row M would leave the array).
function gemmNarrow(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
  transA: boolean,
  transB: boolean,
): void {
  const bOff = 4 * K;
  const P = ensureScratch(bOff + ((N + 3) & ~3) * K);
  packB(P, bOff, B, transB, 0, N, 0, K, K, N);
  const sk = transA ? M : 1,
    sr = transA ? 1 : K;
  const M4 = M & ~3;
  for (let j = 0; j < N; j += 4) {
    const pb0 = bOff + j * K;
    const full = j + 4 <= N;
    let b0 = 0,
      b1 = 0,
      b2 = 0,
      b3 = 0;
    if (bias !== null && full) {
      b0 = bias[j];
      b1 = bias[j + 1];
      b2 = bias[j + 2];
      b3 = bias[j + 3];
    }
    for (let i = 0; i < M4; i += 4) {
      let q = i * sr,
        pb = pb0;
      const r1 = sr,
        r2 = 2 * sr,
        r3 = 3 * sr;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (const end = pb + 4 * K; pb < end; pb += 4, q += sk) {
        const a0 = A[q],
          a1 = A[q + r1],
          a2 = A[q + r2],
          a3 = A[q + r3];
        const x0 = P[pb],
          x1 = P[pb + 1],
          x2 = P[pb + 2],
          x3 = P[pb + 3];
        c00 += a0 * x0;
        c01 += a0 * x1;
        c02 += a0 * x2;
        c03 += a0 * x3;
        c10 += a1 * x0;
        c11 += a1 * x1;
        c12 += a1 * x2;
        c13 += a1 * x3;
        c20 += a2 * x0;
        c21 += a2 * x1;
        c22 += a2 * x2;
        c23 += a2 * x3;
        c30 += a3 * x0;
        c31 += a3 * x1;
        c32 += a3 * x2;
        c33 += a3 * x3;
      }
      if (full && beta === 0) {
        const r0 = i * N + j,
          r1 = r0 + N,
          r2 = r1 + N,
          r3 = r2 + N;
        C[r0] = alpha * c00 + b0;
        C[r0 + 1] = alpha * c01 + b1;
        C[r0 + 2] = alpha * c02 + b2;
        C[r0 + 3] = alpha * c03 + b3;
        C[r1] = alpha * c10 + b0;
        C[r1 + 1] = alpha * c11 + b1;
        C[r1 + 2] = alpha * c12 + b2;
        C[r1 + 3] = alpha * c13 + b3;
        C[r2] = alpha * c20 + b0;
        C[r2 + 1] = alpha * c21 + b1;
        C[r2 + 2] = alpha * c22 + b2;
        C[r2 + 3] = alpha * c23 + b3;
        C[r3] = alpha * c30 + b0;
        C[r3 + 1] = alpha * c31 + b1;
        C[r3 + 2] = alpha * c32 + b2;
        C[r3 + 3] = alpha * c33 + b3;
      } else {
        const T = edge;
        T[0] = c00;
        T[1] = c01;
        T[2] = c02;
        T[3] = c03;
        T[4] = c10;
        T[5] = c11;
        T[6] = c12;
        T[7] = c13;
        T[8] = c20;
        T[9] = c21;
        T[10] = c22;
        T[11] = c23;
        T[12] = c30;
        T[13] = c31;
        T[14] = c32;
        T[15] = c33;
        storeEdge(C, T, bias, i, j, 4, Math.min(4, N - j), N, alpha, beta);
      }
    }
  }
  if (M4 < M) {
    packA(P, A, transA, M4, M - M4, 0, K, M, K);
    macroKernel(C, P, bOff, bias, M4, M - M4, K, M, N, alpha, beta);
  }
}

// Clipped write-back of a tile at (i, j) with rows × cols valid entries.
function storeEdge(
  C: Float32Array,
  T: Float64Array,
  bias: Float32Array | null,
  i: number,
  j: number,
  rows: number,
  cols: number,
  N: number,
  alpha: number,
  beta: number,
): void {
  for (let r = 0; r < rows; r++) {
    const row = (i + r) * N + j;
    for (let c = 0; c < cols; c++) {
      let v = alpha * T[r * 4 + c];
      if (beta !== 0) v += beta * C[row + c];
      if (bias !== null) v += bias[j + c];
      C[row + c] = v;
    }
  }
}

// Shared driver: op(A) [M, K], op(B) [K, N] -> C [M, N]. Blocks of KC depth and MC rows
// (GotoBLAS loop order; a column blocking level measured 3-4 % slower and is left out). The first depth block applies beta and the bias; later ones add
// into C (beta = 1), so each element of C is rounded to float32 once per KC of depth.
export function gemmPacked(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
  transA: boolean,
  transB: boolean,
): void {
  if (M === 0 || N === 0) return;
  if (N <= NARROW_N && K > 0 && K <= KC) {
    gemmNarrow(C, A, B, bias, M, K, N, alpha, beta, transA, transB);
    return;
  }
  const kcMax = Math.min(KC, K),
    mcMax = Math.min(MC, (M + 3) & ~3);
  const bOff = mcMax * kcMax;
  const P = ensureScratch(bOff + ((N + 3) & ~3) * kcMax);
  // K = 0 still runs one (empty) depth block, which writes beta·C + bias.
  for (let p0 = 0; p0 === 0 || p0 < K; p0 += KC) {
    const kc = Math.min(KC, K - p0);
    const first = p0 === 0;
    packB(P, bOff, B, transB, 0, N, p0, kc, K, N);
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = Math.min(MC, M - i0);
      packA(P, A, transA, i0, mc, p0, kc, M, K);
      macroKernel(C, P, bOff, first ? bias : null, i0, mc, kc, M, N, alpha, first ? beta : 1);
    }
  }
}

/** NN: A [M, K], B [K, N] -> C [M, N]. C = alpha·A·B + beta·C (+ bias[N] on every row). */
export function matmulNNPacked(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
): void {
  gemmPacked(C, A, B, bias, M, K, N, alpha, beta, false, false);
}

/** NT: A [M, K], B [N, K] -> C [M, N]. C = alpha·A·Bᵀ + beta·C (+ bias). */
export function matmulNTPacked(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
): void {
  gemmPacked(C, A, B, bias, M, K, N, alpha, beta, false, true);
}

/** TN: A [K, M], B [K, N] -> C [M, N]. C = alpha·Aᵀ·B + beta·C (+ bias). */
export function matmulTNPacked(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
): void {
  gemmPacked(C, A, B, bias, M, K, N, alpha, beta, true, false);
}
