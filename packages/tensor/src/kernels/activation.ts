// Activation kernels: elementwise forward (overwrites out) and backward (accumulates into dx), shared by the ops
// (relu, tanh, sigmoid in ops/elementwise.ts) and the nn layers. NaN and ±Inf behave as in PyTorch 1.13 (checked by
// nn's nonfinite.test.ts). n = element count. Scalars (slope) come after the sizes, as in matmul's alpha/beta.
// Under the SIMD backend (wasm/backend.ts) the kernels marked [simd] run their WebAssembly version
// (wasm/layers.ts, same contract) when their arrays already live in WebAssembly memory (no copies).
import { useSimd } from '../wasm/backend.js';
import { biasBackwardSimd, reluBackwardSimd, reluForwardSimd } from '../wasm/layers.js';
import { inWasm } from '../wasm/memory.js';

// x: [n] -> out: [n]
/** out = max(x, 0), written x < 0 ? 0 : x so that NaN stays NaN (as PyTorch). `out` may be x. Overwrites out. */
export function reluForward(out: Float32Array, x: Float32Array, n: number): void {
  if (useSimd() && inWasm(out) && inWasm(x)) {
    reluForwardSimd(out, x, n);
    return;
  } // [simd]
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = v < 0 ? 0 : v;
  }
}

/**
 * dx += x <= 0 ? 0 : dout. Accumulates. PyTorch's rule (threshold_backward on the output): the gradient at exactly 0
 * is 0, and a NaN input passes the gradient through.
 */
export function reluBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
  if (useSimd() && inWasm(dx) && inWasm(dout) && inWasm(x)) {
    reluBackwardSimd(dx, dout, x, n);
    return;
  } // [simd]
  for (let i = 0; i < n; i++) if (!(x[i] <= 0)) dx[i] += dout[i];
}

/** out = x > 0 ? x : slope·x. Overwrites out. */
export function leakyReluForward(out: Float32Array, x: Float32Array, n: number, slope: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = v > 0 ? v : slope * v;
  }
}

/** dx += dout · (x > 0 ? 1 : slope). Accumulates. */
export function leakyReluBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number, slope: number): void {
  for (let i = 0; i < n; i++) dx[i] += x[i] > 0 ? dout[i] : slope * dout[i];
}

/** out = tanh(x). `out` may be x. Overwrites out. */
export function tanhForward(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
}

/** dx += dout · (1 − y²) where y = tanh(x) is the forward output. Accumulates. */
export function tanhBackward(dx: Float32Array, dout: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = y[i];
    dx[i] += dout[i] * (1 - v * v);
  }
}

/** out = 1 / (1 + e^−x), evaluated without overflow for large |x|; NaN stays NaN. `out` may be x. Overwrites out. */
export function sigmoidForward(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v >= 0) {
      out[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v); // e^v / (1 + e^v) keeps exp's argument ≤ 0
      out[i] = e / (1 + e);
    }
  }
}

/** dx += dout · y(1 − y) where y = sigmoid(x) is the forward output. Accumulates. */
export function sigmoidBackward(dx: Float32Array, dout: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = y[i];
    dx[i] += dout[i] * v * (1 - v);
  }
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * erfc(z) for any real z with fractional error below 1.2e-7 everywhere: the Chebyshev-fitted
 * form of Numerical Recipes (§6.2, "erfcc"), reflected for z < 0 via erfc(−z) = 2 − erfc(z).
 */
export function erfc(z: number): number {
  const a = Math.abs(z);
  const t = 1 / (1 + 0.5 * a);
  const r =
    t *
    Math.exp(
      -a * a -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? r : 2 - r;
}

/**
 * GELU, PyTorch's default (approximate='none') erf form: out = x·Φ(x) = ½·x·erfc(−x/√2).
 * Written with erfc so the relative error stays ~1e-7 for large negative x too. Overwrites out.
 */
export function geluForward(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * erfc(-v * INV_SQRT2);
  }
}

/** dx += dout · (Φ(x) + x·φ(x)). Accumulates. */
export function geluBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const cdf = 0.5 * erfc(-v * INV_SQRT2);
    const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    dx[i] += dout[i] * (cdf + v * pdf);
  }
}

const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_KAPPA = 0.044715;

/**
 * GELU, PyTorch's approximate='tanh' form: out = ½·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³).
 * Evaluated as x / (1 + e^(−2u)), the same value since 1 + tanh(u) = 2·sigmoid(2u): no cancellation in
 * 1 + tanh(u) for negative x, and e^(−2u) = ∞ just gives −0 for very negative x. Overwrites out.
 */
export function geluTanhForward(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const u = SQRT_2_OVER_PI * (v + GELU_KAPPA * v * v * v);
    out[i] = v / (1 + Math.exp(-2 * u));
  }
}

/**
 * dx += dout · (½(1 + tanh u) + ½x(1 − tanh²u)·u′), u′ = √(2/π)(1 + 3·0.044715·x²); with s = sigmoid(2u)
 * that is s + 2x·s(1 − s)·u′. Accumulates.
 */
export function geluTanhBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const u = SQRT_2_OVER_PI * (v + GELU_KAPPA * v * v * v);
    const s = 1 / (1 + Math.exp(-2 * u));
    const du = SQRT_2_OVER_PI * (1 + 3 * GELU_KAPPA * v * v);
    dx[i] += dout[i] * (s + 2 * v * s * (1 - s) * du);
  }
}

// mask: [n], already scaled (0 or 1/(1−p) for inverted dropout).
/** out = x · mask. Overwrites out. */
export function dropoutForward(out: Float32Array, x: Float32Array, mask: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] * mask[i];
}

/** dx += dout · mask. Accumulates. */
export function dropoutBackward(dx: Float32Array, dout: Float32Array, mask: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dx[i] += dout[i] * mask[i];
}

// dout: [B, N] -> dBias: [N]
/** dBias += column sums of dout (the bias gradient of a Linear layer). Accumulates. */
export function biasBackward(dBias: Float32Array, dout: Float32Array, B: number, N: number): void {
  if (useSimd() && inWasm(dBias) && inWasm(dout)) {
    biasBackwardSimd(dBias, dout, B, N);
    return;
  } // [simd]
  for (let j = 0; j < N; j++) {
    let acc = 0; // f64 accumulator, one f32 store
    for (let b = 0; b < B; b++) acc += dout[b * N + j];
    dBias[j] += acc;
  }
}
