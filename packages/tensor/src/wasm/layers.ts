// SIMD versions of the layer kernels, with the contracts (argument order, overwrite/accumulate) of
// kernels/activation.ts, kernels/cross-entropy.ts and kernels/optim.ts. B = batch rows, N = columns,
// C = classes, n = element count. Arrays outside WebAssembly memory are staged (see stage.ts).

import { simdKernels } from './module.js';
import { heapInt32, inWasm, rawAlloc, rawFree } from './memory.js';
import { copyBack, stage, unstage } from './stage.js';

/** out = a + b (out may be a). Overwrites out. */
export function addSimd(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  const pa = stage(a, n, true),
    pb = stage(b, n, true),
    po = out === a ? pa : stage(out, n, false);
  simdKernels().add(po, pa, pb, n);
  copyBack(out, po, n);
  unstage();
}

/** out = x < 0 ? 0 : x (NaN stays NaN). Overwrites out. */
export function reluForwardSimd(out: Float32Array, x: Float32Array, n: number): void {
  const px = stage(x, n, true),
    po = stage(out, n, false);
  simdKernels().relu_fwd(po, px, n);
  copyBack(out, po, n);
  unstage();
}

/** dx += x <= 0 ? 0 : dout. Accumulates. */
export function reluBackwardSimd(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
  const pdx = stage(dx, n, true),
    pd = stage(dout, n, true),
    px = stage(x, n, true);
  simdKernels().relu_bwd(pdx, pd, px, n);
  copyBack(dx, pdx, n);
  unstage();
}

// dout: [B, N] -> dBias: [N]
/** dBias += column sums of dout. Accumulates. */
export function biasBackwardSimd(dBias: Float32Array, dout: Float32Array, B: number, N: number): void {
  const pb = stage(dBias, N, true),
    pd = stage(dout, B * N, true);
  simdKernels().bias_bwd(pb, pd, B, N);
  copyBack(dBias, pb, N);
  unstage();
}

// logits: [B, C], labels: [B], weight: [C] | null -> losses: [B], probs: [B, C]
/** Per-row softmax cross-entropy (weighted, smoothed) and the softmax saved for backward. Overwrites both. */
export function crossEntropyForwardSimd(
  losses: Float32Array,
  probs: Float32Array,
  logits: Float32Array,
  labels: Int32Array,
  weight: Float32Array | null,
  B: number,
  C: number,
  smoothing: number,
): void {
  const pz = stage(logits, B * C, true),
    py = stage(labels, B, true);
  const pw = weight === null ? 0 : stage(weight, C, true);
  const pl = stage(losses, B, false),
    pp = stage(probs, B * C, false);
  simdKernels().ce_fwd(pl, pp, pz, py, pw, B, C, smoothing);
  copyBack(losses, pl, B);
  copyBack(probs, pp, B * C);
  unstage();
}

/** dlogits[b, c] += dloss[b]·(p_bc·Σq − q_bc). Accumulates. */
export function crossEntropyBackwardSimd(
  dlogits: Float32Array,
  dloss: Float32Array,
  probs: Float32Array,
  labels: Int32Array,
  weight: Float32Array | null,
  B: number,
  C: number,
  smoothing: number,
): void {
  let wSum = C;
  if (weight !== null) {
    wSum = 0;
    for (let c = 0; c < C; c++) wSum += weight[c];
  }
  const pd = stage(dlogits, B * C, true),
    pg = stage(dloss, B, true),
    pp = stage(probs, B * C, true),
    py = stage(labels, B, true);
  const pw = weight === null ? 0 : stage(weight, C, true);
  simdKernels().ce_bwd(pd, pg, pp, py, pw, B, C, smoothing, wSum);
  copyBack(dlogits, pd, B * C);
  unstage();
}

