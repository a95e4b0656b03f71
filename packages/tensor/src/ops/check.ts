// Shape checks shared by the ops. Every message starts with the op name and names both shapes.

import { newFloat32 } from '../wasm/backend.js';
import { ShapeError, formatShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Throws unless a and b have the same shape. */
export function expectSameShape(op: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new ShapeError(
      `${op}: ${aName} ${formatShape(a.shape)} does not match ${bName} ${formatShape(b.shape)}` +
        (a.ndim === b.ndim ? ` (${mismatch(a.shape, b.shape, aName, bName)})` : ` (${a.ndim}-D vs ${b.ndim}-D)`),
    );
  }
}

function mismatch(a: readonly number[], b: readonly number[], aName: string, bName: string): string {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return `${aName}.shape[${i}]=${a[i]}, ${bName}.shape[${i}]=${b[i]}`;
  }
  return '';
}

/** Throws unless x is 2-D. */
export function expect2D(op: string, x: Tensor, name: string): void {
  if (x.ndim !== 2) throw new ShapeError(`${op}: ${name} must be 2-D, got ${formatShape(x.shape)}`);
}

/**
 * Returns `out` after checking it has `shape`, or a new zero tensor of that shape.
 * `inputs` are named in the error so the caller sees where the expected shape came from.
 */
export function outOrNew(op: string, out: Tensor | undefined, shape: readonly number[], inputs: string): Tensor {
  if (out === undefined) return new Tensor(newFloat32(sizeOfTrusted(shape)), shape); // wasm memory under the SIMD backend
  if (!(out instanceof Tensor)) throw new TypeError(`${op}: out must be a Tensor`);
  if (!sameShape(out.shape, shape)) {
    throw new ShapeError(`${op}: out ${formatShape(out.shape)} does not match the result's shape ${formatShape(shape)} (${inputs})`);
  }
  return out;
}

/** Throws when out shares memory with x without being exactly x's buffer (partial overlap). */
export function expectNoPartialOverlap(op: string, out: Float32Array, x: Float32Array, name: string): void {
  if (out === x || out.buffer !== x.buffer) return;
  const o0 = out.byteOffset,
    o1 = o0 + out.byteLength,
    x0 = x.byteOffset,
    x1 = x0 + x.byteLength;
  if (o0 === x0 && o1 === x1) return;
  if (o0 < x1 && x0 < o1) throw new RangeError(`${op}: out partially overlaps ${name}; use a separate buffer`);
}

/** Throws when out shares any memory with x (for ops that read x after writing out). */
export function expectNoOverlap(op: string, out: Float32Array, x: Float32Array, name: string): void {
  if (out.buffer !== x.buffer) return;
  const o0 = out.byteOffset,
    o1 = o0 + out.byteLength,
    x0 = x.byteOffset,
    x1 = x0 + x.byteLength;
  if (o0 < x1 && x0 < o1 && out.length > 0 && x.length > 0) throw new RangeError(`${op}: out must not share memory with ${name}`);
}

/** Normalises a possibly negative dimension index against ndim, PyTorch-style. */
export function normDim(op: string, dim: number, x: Tensor): number {
  const nd = x.ndim;
  if (!Number.isInteger(dim) || dim < -nd || dim >= nd) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of shape ${formatShape(x.shape)} (expected -${nd}..${nd - 1})`);
  }
  return dim < 0 ? dim + nd : dim;
}

/** Throws unless s is a number (NaN is allowed: it is a value, not a type error). */
export function expectNumber(op: string, s: unknown, name: string): void {
  if (typeof s !== 'number') throw new TypeError(`${op}: ${name} must be a Tensor or a number, got ${typeof s}`);
}

function sizeOfTrusted(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}
