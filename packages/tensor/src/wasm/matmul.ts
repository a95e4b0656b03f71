// SIMD matmul kernels with the scalar kernels' contract (kernels/matmul-naive.ts): C = alpha·op(A)·op(B)
// + beta·C (+ bias[n] on every row); beta = 0 never reads C. Arrays already in the module's memory are
// used in place; others are copied into temporary blocks (correct, slower) and C is copied back.
// M, K, N: C is [M, N]; op(A) is [M, K]; op(B) is [K, N].

import { matmulScratchBytes } from './matmul-module.js';
import { rawAlloc, rawFree } from './memory.js';
import { copyBack, stage, unstage } from './stage.js';
import { simdKernels, type KernelExports } from './module.js';
import { parallelMatmul } from './pool.js';

/** Column chunk per call, so the packed-B scratch stays ≤ 4 MiB whatever N is. */
const N_CHUNK = 4096;

let scratchPtr = 0,
  scratchBytes = 0;

/** This thread's packing scratch, grown on demand (never shrinks: it is reused by every call). */
function scratch(bytes: number): number {
  if (bytes > scratchBytes) {
    if (scratchBytes > 0) rawFree(scratchPtr, scratchBytes);
    scratchPtr = rawAlloc(bytes);
    scratchBytes = bytes;
  }
  return scratchPtr;
}

type Layout = 'NN' | 'NT' | 'TN';

function run(
  layout: Layout,
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
  act: number,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    // no product: C = beta·C + bias
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let v = beta === 0 ? 0 : beta * C[i * N + j];
        if (bias !== null) v += bias[j];
        C[i * N + j] = act === 1 ? (v < 0 ? 0 : v) : v;
      }
    return;
  }
  const k: KernelExports = simdKernels();
  const pA = stage(A, M * K, true),
    pB = stage(B, K * N, true);
  const pBias = bias === null ? 0 : stage(bias, N, true);
  const pC = stage(C, M * N, beta !== 0);
  if (!parallelMatmul(layout, pC, pA, pB, pBias, M, K, N, alpha, beta, act)) {
    const s = scratch(matmulScratchBytes(Math.min(N, N_CHUNK)));
    const fn = layout === 'NN' ? k.mm_NN : layout === 'NT' ? k.mm_NT : k.mm_TN;
    const lda = layout === 'TN' ? M : K,
      ldb = layout === 'NT' ? K : N;
    for (let j0 = 0; j0 < N; j0 += N_CHUNK) {
      const n = Math.min(N_CHUNK, N - j0);
      const bOff = layout === 'NT' ? j0 * K * 4 : j0 * 4;
      fn(pC + j0 * 4, N, pA, lda, pB + bOff, ldb, pBias === 0 ? 0 : pBias + j0 * 4, M, K, n, alpha, beta, s, act);
    }
  }
  copyBack(C, pC, M * N);
  unstage();
}

/** NN: A [M, K], B [K, N] -> C [M, N]. */
export function matmulNNSimd(
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
  run('NN', C, A, B, bias, M, K, N, alpha, beta, 0);
}

/** NT: A [M, K], B [N, K] -> C [M, N]. */
export function matmulNTSimd(
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
  run('NT', C, A, B, bias, M, K, N, alpha, beta, 0);
}

/** TN: A [K, M], B [K, N] -> C [M, N]. */
export function matmulTNSimd(
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
  run('TN', C, A, B, bias, M, K, N, alpha, beta, 0);
}

// x: [B, inF], w: [outF, inF], bias: [outF] | null -> out: [B, outF]
/**
 * Fused Linear + ReLU forward: out = max(x·wᵀ + bias, 0) in one pass over the output (the ReLU is
 * applied in the matmul epilogue). Overwrites out. NaN stays NaN, as in reluForward.
 */
export function linearReluForwardSimd(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  B: number,
  inF: number,
  outF: number,
): void {
  run('NT', out, x, w, bias, B, inF, outF, 1, 0, 1);
}
