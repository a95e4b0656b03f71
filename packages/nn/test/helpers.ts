// Test helpers: fixture loading and tolerance checks.
import { readFileSync } from 'node:fs';
import { Tensor, fromArray } from '@timbre/tensor';
import { Linear, ReLU, Sequential } from '../src/index.js';

export const FIXTURES = new URL('../../../../shared/fixtures/torch/', import.meta.url);

export interface FixtureTensor { shape: number[]; data: number[] }

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
