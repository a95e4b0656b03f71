// Softmax cross-entropy with class weights and label smoothing, PyTorch's semantics (fused log-softmax).
// B = batch rows, C = classes. Row b's target distribution is q_c = (1−ε)·w[y]·[c = y] + (ε/C)·w[c]
// (w ≡ 1 without weights), so loss_b = Σ_c q_c·(lse_b − z_bc) and dloss_b/dz_bc = p_bc·Σq − q_c.
// Under the SIMD backend (wasm/backend.ts) the kernels marked [simd] run their WebAssembly version
// (wasm/layers.ts, same contract) when their arrays already live in WebAssembly memory (no copies).
import { useSimd } from '../wasm/backend.js';
import { crossEntropyBackwardSimd, crossEntropyForwardSimd } from '../wasm/layers.js';
import { inWasm } from '../wasm/memory.js';

// logits: [B, C], labels: [B], weight: [C] | null -> losses: [B], probs: [B, C]
/**
 * losses[b] = per-row cross-entropy (weighted and smoothed, before reduction); probs = softmax(logits),
 * saved for the backward pass. Stable for any finite logits: everything is shifted by the row max
 * and summed in float64. Overwrites losses and probs. Labels must be in [0, C) (callers check).
 */
export function crossEntropyForward(
  losses: Float32Array,
  probs: Float32Array,
  logits: Float32Array,
  labels: Int32Array,
  weight: Float32Array | null,
  B: number,
  C: number,
  smoothing: number,
): void {
  if (useSimd() && inWasm(probs) && inWasm(logits)) {
    crossEntropyForwardSimd(losses, probs, logits, labels, weight, B, C, smoothing);
    return;
  } // [simd]
  const off = smoothing / C,
    on = 1 - smoothing;
  for (let b = 0; b < B; b++) {
    const row = b * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (logits[row + c] > max) max = logits[row + c];
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[row + c] - max);
      probs[row + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < C; c++) probs[row + c] *= inv;
    const lse = max + Math.log(sum);
    const y = labels[b];
    const wy = weight === null ? 1 : weight[y];
    let loss = on * wy * (lse - logits[row + y]);
    if (smoothing !== 0) {
      let s = 0;
      if (weight === null) for (let c = 0; c < C; c++) s += lse - logits[row + c];
      else for (let c = 0; c < C; c++) s += weight[c] * (lse - logits[row + c]);
      loss += off * s;
    }
    losses[b] = loss;
  }
}

// dloss: [B] (the gradient of the reduced loss w.r.t. each row's loss) -> dlogits: [B, C]
/** dlogits[b, c] += dloss[b]·(p_bc·Σ_c' q_bc' − q_bc). Accumulates. */
export function crossEntropyBackward(
  dlogits: Float32Array,
  dloss: Float32Array,
  probs: Float32Array,
  labels: Int32Array,
  weight: Float32Array | null,
  B: number,
  C: number,
  smoothing: number,
): void {
  if (useSimd() && inWasm(dlogits) && inWasm(probs)) {
    crossEntropyBackwardSimd(dlogits, dloss, probs, labels, weight, B, C, smoothing);
    return;
  } // [simd]
  const off = smoothing / C,
    on = 1 - smoothing;
  let wSum = C;
  if (weight !== null) {
    wSum = 0;
    for (let c = 0; c < C; c++) wSum += weight[c];
  }
  for (let b = 0; b < B; b++) {
    const row = b * C,
      g = dloss[b],
      y = labels[b];
    const wy = weight === null ? 1 : weight[y];
    const qSum = on * wy + off * wSum;
    if (smoothing === 0) {
      for (let c = 0; c < C; c++) dlogits[row + c] += g * probs[row + c] * qSum;
    } else if (weight === null) {
      for (let c = 0; c < C; c++) dlogits[row + c] += g * (probs[row + c] * qSum - off);
    } else {
      for (let c = 0; c < C; c++) dlogits[row + c] += g * (probs[row + c] * qSum - off * weight[c]);
    }
    dlogits[row + y] -= g * on * wy;
  }
}

// input, target: [n] -> out: [n]
/** out = (input − target)². Overwrites out. */
export function squaredErrorForward(out: Float32Array, input: Float32Array, target: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const d = input[i] - target[i];
    out[i] = d * d;
  }
}

/** dx += dloss · 2(input − target). Accumulates. */
export function squaredErrorBackward(dx: Float32Array, dloss: Float32Array, input: Float32Array, target: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dx[i] += 2 * dloss[i] * (input[i] - target[i]);
}
