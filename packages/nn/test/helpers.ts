// Test helpers: fixture loading and tolerance checks.
import { readFileSync } from 'node:fs';
import { type Tensor, fromArray, getBackend, setBackend, type Backend } from '@timbre/tensor';
import { Linear, ReLU, Sequential } from '../src/index.js';

export const FIXTURES = new URL('../../../../shared/fixtures/torch/', import.meta.url);

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export function tensorOf(t: FixtureTensor): Tensor {
  return fromArray(t.data, t.shape);
}

/**
 * max |a−b| / max(|b|, floor·max|b|) over the entries, for parity against PyTorch: relative error per entry,
 * except that entries below `floor` (default 1e-2) of the tensor's largest magnitude are judged against that
 * level (float32 sums of mixed-sign terms leave absolute, not relative, rounding on near-zero entries).
 */
export function maxRel(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-2): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  const atol = Math.max(floor * scale, 1e-30);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), atol);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

/** nn.Sequential(Linear, ReLU, …, Linear) over `sizes`, as make_fixtures.py builds it. */
export function seedMlp(sizes: number[]): Sequential {
  const layers = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    layers.push(new Linear(sizes[i], sizes[i + 1]));
    if (i < sizes.length - 2) layers.push(new ReLU());
  }
  return new Sequential(...layers);
}

export function stateOf(params: Record<string, FixtureTensor>): Record<string, Tensor> {
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(params)) sd[k] = tensorOf(v);
  return sd;
}

/**
 * The kernel backends parity runs under, with their bars. 'scalar' (TypeScript kernels, float64 accumulators)
 * is held to 1e-5 relative on gradients and 1e-4 on the losses seen during optimiser steps. The WebAssembly SIMD
 * matmul accumulates in float32 in another order than PyTorch's BLAS; its gradients differ from the scalar ones by
 * ~1e-7 of the largest entry (checked in parity-mlp.test.ts), which costs a factor of a few on near-cancelling
 * entries: those bars are 2e-5 and 1e-3. The optimiser updates themselves have their own bars (parity-optim.test.ts).
 */
export const BACKENDS: { backend: Backend; grad: number; steps: number }[] = [
  { backend: 'scalar', grad: 1e-5, steps: 1e-4 },
  { backend: 'simd', grad: 2e-5, steps: 1e-3 },
];

/** Runs the enclosing describe block's tests under `backend` (models must be built inside the tests). */
export function useBackend(backend: Backend, hooks: { beforeAll: (f: () => void) => void; afterAll: (f: () => void) => void }): void {
  let before: Backend = getBackend();
  hooks.beforeAll(() => {
    before = getBackend();
    setBackend(backend);
  });
  hooks.afterAll(() => setBackend(before));
}
