// The scalar matmul with its macro-kernel in asm.js: C = alpha·op(A)·op(B) + beta·C (+ bias[N] on
// every row), the same contract, packing and loop order as matmul-packed.ts, whose driver this
// mirrors. M, K, N: C is [M, N], op(A) is [M, K], op(B) is [K, N], row-major.
//
// Why asm.js. In the TypeScript macro-kernel every typed-array load is an element access V8
// guards with map and bounds checks (measured with `npm run bench -- matmul`): 4.5-5.3 GFLOPS on an AMD EPYC. asm.js is a
// subset of JavaScript (int32/float64 annotations `x|0` and `+x`, one fixed-size ArrayBuffer
// "heap" read through typed views at `byteOffset >> 2`) that V8 validates and compiles ahead of
// time with its WebAssembly compiler, so those accesses become plain memory loads. The same 4×4
// kernel, float64 accumulators and all, runs 7.3-7.8 GFLOPS as asm.js and 4-5 as ordinary
// JavaScript. It is still scalar code on one thread, and an engine that does not validate asm.js
// runs it as ordinary JavaScript with the same results. `asmjsAvailable()` is false where
// WebAssembly is off (--jitless) or with TIMBRE_ASMJS=0; the dispatcher then takes the TypeScript
// kernel.
//
// The source is a string compiled with `new Function`: esbuild (tsx, vitest) drops the
// "use asm" directive and prints `0.0` as `0`, which asm.js reads as an int.
//
// Heap layout, in floats, Np = N rounded up to 4:
//   packed:  [A block: mcMax·kc | B block: Np·kc | C rows: mcMax·Np | bias: Np]
//   narrow:  [A as stored + 4 rows of slack | B block: Np·K | C rows: Mp·Np | bias: Np]
// Packing zero-pads B (and A) to whole 4-wide panels, so the kernel writes whole 4×4 tiles into
// the heap's C rows (stride Np) and never clips; the driver copies the M×N part in (only when
// beta ≠ 0 or a later depth block adds to it) and out. Results are bit-identical to
// matmul-packed.ts: same packing, same order of float64 sums, one rounding.

import { KC, MC, NARROW_N, gemmPacked, packA, packB } from './matmul-packed.js';

