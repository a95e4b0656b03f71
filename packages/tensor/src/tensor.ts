// The Tensor: a contiguous row-major Float32Array with a shape. Every tensor has the same four
// fields, assigned in the same order, so V8 keeps one hidden class for all of them.

import { formatTensor } from './format.js';
import { ShapeError, formatShape, sameShape, sizeOf, stridesOf } from './shape.js';
import { copyFloat32, fillFloat32 } from './wasm/layers.js';
import { keepAlive } from './wasm/memory.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A fresh packed copy of `shape`. Array.prototype.slice of a frozen array (another tensor's shape, the common
 * argument) takes V8's generic slow path, many times slower than this loop (V8 11.3).
 */
function copyDims(shape: readonly number[]): number[] {
  const n = shape.length,
    s: number[] = [];
  for (let i = 0; i < n; i++) s.push(shape[i]);
  return s;
}

/** Frozen strides of frozen shapes, so tensors sharing a shape share its strides. */
const stridesOfFrozen = new WeakMap<readonly number[], readonly number[]>();

function stridesFor(shape: readonly number[]): readonly number[] {
  let st = stridesOfFrozen.get(shape);
  if (st === undefined) {
    st = Object.freeze(stridesOf(shape));
    stridesOfFrozen.set(shape, st);
  }
  return st;
}

/** Nested arrays of numbers, as accepted by `fromArray`. */
export type NestedArray = number | readonly NestedArray[];

/**
 * An n-dimensional array of float32 values stored contiguously, row-major.
 *
 * ```ts
 * const x = fromArray([[1, 2], [3, 4]]);   // shape [2, 2]
 * x.get(1, 0);                              // 3
 * x.reshape([4]).toArray();                 // [1, 2, 3, 4]
 * ```
 */
export class Tensor {
  /** The elements, row-major and contiguous (`data.length === size`); may be a view into a larger buffer. */
  readonly data: Float32Array;
  /** Size of each dimension (frozen); `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Elements to step over per index in each dimension (row-major: the last is 1); frozen. */
  readonly strides: readonly number[];
  /** Number of elements: the product of `shape` (1 for a scalar). */
  readonly size: number;

  /** Wraps `data` (not copied) with `shape`; `data.length` must equal the shape's size. */
  constructor(data: Float32Array, shape: readonly number[]) {
    const size = sizeOf(shape, 'Tensor');
    if (data.length !== size) {
      throw new ShapeError(`Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${size}`);
    }
    this.data = data;
    // Another tensor's shape (frozen, the common argument) is shared, with its strides: freezing fresh copies
    // of both was most of the cost of creating a tensor.
    const shared = Object.isFrozen(shape) ? shape : null;
    this.shape = shared ?? Object.freeze(copyDims(shape));
    this.strides = shared === null ? Object.freeze(stridesOf(shape)) : stridesFor(shared);
    this.size = size;
  }

  /** Number of dimensions (`shape.length`); 0 for a scalar. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The element at the given indices (one per dimension). */
  get(...idx: number[]): number {
    return this.data[this.#offset('Tensor.get', idx)];
  }

  /** Sets the element at the given indices: `t.set(value, i, j)`. Mutates this tensor. */
  set(value: number, ...idx: number[]): void {
    this.data[this.#offset('Tensor.set', idx)] = value;
  }

  #offset(op: string, idx: number[]): number {
    if (idx.length !== this.shape.length) {
      throw new RangeError(`${op}: got ${idx.length} indices for a tensor of shape ${formatShape(this.shape)}`);
    }
    let off = 0;
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i];
      if (!Number.isInteger(j) || j < 0 || j >= this.shape[i]) {
        throw new RangeError(`${op}: index ${j} is out of range for dimension ${i} of shape ${formatShape(this.shape)}`);
      }
      off += j * this.strides[i];
    }
    return off;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`Tensor.item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0];
  }

  /** A copy with its own buffer. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** A view of the same data with another shape of the same size; one dimension may be -1. */
  reshape(shape: readonly number[]): Tensor {
    const s = shape.slice();
    const infer = s.indexOf(-1);
    if (infer !== -1) {
      if (s.indexOf(-1, infer + 1) !== -1) throw new ShapeError(`Tensor.reshape: only one dimension can be -1, got ${formatShape(shape)}`);
      let known = 1;
      for (let i = 0; i < s.length; i++) if (i !== infer) known *= s[i];
      if (known === 0 || this.size % known !== 0) {
        throw new ShapeError(`Tensor.reshape: cannot reshape ${formatShape(this.shape)} (${this.size} elements) to ${formatShape(shape)}`);
      }
      s[infer] = this.size / known;
    }
    if (sizeOf(s, 'Tensor.reshape') !== this.size) {
      throw new ShapeError(`Tensor.reshape: cannot reshape ${formatShape(this.shape)} (${this.size} elements) to ${formatShape(shape)}`);
    }
    return new Tensor(this.data, s);
  }

  /** Rows [start, end) of the first dimension as a view (no copy). */
  subarray(start: number, end: number = this.shape[0]): Tensor {
    this.#checkRows('Tensor.subarray', start, end);
    const row = this.size / Math.max(this.shape[0], 1);
    const view = this.data.subarray(start * row, end * row);
    keepAlive(view, this.data); // a view must keep a WebAssembly-memory block allocated (wasm/memory.ts)
    return new Tensor(view, [end - start, ...this.shape.slice(1)]);
  }

  /** Rows [start, end) of the first dimension as a copy. */
  slice(start: number, end: number = this.shape[0]): Tensor {
    this.#checkRows('Tensor.slice', start, end);
    const row = this.size / Math.max(this.shape[0], 1);
    return new Tensor(this.data.slice(start * row, end * row), [end - start, ...this.shape.slice(1)]);
  }

  #checkRows(op: string, start: number, end: number): void {
    if (this.shape.length === 0) throw new ShapeError(`${op}: a scalar has no rows`);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > this.shape[0] || start > end) {
      throw new RangeError(`${op}: rows [${start}, ${end}) are out of range for shape ${formatShape(this.shape)}`);
    }
  }

  /** Sets every element to `value`. Mutates this tensor and returns it. */
  fill(value: number): this {
    fillFloat32(this.data, value);
    return this;
  }

  /** Sets every element to 0. Mutates this tensor and returns it. */
  zero(): this {
    fillFloat32(this.data, 0);
    return this;
  }

  /** Copies `src` (same shape) into this tensor. Mutates this tensor and returns it. */
  copyFrom(src: Tensor): this {
    if (!sameShape(src.shape, this.shape)) {
      throw new ShapeError(`Tensor.copyFrom: source ${formatShape(src.shape)} does not match destination ${formatShape(this.shape)}`);
    }
    copyFloat32(this.data, src.data);
    return this;
  }

  /** Nested JavaScript arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const build = (dim: number, off: number): NestedArray => {
      const n = this.shape[dim];
      const out: NestedArray[] = new Array(n);
      if (dim === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = this.data[off + i];
      } else {
        for (let i = 0; i < n; i++) out[i] = build(dim + 1, off + i * this.strides[dim]);
      }
      return out;
    };
    return build(0, 0);
  }

  /**
   * The values as PyTorch prints them: `tensor([[ 1.5000,  2.0000], [ 3.2500, -4.0000]])` (4 decimals, scientific
   * notation when the range needs it, summarised with `...` above 1000 elements). `console.log(t)` prints the same.
   */
  toString(): string {
    return formatTensor(this);
  }

  /** Node's util.inspect (console.log) hook, found by its registered symbol: no import of node:util needed. */
  [INSPECT](): string {
    return formatTensor(this);
  }
}
