// The matmul kernels nn calls: C = alpha·op(A)·op(B) + beta·C (+ bias[N] on every row), same
// contract as matmul-naive.ts. M, K, N: C is [M, N], op(A) is [M, K], op(B) is [K, N].
// This file only dispatches: WebAssembly SIMD (wasm/matmul.ts) by default where the runtime has it;
// with TIMBRE_BACKEND=scalar or where it has not, the scalar kernels: asm.js (matmul-asm.ts) where
// the engine compiles it, the TypeScript kernel matmul-packed.ts otherwise and for small products.
import { asmjsAvailable, matmulNNAsm, matmulNTAsm, matmulTNAsm } from './matmul-asm.js';
import { matmulNNPacked, matmulNTPacked, matmulTNPacked } from './matmul-packed.js';
import { useSimd } from '../wasm/backend.js';
import { matmulNNSimd, matmulNTSimd, matmulTNSimd } from '../wasm/matmul.js';

/**
 * Up to this many multiply-adds the TypeScript kernel runs whatever the backend: a WebAssembly call
 * costs ~0.3-0.5 µs, an asm.js call and its heap copies ~0.1 µs (measured with 1³-16³: at 8³ the
 * TypeScript kernel is still 20-25 % ahead of asm.js, at 16³ 20 % behind).
 */
const SMALL_MACS = 4096;

/** NN: A [M, K], B [K, N] -> C [M, N]. When beta is 0, C is not read. */
export function matmulNN(
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
  if (M * N * K <= SMALL_MACS) matmulNNPacked(C, A, B, bias, M, K, N, alpha, beta);
  else if (useSimd()) matmulNNSimd(C, A, B, bias, M, K, N, alpha, beta);
  else if (asmjsAvailable()) matmulNNAsm(C, A, B, bias, M, K, N, alpha, beta);
  else matmulNNPacked(C, A, B, bias, M, K, N, alpha, beta);
}

/** NT: A [M, K], B [N, K] (op(B) = Bᵀ) -> C [M, N]. When beta is 0, C is not read. */
export function matmulNT(
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
  if (M * N * K <= SMALL_MACS) matmulNTPacked(C, A, B, bias, M, K, N, alpha, beta);
  else if (useSimd()) matmulNTSimd(C, A, B, bias, M, K, N, alpha, beta);
  else if (asmjsAvailable()) matmulNTAsm(C, A, B, bias, M, K, N, alpha, beta);
  else matmulNTPacked(C, A, B, bias, M, K, N, alpha, beta);
}

/** TN: A [K, M] (op(A) = Aᵀ), B [K, N] -> C [M, N]. When beta is 0, C is not read. */
export function matmulTN(
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
  if (M * N * K <= SMALL_MACS) matmulTNPacked(C, A, B, bias, M, K, N, alpha, beta);
  else if (useSimd()) matmulTNSimd(C, A, B, bias, M, K, N, alpha, beta);
  else if (asmjsAvailable()) matmulTNAsm(C, A, B, bias, M, K, N, alpha, beta);
  else matmulTNPacked(C, A, B, bias, M, K, N, alpha, beta);
}
