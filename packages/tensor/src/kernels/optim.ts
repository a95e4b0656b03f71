// Optimiser update loops over one parameter tensor (n elements), PyTorch's update rules
// (torch/optim/sgd.py and adam.py/adamw.py, single-tensor path). Every loop mutates param and its state in place.
// Under the SIMD backend (wasm/backend.ts) the kernels marked [simd] run their WebAssembly version
// (wasm/layers.ts, same contract) when their arrays already live in WebAssembly memory (no copies).
import { useSimd } from '../wasm/backend.js';
import { adamStepSimd, sgdStepSimd } from '../wasm/layers.js';
import { inWasm } from '../wasm/memory.js';

/**
 * SGD step. With momentum: buf = g on the first step (first = true), else buf = μ·buf + (1−dampening)·g;
 * the step direction is g + μ·buf for Nesterov, else buf. g includes weightDecay·param (L2) when weightDecay
 * is not 0 (as PyTorch: a zero decay never touches g, so an infinite parameter does not turn it into NaN).
 */
export function sgdStep(
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
  if (useSimd() && inWasm(param) && inWasm(grad) && inWasm(buf)) {
    sgdStepSimd(param, grad, buf, n, lr, momentum, dampening, weightDecay, nesterov, first);
    return;
  } // [simd]
  const decay = weightDecay !== 0;
  if (momentum === 0) {
    for (let i = 0; i < n; i++) param[i] -= lr * (decay ? grad[i] + weightDecay * param[i] : grad[i]);
    return;
  }
  const keep = 1 - dampening;
  for (let i = 0; i < n; i++) {
    const g = decay ? grad[i] + weightDecay * param[i] : grad[i];
    const v = first ? g : momentum * buf[i] + keep * g;
    buf[i] = v;
    param[i] -= lr * (nesterov ? g + momentum * v : v);
  }
}

/**
 * Adam / AdamW step number `step` (1-based). decoupled = false: Adam, g += weightDecay·param (L2);
 * decoupled = true: AdamW, param *= 1 − lr·weightDecay first. maxExpAvgSq (AMSGrad) may be null.
 */
export function adamStep(
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
  if (useSimd() && inWasm(param) && inWasm(grad) && inWasm(expAvg) && inWasm(expAvgSq)) {
    adamStepSimd(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    return;
  } // [simd]
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  const stepSize = lr / bc1;
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  const b1c = 1 - beta1,
    b2c = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const p = param[i] * decay;
    const g = l2 !== 0 ? grad[i] + l2 * p : grad[i]; // as PyTorch: no L2 term at all when weightDecay is 0
    const m = beta1 * expAvg[i] + b1c * g;
    let v = beta2 * expAvgSq[i] + b2c * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    if (maxExpAvgSq !== null) {
      if (maxExpAvgSq[i] > v) v = maxExpAvgSq[i];
      maxExpAvgSq[i] = v;
    }
    param[i] = p - (stepSize * m) / (Math.sqrt(v) / bc2Sqrt + eps);
  }
}

/** Σ x² in float64 (for gradient-norm clipping). */
export function sumOfSquares(x: Float32Array, n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += x[i] * x[i];
  return acc;
}

/** x *= s. Mutates x. */
export function scaleInPlaceKernel(x: Float32Array, n: number, s: number): void {
  for (let i = 0; i < n; i++) x[i] *= s;
}