/** The asm.js module's source (exported for the test that checks V8 validates it). */
export const ASM_SOURCE = `
"use asm";
var F32 = new stdlib.Float32Array(heap);
var imul = stdlib.Math.imul;

// C rows (byte offset c, stride n floats) = alpha·(A block · B block) + beta·C + bias, for mc rows
// (a multiple of 4) and n columns (a multiple of 4), kc deep. b: byte offset of the packed B block
// (4-column panels, k-major: panel[k*4 + c]). A's element (r, k) of the panel starting at row ip
// lies at byte a + (ip/4)·ps + r·rs + k·ks: packed panels have rs = 4, ks = 16, ps = 16·kc; A
// copied as it is (narrow products) has the strides of its layout. bias: byte offset, or -1 for
// none. beta = 0 never reads C.
function macro(a, rs, ks, ps, b, c, mc, n, kc, alpha, beta, bias) {
  a = a | 0; rs = rs | 0; ks = ks | 0; ps = ps | 0; b = b | 0; c = c | 0; mc = mc | 0; n = n | 0; kc = kc | 0;
  alpha = +alpha; beta = +beta; bias = bias | 0;
  var j = 0, ip = 0, pa = 0, pb = 0, end = 0, q = 0, ldc = 0, panel = 0, rs2 = 0, rs3 = 0;
  var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, x0 = 0.0, x1 = 0.0, x2 = 0.0, x3 = 0.0;
  var b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0;
  var c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0, c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
  var c20 = 0.0, c21 = 0.0, c22 = 0.0, c23 = 0.0, c30 = 0.0, c31 = 0.0, c32 = 0.0, c33 = 0.0;
  ldc = n << 2;     // bytes per row of C
  panel = kc << 4;  // bytes per packed B panel (4 floats per k)
  rs2 = rs << 1; rs3 = (rs2 + rs) | 0;
  for (j = 0; (j | 0) < (n | 0); j = (j + 4) | 0) {
    if ((bias | 0) >= 0) {
      q = (bias + (j << 2)) | 0;
      b0 = +F32[q >> 2]; b1 = +F32[(q + 4) >> 2]; b2 = +F32[(q + 8) >> 2]; b3 = +F32[(q + 12) >> 2];
    }
    for (ip = 0; (ip | 0) < (mc | 0); ip = (ip + 4) | 0) {
      pa = (a + imul(ip >> 2, ps)) | 0;
      pb = (b + imul(j >> 2, panel)) | 0;
      end = (pb + panel) | 0;
      c00 = 0.0; c01 = 0.0; c02 = 0.0; c03 = 0.0; c10 = 0.0; c11 = 0.0; c12 = 0.0; c13 = 0.0;
      c20 = 0.0; c21 = 0.0; c22 = 0.0; c23 = 0.0; c30 = 0.0; c31 = 0.0; c32 = 0.0; c33 = 0.0;
      while ((pb | 0) < (end | 0)) {
        a0 = +F32[pa >> 2]; a1 = +F32[(pa + rs) >> 2]; a2 = +F32[(pa + rs2) >> 2]; a3 = +F32[(pa + rs3) >> 2];
        x0 = +F32[pb >> 2]; x1 = +F32[(pb + 4) >> 2]; x2 = +F32[(pb + 8) >> 2]; x3 = +F32[(pb + 12) >> 2];
        c00 = c00 + a0 * x0; c01 = c01 + a0 * x1; c02 = c02 + a0 * x2; c03 = c03 + a0 * x3;
        c10 = c10 + a1 * x0; c11 = c11 + a1 * x1; c12 = c12 + a1 * x2; c13 = c13 + a1 * x3;
        c20 = c20 + a2 * x0; c21 = c21 + a2 * x1; c22 = c22 + a2 * x2; c23 = c23 + a2 * x3;
        c30 = c30 + a3 * x0; c31 = c31 + a3 * x1; c32 = c32 + a3 * x2; c33 = c33 + a3 * x3;
        pa = (pa + ks) | 0; pb = (pb + 16) | 0;
      }
      // Each element: alpha·acc (+ beta·C) + bias in float64, rounded to float32 once by the store.
      q = (c + imul(ip, ldc) + (j << 2)) | 0;
      if (beta == 0.0) {
        F32[q >> 2] = alpha * c00 + b0; F32[(q + 4) >> 2] = alpha * c01 + b1;
        F32[(q + 8) >> 2] = alpha * c02 + b2; F32[(q + 12) >> 2] = alpha * c03 + b3;
        q = (q + ldc) | 0;
        F32[q >> 2] = alpha * c10 + b0; F32[(q + 4) >> 2] = alpha * c11 + b1;
        F32[(q + 8) >> 2] = alpha * c12 + b2; F32[(q + 12) >> 2] = alpha * c13 + b3;
        q = (q + ldc) | 0;
        F32[q >> 2] = alpha * c20 + b0; F32[(q + 4) >> 2] = alpha * c21 + b1;
        F32[(q + 8) >> 2] = alpha * c22 + b2; F32[(q + 12) >> 2] = alpha * c23 + b3;
        q = (q + ldc) | 0;
        F32[q >> 2] = alpha * c30 + b0; F32[(q + 4) >> 2] = alpha * c31 + b1;
        F32[(q + 8) >> 2] = alpha * c32 + b2; F32[(q + 12) >> 2] = alpha * c33 + b3;
      } else {
        F32[q >> 2] = alpha * c00 + beta * +F32[q >> 2] + b0;
        F32[(q + 4) >> 2] = alpha * c01 + beta * +F32[(q + 4) >> 2] + b1;
        F32[(q + 8) >> 2] = alpha * c02 + beta * +F32[(q + 8) >> 2] + b2;
        F32[(q + 12) >> 2] = alpha * c03 + beta * +F32[(q + 12) >> 2] + b3;
        q = (q + ldc) | 0;
        F32[q >> 2] = alpha * c10 + beta * +F32[q >> 2] + b0;
        F32[(q + 4) >> 2] = alpha * c11 + beta * +F32[(q + 4) >> 2] + b1;
        F32[(q + 8) >> 2] = alpha * c12 + beta * +F32[(q + 8) >> 2] + b2;
        F32[(q + 12) >> 2] = alpha * c13 + beta * +F32[(q + 12) >> 2] + b3;
        q = (q + ldc) | 0;
        F32[q >> 2] = alpha * c20 + beta * +F32[q >> 2] + b0;
        F32[(q + 4) >> 2] = alpha * c21 + beta * +F32[(q + 4) >> 2] + b1;
        F32[(q + 8) >> 2] = alpha * c22 + beta * +F32[(q + 8) >> 2] + b2;
        F32[(q + 12) >> 2] = alpha * c23 + beta * +F32[(q + 12) >> 2] + b3;
        q = (q + ldc) | 0;
        F32[q >> 2] = alpha * c30 + beta * +F32[q >> 2] + b0;
        F32[(q + 4) >> 2] = alpha * c31 + beta * +F32[(q + 4) >> 2] + b1;
        F32[(q + 8) >> 2] = alpha * c32 + beta * +F32[(q + 8) >> 2] + b2;
        F32[(q + 12) >> 2] = alpha * c33 + beta * +F32[(q + 12) >> 2] + b3;
      }
    }
  }
}

return { macro: macro };
`;

