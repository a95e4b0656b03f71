// Functions that make new tensors: zeros, ones, full, fromArray, rand, randn, arange.
// Their buffers come from newFloat32: WebAssembly memory under the SIMD backend (see wasm/memory.ts).

import type { Rng } from './rng.js';
import { ShapeError, formatShape, sizeOf } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';
import { newFloat32 } from './wasm/backend.js';

/** A tensor of zeros. */
export function zeros(shape: readonly number[]): Tensor {
  return new Tensor(newFloat32(sizeOf(shape, 'zeros')), shape);
}

/** A tensor of ones. */
export function ones(shape: readonly number[]): Tensor {
  return full(shape, 1);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number): Tensor {
  return new Tensor(newFloat32(sizeOf(shape, 'full')).fill(value), shape);
}

/**
 * A tensor from nested arrays (shape inferred, must be rectangular), or from a flat
 * array-like with an explicit shape. Values are copied.
 */
export function fromArray(values: NestedArray | ArrayLike<number>, shape?: readonly number[]): Tensor {
  if (shape !== undefined) {
    if (typeof values === 'number' || (Array.isArray(values) && values.some((v) => typeof v !== 'number'))) {
      throw new TypeError('fromArray: with an explicit shape, values must be a flat array of numbers');
    }
    const flat = values as ArrayLike<number>;
    const size = sizeOf(shape, 'fromArray');
    if (flat.length !== size) {
      throw new ShapeError(`fromArray: ${flat.length} values do not fill shape ${formatShape(shape)} (${size} elements)`);
    }
    const data = newFloat32(size);
    for (let i = 0; i < size; i++) data[i] = flat[i];
    return new Tensor(data, shape);
  }
  if (typeof values === 'number') return new Tensor(Float32Array.of(values), []);
  if (!Array.isArray(values)) return new Tensor(Float32Array.from(values as ArrayLike<number>), [(values as ArrayLike<number>).length]);
  const inferred: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    inferred.push(level.length);
    level = level.length > 0 ? (level as readonly NestedArray[])[0] : 0;
    if (inferred[inferred.length - 1] === 0) break;
  }
  const out = newFloat32(sizeOf(inferred, 'fromArray'));
  let k = 0;
  const walk = (v: NestedArray, dim: number, path: number[]): void => {
    if (dim === inferred.length) {
      if (typeof v !== 'number') throw new ShapeError(`fromArray: ragged nested array at index [${path.join(', ')}] (expected a number)`);
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== inferred[dim]) {
      throw new ShapeError(
        `fromArray: ragged nested array at index [${path.join(', ')}] (expected length ${inferred[dim]}, inferred shape ${formatShape(inferred)})`,
      );
    }
    for (let i = 0; i < v.length; i++) walk((v as readonly NestedArray[])[i], dim + 1, [...path, i]);
  };
  walk(values, 0, []);
  return new Tensor(out, inferred);
}

/** Uniform values in [low, high) from `rng`. */
export function rand(shape: readonly number[], rng: Rng, low = 0, high = 1): Tensor {
  const t = zeros(shape);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.uniform(low, high);
  return t;
}

/** Normal values with the given mean and standard deviation from `rng`. */
export function randn(shape: readonly number[], rng: Rng, mean = 0, std = 1): Tensor {
  const t = zeros(shape);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal(mean, std);
  return t;
}

/** 1-D tensor [start, start+step, …) below `end`. */
export function arange(start: number, end?: number, step = 1): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const t = zeros([n]);
  for (let i = 0; i < n; i++) t.data[i] = start + i * step;
  return t;
}
