// Elementwise kernels over flat Float32Arrays: binary (tensor-tensor, tensor-scalar), unary, and
// in-place updates (relu, tanh and sigmoid live in activation.ts, shared with nn's layers). n = number of elements. Kernels trust their arguments; ops/ checks shapes.
// `out` may alias an input: every kernel reads element i before writing element i.
// Under the SIMD backend, addKernel runs its WebAssembly version (wasm/layers.ts) when its arrays live in
// WebAssembly memory: DataParallel adds every parameter's gradient with it once per step.
import { useSimd } from '../wasm/backend.js';
import { addSimd } from '../wasm/layers.js';
import { inWasm } from '../wasm/memory.js';

// a: [n], b: [n] -> out: [n]
export function addKernel(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  if (n >= 64 && useSimd() && inWasm(out) && inWasm(a) && inWasm(b)) {
    addSimd(out, a, b, n);
    return;
  } // [simd]
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}
export function subKernel(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
}
export function mulKernel(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
}
export function divKernel(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
}

// a: [n], s: scalar -> out: [n]
export function addScalarKernel(out: Float32Array, a: Float32Array, s: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + s;
}
export function subScalarKernel(out: Float32Array, a: Float32Array, s: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] - s;
}
export function mulScalarKernel(out: Float32Array, a: Float32Array, s: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * s;
}
export function divScalarKernel(out: Float32Array, a: Float32Array, s: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] / s;
}

// x: [n] -> out: [n]
export function negKernel(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = -x[i];
}
export function expKernel(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
}
export function logKernel(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
}
export function sqrtKernel(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
}
export function absKernel(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
}
/** min(max(x, lo), hi); NaN stays NaN. */
export function clampKernel(out: Float32Array, x: Float32Array, lo: number, hi: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

// In place. y: [n], x: [n]
/** y += alpha·x (BLAS axpy). */
export function axpyKernel(y: Float32Array, alpha: number, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}
