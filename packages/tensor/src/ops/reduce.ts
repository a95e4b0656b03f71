// Reductions: sum/mean/max/min along one dimension (or over all elements) and argmax/argmin.
// PyTorch semantics: the reduced dimension is removed unless keepDim is set; a reduction over
// all elements returns a 0-d tensor (read it with `.item()`).

import { argmaxAxisKernel, argminAxisKernel, maxAxisKernel, minAxisKernel, sumAxisKernel } from '../kernels/reduce.js';
import { ShapeError, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectNoOverlap, normDim, outOrNew } from './check.js';

export interface ReduceOptions {
  /** Keep the reduced dimension with size 1 (default false). */
  keepDim?: boolean;
  /** Destination of the result's shape; allocated when omitted. Must not share memory with x. */
  out?: Tensor;
}

interface Plan { outer: number; n: number; inner: number; shape: number[] }

function plan(op: string, x: Tensor, dim: number | undefined, keepDim: boolean): Plan {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor`);
  if (dim === undefined) {
    return { outer: 1, n: x.size, inner: 1, shape: keepDim ? x.shape.map(() => 1) : [] };
  }
  const d = normDim(op, dim, x);
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= x.shape[i];
  for (let i = d + 1; i < x.ndim; i++) inner *= x.shape[i];
  const shape = x.shape.slice();
  if (keepDim) shape[d] = 1; else shape.splice(d, 1);
  return { outer, n: x.shape[d], inner, shape };
}

function reduceSum(op: string, x: Tensor, dim: number | undefined, options: ReduceOptions, mean: boolean): Tensor {
  const { keepDim = false, out } = options;
  const p = plan(op, x, dim, keepDim);
  const o = outOrNew(op, out, p.shape, `x ${formatShape(x.shape)}, dim ${dim ?? 'all'}`);
  expectNoOverlap(op, o.data, x.data, 'x');
  sumAxisKernel(o.data, x.data, p.outer, p.n, p.inner, mean ? 1 / p.n : 1);
  return o;
}

/**
 * Sum along `dim` (negative counts from the end), or of all elements when `dim` is omitted.
 *
 * ```ts
 * sum(x).item();          // total
 * sum(dout, 0);           // [B, F] -> [F], e.g. a bias gradient
 * ```
 */
export function sum(x: Tensor, dim?: number, options: ReduceOptions = {}): Tensor {
  return reduceSum('sum', x, dim, options, false);
}

/** Mean along `dim`, or of all elements. The mean of zero elements is NaN, as in PyTorch. */
export function mean(x: Tensor, dim?: number, options: ReduceOptions = {}): Tensor {
  return reduceSum('mean', x, dim, options, true);
}

function reduceExtreme(op: string, x: Tensor, dim: number | undefined, options: ReduceOptions, isMax: boolean): Tensor {
  const { keepDim = false, out } = options;
  const p = plan(op, x, dim, keepDim);
  if (p.n === 0) throw new ShapeError(`${op}: cannot reduce an empty dimension of x ${formatShape(x.shape)} (dim ${dim ?? 'all'})`);
  const o = outOrNew(op, out, p.shape, `x ${formatShape(x.shape)}, dim ${dim ?? 'all'}`);
  expectNoOverlap(op, o.data, x.data, 'x');
  if (isMax) maxAxisKernel(o.data, x.data, p.outer, p.n, p.inner);
  else minAxisKernel(o.data, x.data, p.outer, p.n, p.inner);
  return o;
}

/** Largest value along `dim`, or over all elements. NaN propagates. */
export function max(x: Tensor, dim?: number, options: ReduceOptions = {}): Tensor {
  return reduceExtreme('max', x, dim, options, true);
}

/** Smallest value along `dim`, or over all elements. NaN propagates. */
export function min(x: Tensor, dim?: number, options: ReduceOptions = {}): Tensor {
  return reduceExtreme('min', x, dim, options, false);
}

function argReduce(op: string, x: Tensor, dim: number | undefined, out: Int32Array | undefined, isMax: boolean): Int32Array {
  const p = plan(op, x, dim, false);
  if (p.n === 0) throw new ShapeError(`${op}: cannot reduce an empty dimension of x ${formatShape(x.shape)} (dim ${dim ?? 'all'})`);
  const len = p.outer * p.inner;
  let o: Int32Array;
  if (out === undefined) {
    o = new Int32Array(len);
  } else {
    if (!(out instanceof Int32Array)) throw new TypeError(`${op}: out must be an Int32Array`);
    if (out.length !== len) {
      throw new ShapeError(`${op}: out has ${out.length} elements but x ${formatShape(x.shape)} reduced over dim ${dim ?? 'all'} ` +
        `gives ${formatShape(p.shape)} (${len} elements)`);
    }
    o = out;
  }
  if (isMax) argmaxAxisKernel(o, x.data, p.outer, p.n, p.inner);
  else argminAxisKernel(o, x.data, p.outer, p.n, p.inner);
  return o;
}

/**
 * Indices of the largest values along `dim`, as a flat row-major Int32Array whose logical
 * shape is x's shape without `dim` (so for logits [B, C] and dim 1 it is the B predicted
 * classes, the form labels use). Without `dim`: a length-1 array holding the flat index.
 * Ties pick the first index; a NaN counts as the largest.
 *
 * ```ts
 * const pred = argmax(logits, 1);          // Int32Array(B)
 * argmax(logits, 1, predBuffer);           // reuse a buffer
 * ```
 */
export function argmax(x: Tensor, dim?: number, out?: Int32Array): Int32Array {
  return argReduce('argmax', x, dim, out, true);
}

/** Indices of the smallest values along `dim`; same form as `argmax`. */
export function argmin(x: Tensor, dim?: number, out?: Int32Array): Int32Array {
  return argReduce('argmin', x, dim, out, false);
}
