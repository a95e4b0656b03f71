// cat and stack along the first dimension: both are contiguous block copies here.

import { ShapeError, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectNoOverlap, outOrNew } from './check.js';

function checkList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError(`${op}: expected a non-empty array of tensors`);
  for (let i = 0; i < tensors.length; i++) {
    if (!(tensors[i] instanceof Tensor)) throw new TypeError(`${op}: tensors[${i}] is not a Tensor`);
  }
}

function copyAll(op: string, o: Tensor, tensors: readonly Tensor[]): Tensor {
  for (let i = 0; i < tensors.length; i++) expectNoOverlap(op, o.data, tensors[i].data, `tensors[${i}]`);
  let at = 0;
  for (let i = 0; i < tensors.length; i++) {
    o.data.set(tensors[i].data, at);
    at += tensors[i].size;
  }
  return o;
}

/**
 * Concatenates tensors along dimension 0 (PyTorch `cat(tensors, 0)`); all other dimensions
 * must match.
 *
 * ```ts
 * cat([zeros([2, 3]), ones([1, 3])]).shape;   // [3, 3]
 * ```
 */
export function cat(tensors: readonly Tensor[], out?: Tensor): Tensor {
  const op = 'cat';
  checkList(op, tensors);
  const first = tensors[0];
  if (first.ndim === 0) throw new ShapeError(`${op}: cannot concatenate 0-d tensors; use stack`);
  let rows = 0;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    let ok = t.ndim === first.ndim;
    for (let d = 1; ok && d < t.ndim; d++) ok = t.shape[d] === first.shape[d];
    if (!ok) {
      throw new ShapeError(
        `${op}: tensors[${i}] ${formatShape(t.shape)} does not match tensors[0] ${formatShape(first.shape)} ` + '(all dimensions but the first must be equal)',
      );
    }
    rows += t.shape[0];
  }
  const shape = [rows, ...first.shape.slice(1)];
  return copyAll(op, outOrNew(op, out, shape, `${tensors.length} tensors like ${formatShape(first.shape)}`), tensors);
}

/**
 * Stacks same-shape tensors along a new first dimension (PyTorch `stack(tensors, 0)`).
 *
 * ```ts
 * stack([zeros([3]), ones([3])]).shape;   // [2, 3]
 * ```
 */
export function stack(tensors: readonly Tensor[], out?: Tensor): Tensor {
  const op = 'stack';
  checkList(op, tensors);
  const first = tensors[0];
  for (let i = 1; i < tensors.length; i++) {
    const t = tensors[i];
    let ok = t.ndim === first.ndim;
    for (let d = 0; ok && d < t.ndim; d++) ok = t.shape[d] === first.shape[d];
    if (!ok) throw new ShapeError(`${op}: tensors[${i}] ${formatShape(t.shape)} does not match tensors[0] ${formatShape(first.shape)}`);
  }
  const shape = [tensors.length, ...first.shape];
  return copyAll(op, outOrNew(op, out, shape, `${tensors.length} tensors of shape ${formatShape(first.shape)}`), tensors);
}