/** SGD step (PyTorch's rule; see kernels/optim.ts sgdStep). Mutates param and buf. */
export function sgdStepSimd(
  param: Float32Array,
  grad: Float32Array,
  buf: Float32Array,
  n: number,
  lr: number,
  momentum: number,
  dampening: number,
  weightDecay: number,
  nesterov: boolean,
  first: boolean,
): void {
  const pp = stage(param, n, true),
    pg = stage(grad, n, true),
    pb = momentum === 0 ? 0 : stage(buf, n, !first);
  simdKernels().sgd(pp, pg, pb, n, lr, momentum, dampening, weightDecay, nesterov ? 1 : 0, first ? 1 : 0);
  copyBack(param, pp, n);
  if (momentum !== 0) copyBack(buf, pb, n);
  unstage();
}

/** Adam / AdamW step number `step` (1-based; see kernels/optim.ts adamStep). Mutates param and state. */
export function adamStepSimd(
  param: Float32Array,
  grad: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  maxExpAvgSq: Float32Array | null,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  decoupled: boolean,
  step: number,
): void {
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  const pp = stage(param, n, true),
    pg = stage(grad, n, true),
    pm = stage(expAvg, n, true),
    pv = stage(expAvgSq, n, true);
  const pmax = maxExpAvgSq === null ? 0 : stage(maxExpAvgSq, n, true);
  simdKernels().adam(pp, pg, pm, pv, pmax, n, lr / bc1, beta1, beta2, eps, decoupled ? 0 : weightDecay, decoupled ? 1 - lr * weightDecay : 1, bc2Sqrt);
  copyBack(param, pp, n);
  copyBack(expAvg, pm, n);
  copyBack(expAvgSq, pv, n);
  if (maxExpAvgSq !== null) copyBack(maxExpAvgSq, pmax, n);
  unstage();
}

/**
 * Below this many elements TypedArray fill/set are as fast as a call into WebAssembly; above it, on
 * WebAssembly memory (a SharedArrayBuffer, where V8's fill/set take a slower path), the bulk-memory
 * instructions are 4-7x faster.
 */
const BULK_MIN = 256;

/** a.fill(value), by memory.fill / a SIMD store loop when `a` is in WebAssembly memory. */
export function fillFloat32(a: Float32Array, value: number): void {
  if (a.length < BULK_MIN || !inWasm(a)) {
    a.fill(value);
  } else if (value === 0 && !Object.is(value, -0)) {
    simdKernels().mem_zero(a.byteOffset, a.byteLength);
  } else {
    simdKernels().fill(a.byteOffset, value, a.length);
  }
}

/** dst.set(src) for arrays of equal length, by memory.copy when both are in WebAssembly memory. */
export function copyFloat32(dst: Float32Array, src: Float32Array): void {
  if (src.length !== dst.length) throw new RangeError(`copyFloat32: source has ${src.length} elements, destination ${dst.length}`);
  if (dst.length < BULK_MIN || !inWasm(dst) || !inWasm(src)) dst.set(src);
  else simdKernels().mem_copy(dst.byteOffset, src.byteOffset, dst.byteLength);
}

/**
 * dst row r = src row index[start + r] for r < count; rows of rowLen floats; dst and src in WebAssembly
 * memory. The indices are trusted (kernels/gather.ts). Copies them in unless `index` lies in WebAssembly memory.
 */
export function gatherRowsSimd(dst: Float32Array, src: Float32Array, rowLen: number, index: Int32Array, start: number, count: number): void {
  if (inWasm(index)) {
    simdKernels().gather_rows(dst.byteOffset, src.byteOffset, index.byteOffset + start * 4, count, rowLen * 4);
    return;
  }
  const bytes = Math.max(count, 1) * 4,
    p = rawAlloc(bytes),
    h = heapInt32(),
    o = p >> 2;
  for (let r = 0; r < count; r++) h[o + r] = index[start + r];
  simdKernels().gather_rows(dst.byteOffset, src.byteOffset, p, count, rowLen * 4);
  rawFree(p, bytes);
}