interface AsmKernel {
  macro(
    a: number,
    rs: number,
    ks: number,
    ps: number,
    b: number,
    c: number,
    mc: number,
    n: number,
    kc: number,
    alpha: number,
    beta: number,
    bias: number,
  ): void;
}

type AsmModule = (stdlib: typeof globalThis, foreign: null, heap: ArrayBuffer) => AsmKernel;

/** Largest heap: byte offsets are int32 inside the kernel. Bigger products take the TypeScript kernel. */
const MAX_HEAP_BYTES = 2 ** 30;
/**
 * Narrow products copy all of A into the heap, which only grows; above this many floats of A (16 MiB)
 * they take the packed path, whose heap is bounded by the blocks (KC·(MC + N) + MC·N floats).
 */
const NARROW_MAX_A = 1 << 22;

let asmModule: AsmModule | null = null;
let kernel: AsmKernel | null = null;
let H = new Float32Array(0); // the heap, as floats
let codegenRefused = false;

let asmOn = typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object' && (typeof process === 'undefined' || process.env.TIMBRE_ASMJS !== '0');

/**
 * Whether the scalar backend's matmul runs this kernel: where V8 compiles asm.js ahead of time (it
 * does when WebAssembly is on; under --jitless the code would run as ordinary JavaScript and lose
 * to the TypeScript kernel) and TIMBRE_ASMJS is not '0'.
 */
export function asmjsAvailable(): boolean {
  return asmOn;
}

// A heap of at least `floats` floats. asm.js heaps are fixed-size, so a bigger one means linking
// the module again (V8 compiles the source once and reuses the code). Sizes are powers of two from
// 64 KiB, which every asm.js engine accepts. Returns false when the product is too big for a heap
// or the runtime forbids compiling code from strings (then the TypeScript kernel runs).
function ensureHeap(floats: number): boolean {
  if (H.length >= floats && kernel !== null) return true;
  let bytes = 1 << 16;
  while (bytes < floats * 4) bytes *= 2;
  if (bytes > MAX_HEAP_BYTES || codegenRefused) return false;
  try {
    asmModule ??= new Function('stdlib', 'foreign', 'heap', ASM_SOURCE) as AsmModule;
  } catch {
    codegenRefused = true; // --disallow-code-generation-from-strings: not tried again
    asmOn = false;
    return false;
  }
  const heap = new ArrayBuffer(bytes);
  kernel = asmModule(globalThis, null, heap);
  H = new Float32Array(heap);
  views.clear();
  return true;
}

// Views of the heap by offset, then length: copying out of the heap needs a view, and making one per
// call would allocate (~140 bytes a call, 215 KiB per epoch of the MLP bench). A training loop uses a
// handful of (offset, length) pairs; the cache is emptied with the heap and when it grows past 64.
const views = new Map<number, Map<number, Float32Array>>();

function heapView(off: number, len: number): Float32Array {
  let byLen = views.get(off);
  if (byLen === undefined) {
    if (views.size >= 64) views.clear();
    byLen = new Map();
    views.set(off, byLen);
  }
  let v = byLen.get(len);
  if (v === undefined) {
    if (byLen.size >= 64) byLen.clear();
    v = H.subarray(off, off + len);
    byLen.set(len, v);
  }
  return v;
}

// Copies `n` floats of `src` from `from` into the heap at `to`, without allocating a view of `src`.
function toHeap(src: Float32Array, from: number, n: number, to: number): void {
  if (from === 0 && src.length === n) H.set(src, to);
  else for (let i = 0; i < n; i++) H[to + i] = src[from + i];
}

// Copies rows [i0, i0+rows) of C ([M, N]) into the heap at cOff (stride Np), or back (in false).
function moveRows(C: Float32Array, i0: number, rows: number, N: number, Np: number, cOff: number, into: boolean): void {
  if (N === Np) {
    if (into) toHeap(C, i0 * N, rows * N, cOff);
    else C.set(heapView(cOff, rows * N), i0 * N);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const src = (i0 + r) * N,
      dst = cOff + r * Np;
    if (into) for (let c = 0; c < N; c++) H[dst + c] = C[src + c];
    else for (let c = 0; c < N; c++) C[src + c] = H[dst + c];
  }
}

