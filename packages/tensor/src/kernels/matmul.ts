// The matmul kernels nn calls: C = alpha·op(A)·op(B) + beta·C (+ bias[N] on every row), same
// contract as matmul-naive.ts. M, K, N: C is [M, N], op(A) is [M, K], op(B) is [K, N].
// This file only dispatches: WebAssembly SIMD (wasm/matmul.ts) by default where the runtime has it,
// the scalar fast path matmul-packed.ts otherwise or with TIMBRE_BACKEND=scalar (see wasm/backend.ts).
import { matmulNNPacked, matmulNTPacked, matmulTNPacked } from './matmul-packed.js';
import { useSimd } from '../wasm/backend.js';
import { matmulNNSimd, matmulNTSimd, matmulTNSimd } from '../wasm/matmul.js';

/** Below this many multiply-adds the scalar kernel wins: a WebAssembly call costs ~0.3-0.5 µs (measured with 8³-16³). */
const SIMD_MIN_MACS = 4096;

/** NN: A [M, K], B [K, N] -> C [M, N]. When beta is 0, C is not read. */
export function matmulNN(C: Float32Array, A: Float32Array, B: Float32Array, bias: Float32Array | null,
                         M: number, K: number, N: number, alpha: number, beta: number): void {
  if (useSimd() && M * N * K > SIMD_MIN_MACS) matmulNNSimd(C, A, B, bias, M, K, N, alpha, beta);
  else matmulNNPacked(C, A, B, bias, M, K, N, alpha, beta);
}

/** NT: A [M, K], B [N, K] (op(B) = Bᵀ) -> C [M, N]. When beta is 0, C is not read. */
export function matmulNT(C: Float32Array, A: Float32Array, B: Float32Array, bias: Float32Array | null,
                         M: number, K: number, N: number, alpha: number, beta: number): void {
  if (useSimd() && M * N * K > SIMD_MIN_MACS) matmulNTSimd(C, A, B, bias, M, K, N, alpha, beta);
  else matmulNTPacked(C, A, B, bias, M, K, N, alpha, beta);
}

/** TN: A [K, M] (op(A) = Aᵀ), B [K, N] -> C [M, N]. When beta is 0, C is not read. */
export function matmulTN(C: Float32Array, A: Float32Array, B: Float32Array, bias: Float32Array | null,
                         M: number, K: number, N: number, alpha: number, beta: number): void {
  if (useSimd() && M * N * K > SIMD_MIN_MACS) matmulTNSimd(C, A, B, bias, M, K, N, alpha, beta);
  else matmulTNPacked(C, A, B, bias, M, K, N, alpha, beta);
}
