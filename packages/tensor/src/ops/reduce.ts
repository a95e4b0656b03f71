// Reductions: sum/mean/variance/std/amax/amin along one dimension (or over all elements), max/min with their indices,
// and argmax/argmin. PyTorch semantics: the reduced dimension is removed unless keepDim is set; a reduction over
// all elements returns a 0-d tensor (read it with `.item()`).

import { argmaxAxisKernel, argminAxisKernel, maxAxisKernel, minAxisKernel, sumAxisKernel, varianceAxisKernel } from '../kernels/reduce.js';
import { ShapeError, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectNoOverlap, normDim, outOrNew } from './check.js';
import { checkOptions } from '../options.js';

/** Options of the reductions (`sum`, `mean`, `max`, …) when a dimension is given. */
export interface ReduceOptions {
  /** Keep the reduced dimension with size 1 (default false). */
  keepDim?: boolean;
  /** Destination of the result's shape; allocated when omitted. Must not share memory with x. */
  out?: Tensor;
}

interface Plan {
  outer: number;
  n: number;
  inner: number;
  shape: number[];
}

function plan(op: string, x: Tensor, dim: number | undefined, keepDim: boolean): Plan {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: x must be a Tensor`);
  if (dim === undefined) {
    return { outer: 1, n: x.size, inner: 1, shape: keepDim ? x.shape.map(() => 1) : [] };
  }
  const d = normDim(op, dim, x);
  let outer = 1,
    inner = 1;
  for (let i = 0; i < d; i++) outer *= x.shape[i];
  for (let i = d + 1; i < x.ndim; i++) inner *= x.shape[i];
  const shape = x.shape.slice();
  if (keepDim) shape[d] = 1;
  else shape.splice(d, 1);
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

/** Options of `variance` and `std`: PyTorch's `correction` (or its older `unbiased` flag), `keepDim` and `out`. */
export interface VarianceOptions extends ReduceOptions {
  /** Subtracted from the element count in the divisor: 1 (default, Bessel's correction) or 0 (population variance). */
  correction?: number;
  /** PyTorch's older flag: true is correction 1, false correction 0. Give `correction` or `unbiased`, not both. */
  unbiased?: boolean;
}

const VARIANCE_KEYS = ['correction', 'unbiased', 'keepDim', 'out'] as const;

function reduceVariance(op: string, x: Tensor, dim: number | undefined, options: VarianceOptions, root: boolean): Tensor {
  checkOptions(op, options, VARIANCE_KEYS);
  const { keepDim = false, out, unbiased } = options;
  if (options.correction !== undefined && unbiased !== undefined) throw new TypeError(`${op}: give correction or unbiased, not both`);
  if (unbiased !== undefined && typeof unbiased !== 'boolean') throw new TypeError(`${op}: unbiased must be a boolean, got ${unbiased}`);
  const correction = options.correction ?? (unbiased === false ? 0 : 1);
  if (typeof correction !== 'number' || !(correction >= 0) || !Number.isFinite(correction)) {
    throw new RangeError(`${op}: correction must be a finite number ≥ 0, got ${correction}`);
  }
  const p = plan(op, x, dim, keepDim);
  const o = outOrNew(op, out, p.shape, `x ${formatShape(x.shape)}, dim ${dim ?? 'all'}`);
  expectNoOverlap(op, o.data, x.data, 'x');
  varianceAxisKernel(o.data, x.data, p.outer, p.n, p.inner, correction, root);
  return o;
}

/**
 * Variance along `dim` (negative counts from the end), or of all elements: Σ(x − mean)² / (n − correction), PyTorch's
 * `torch.var` (named `variance` here: `var` is a reserved word). The default correction is 1 (the unbiased estimate);
 * one element with correction 1 gives NaN, as in PyTorch.
 *
 * ```ts
 * variance(x, 0);                          // per-column sample variance of x [rows, cols]
 * variance(x, 0, { correction: 0 });       // population variance (unbiased: false)
 * ```
 */
export function variance(x: Tensor, dim?: number, options: VarianceOptions = {}): Tensor {
  return reduceVariance('variance', x, dim, options, false);
}

/**
 * Standard deviation: the square root of `variance` with the same options (PyTorch's `torch.std`).
 *
 * ```ts
 * const z = div(sub(x, mean(x, 0)), std(x, 0));   // standardise the columns of x [rows, cols]
 * ```
 */
export function std(x: Tensor, dim?: number, options: VarianceOptions = {}): Tensor {
  return reduceVariance('std', x, dim, options, true);
}

const REDUCE_KEYS = ['keepDim', 'out'] as const;

function reduceExtreme(op: string, x: Tensor, dim: number | undefined, options: ReduceOptions, isMax: boolean): Tensor {
  checkOptions(op, options, REDUCE_KEYS);
  const { keepDim = false, out } = options;
  const p = plan(op, x, dim, keepDim);
  if (p.n === 0) throw new ShapeError(`${op}: cannot reduce an empty dimension of x ${formatShape(x.shape)} (dim ${dim ?? 'all'})`);
  const o = outOrNew(op, out, p.shape, `x ${formatShape(x.shape)}, dim ${dim ?? 'all'}`);
  expectNoOverlap(op, o.data, x.data, 'x');
  if (isMax) maxAxisKernel(o.data, x.data, p.outer, p.n, p.inner);
  else minAxisKernel(o.data, x.data, p.outer, p.n, p.inner);
  return o;
}

/** Largest values along `dim`, or over all elements, without indices (PyTorch's `amax`). NaN propagates. */
export function amax(x: Tensor, dim?: number, options: ReduceOptions = {}): Tensor {
  return reduceExtreme('amax', x, dim, options, true);
}

/** Smallest values along `dim`, or over all elements, without indices (PyTorch's `amin`). NaN propagates. */
export function amin(x: Tensor, dim?: number, options: ReduceOptions = {}): Tensor {
  return reduceExtreme('amin', x, dim, options, false);
}

/** Options of `max`/`min` along a dimension: `keepDim`, and buffers for the values (`out`) and the indices. */
export interface MinMaxOptions extends ReduceOptions {
  /** Destination of the indices: an Int32Array with one entry per value. */
  indices?: Int32Array;
}

/** What `max(x, dim)` and `min(x, dim)` return, as PyTorch's (values, indices) named tuple. */
export interface ValuesIndices {
  /** The extreme values: x's shape without `dim` (or with size 1 there under keepDim). */
  values: Tensor;
  /** Their positions along `dim`, flat row-major in the values' order. */
  indices: Int32Array;
}

const MINMAX_KEYS = ['keepDim', 'out', 'indices'] as const;

function extremeWithIndices(op: string, x: Tensor, dim: number, options: MinMaxOptions, isMax: boolean): ValuesIndices {
  checkOptions(op, options, MINMAX_KEYS);
  const { indices, ...rest } = options;
  const values = reduceExtreme(op, x, dim, rest, isMax);
  const idx = argReduce(op, x, dim, indices, isMax);
  return { values, indices: idx };
}

/**
 * The largest value of all elements as a 0-d tensor, or, along `dim`, the largest values and their indices (PyTorch's
 * `torch.max(x, dim)`). NaN propagates (a NaN is the maximum); ties pick the first index.
 *
 * ```ts
 * max(x).item();                               // largest element
 * const { values, indices } = max(logits, 1);  // per row: best score [B] and predicted class (Int32Array(B))
 * ```
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, options?: MinMaxOptions): ValuesIndices;
export function max(x: Tensor, dim?: number, options: MinMaxOptions = {}): Tensor | ValuesIndices {
  if (dim === undefined) return reduceExtreme('max', x, undefined, options, true);
  return extremeWithIndices('max', x, dim, options, true);
}

/** The smallest element (0-d tensor), or along `dim` the smallest values and their indices; see `max`. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, options?: MinMaxOptions): ValuesIndices;
export function min(x: Tensor, dim?: number, options: MinMaxOptions = {}): Tensor | ValuesIndices {
  if (dim === undefined) return reduceExtreme('min', x, undefined, options, false);
  return extremeWithIndices('min', x, dim, options, false);
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
      throw new ShapeError(
        `${op}: out has ${out.length} elements but x ${formatShape(x.shape)} reduced over dim ${dim ?? 'all'} ` +
          `gives ${formatShape(p.shape)} (${len} elements)`,
      );
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