// Driver: op(A) [M, K], op(B) [K, N] -> C [M, N], blocked as matmul-packed.ts (KC deep, MC rows;
// the first depth block applies beta and the bias, later ones add into C). Narrow products (N ≤ 16,
// one depth block, A up to 16 MiB) copy A into the heap as it is and let the kernel read it with its own strides:
// each A panel would serve at most 4 B panels, so packing it costs more than it saves (64×64×16:
// +15 %), as in matmul-packed.ts. Returns false, having done nothing, when the operands would not
// fit a heap.
function gemmAsm(
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
): boolean {
  if (M === 0 || N === 0) return true;
  const Np = (N + 3) & ~3;
  if (N <= NARROW_N && K > 0 && K <= KC && M * K <= NARROW_MAX_A) {
    // Heap: [A as stored, with 4 rows of slack that the last panel may read | B | C | bias]. The
    // slack (and, TN, the next row's start) only feeds C's padding rows, which are not copied out.
    const bOff = (M + 4) * K + 4,
      cOff = bOff + Np * K,
      Mp = (M + 3) & ~3,
      biasOff = cOff + Mp * Np;
    if (!ensureHeap(biasOff + Np)) return false;
    toHeap(A, 0, M * K, 0);
    packB(H, bOff, B, transB, 0, N, 0, K, K, N);
    loadBias(bias, N, Np, biasOff);
    if (beta !== 0) moveRows(C, 0, M, N, Np, cOff, true);
    // Element (r, k): NN/NT A is [M, K] (r·K + k), TN A is [K, M] (k·M + r); in bytes.
    const rs = transA ? 4 : 4 * K,
      ks = transA ? 4 * M : 4,
      ps = 4 * rs;
    kernel!.macro(0, rs, ks, ps, bOff * 4, cOff * 4, Mp, Np, K, alpha, beta, bias !== null ? biasOff * 4 : -1);
    moveRows(C, 0, M, N, Np, cOff, false);
    return true;
  }
  const kcMax = Math.min(KC, K),
    mcMax = Math.min(MC, (M + 3) & ~3);
  const bOff = mcMax * kcMax,
    cOff = bOff + Np * kcMax,
    biasOff = cOff + mcMax * Np;
  if (!ensureHeap(biasOff + Np)) return false;
  const k = kernel!;
  loadBias(bias, N, Np, biasOff);
  // K = 0 still runs one (empty) depth block, which writes beta·C + bias.
  for (let p0 = 0; p0 === 0 || p0 < K; p0 += KC) {
    const kc = Math.min(KC, K - p0);
    const first = p0 === 0,
      b = first ? beta : 1;
    packB(H, bOff, B, transB, 0, N, p0, kc, K, N);
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = Math.min(MC, M - i0);
      packA(H, A, transA, i0, mc, p0, kc, M, K);
      if (b !== 0) moveRows(C, i0, mc, N, Np, cOff, true);
      // Packed A panels: element (r, k) at byte 16·k + 4·r of a 16·kc-byte panel.
      k.macro(0, 4, 16, 16 * kc, bOff * 4, cOff * 4, (mc + 3) & ~3, Np, kc, alpha, b, first && bias !== null ? biasOff * 4 : -1);
      moveRows(C, i0, mc, N, Np, cOff, false);
    }
  }
  return true;
}

// The bias, zero-padded to Np, at biasOff.
function loadBias(bias: Float32Array | null, N: number, Np: number, biasOff: number): void {
  if (bias === null) return;
  toHeap(bias, 0, N, biasOff);
  H.fill(0, biasOff + N, biasOff + Np);
}

/** NN: A [M, K], B [K, N] -> C [M, N]. C = alpha·A·B + beta·C (+ bias[N] on every row). When beta is 0, C is not read. */
export function matmulNNAsm(
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
  if (!gemmAsm(C, A, B, bias, M, K, N, alpha, beta, false, false)) gemmPacked(C, A, B, bias, M, K, N, alpha, beta, false, false);
}

/** NT: A [M, K], B [N, K] -> C [M, N]. C = alpha·A·Bᵀ + beta·C (+ bias). */
export function matmulNTAsm(
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
  if (!gemmAsm(C, A, B, bias, M, K, N, alpha, beta, false, true)) gemmPacked(C, A, B, bias, M, K, N, alpha, beta, false, true);
}

/** TN: A [K, M], B [K, N] -> C [M, N]. C = alpha·Aᵀ·B + beta·C (+ bias). */
export function matmulTNAsm(
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
  if (!gemmAsm(C, A, B, bias, M, K, N, alpha, beta, true, false)) gemmPacked(C, A, B, bias, M, K, N, alpha, beta, true, false);
}
