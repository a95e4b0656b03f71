// Small helpers shared by the classic models and the ensembles: dataset checks, row subsets,
// class weights, softmax and argmax. Feature matrices are row-major Float32Array [rows, features].

import type { Classifier, Dataset } from './types.js';
import { argmaxRows } from './metrics.js';

/** Class weighting: none, sklearn's "balanced" (n / (C · count_c)), or explicit per-class weights. */
export type ClassWeight = 'balanced' | readonly number[] | null;

/** A function that makes a fresh, untrained classifier from a seed (for ensembles and search). */
export type ClassifierFactory = (seed: number) => Classifier;

/** Throws a clear error if `ds` is inconsistent; `op` names the caller. */
export function checkDataset(op: string, ds: Dataset): void {
  const { x, y, rows, features, classes } = ds;
  if (!Number.isInteger(rows) || rows <= 0) throw new RangeError(`${op}: dataset has ${rows} rows; need at least 1`);
  if (!Number.isInteger(features) || features <= 0) throw new RangeError(`${op}: dataset has ${features} features; need at least 1`);
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`${op}: dataset has ${classes} classes; need at least 2`);
  if (x.length !== rows * features) {
    throw new RangeError(`${op}: x has ${x.length} values but rows × features = ${rows} × ${features} = ${rows * features}`);
  }
  if (y.length !== rows) throw new RangeError(`${op}: y has ${y.length} labels for ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    const c = y[i];
    if (!(c >= 0 && c < classes)) throw new RangeError(`${op}: label y[${i}]=${c} is outside [0, ${classes})`);
  }
  if (ds.groups !== undefined && ds.groups.length !== rows) {
    throw new RangeError(`${op}: groups has ${ds.groups.length} entries for ${rows} rows`);
  }
}

/** Row weights of a dataset: class weights × its optional `weights` column (checked). */
export function datasetWeights(op: string, ds: Dataset, classWeight: ClassWeight): Float64Array {
  const w = sampleWeights(ds.y, ds.classes, classWeight);
  if (ds.weights !== undefined) {
    if (ds.weights.length !== ds.rows) throw new RangeError(`${op}: weights has ${ds.weights.length} entries for ${ds.rows} rows`);
    for (let i = 0; i < ds.rows; i++) {
      const v = ds.weights[i];
      if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${op}: weights[${i}]=${v}; must be finite and >= 0`);
      w[i] *= v;
    }
  }
  return w;
}

/** Throws unless `x` holds `rows × features` values. */
export function checkMatrix(op: string, x: Float32Array, rows: number, features: number): void {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`${op}: rows must be a non-negative integer, got ${rows}`);
  if (x.length !== rows * features) {
    throw new RangeError(
      `${op}: x has ${x.length} values but rows × features = ${rows} × ${features} = ${rows * features} ` + `(the model was fitted on ${features} features)`,
    );
  }
}

/** A new dataset made of the given rows of `ds` (rows may repeat: bootstrap samples). */
export function subsetRows(ds: Dataset, index: ArrayLike<number>): Dataset {
  const n = index.length,
    F = ds.features;
  const x = new Float32Array(n * F),
    y = new Int32Array(n);
  const groups: string[] | undefined = ds.groups === undefined ? undefined : new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const r = index[i];
    x.set(ds.x.subarray(r * F, r * F + F), i * F);
    y[i] = ds.y[r];
    if (groups !== undefined) groups[i] = ds.groups![r];
  }
  return {
    x,
    y,
    rows: n,
    features: F,
    classes: ds.classes,
    ...(ds.featureNames !== undefined ? { featureNames: ds.featureNames } : {}),
    ...(ds.classNames !== undefined ? { classNames: ds.classNames } : {}),
    ...(groups !== undefined ? { groups } : {}),
  };
}

/** Per-row weights from a class weighting (all ones for null). Mean weight over rows is 1 for "balanced". */
export function sampleWeights(y: Int32Array, classes: number, classWeight: ClassWeight): Float64Array {
  const w = new Float64Array(y.length).fill(1);
  if (classWeight === null) return w;
  const perClass = classWeights(y, classes, classWeight);
  for (let i = 0; i < y.length; i++) w[i] = perClass[y[i]];
  return w;
}

/** Per-class weights: "balanced" = n / (classes · count_c) (sklearn), absent classes get 0. */
export function classWeights(y: Int32Array, classes: number, classWeight: Exclude<ClassWeight, null>): Float64Array {
  const out = new Float64Array(classes);
  if (classWeight === 'balanced') {
    const counts = new Float64Array(classes);
    for (let i = 0; i < y.length; i++) counts[y[i]]++;
    for (let c = 0; c < classes; c++) out[c] = counts[c] > 0 ? y.length / (classes * counts[c]) : 0;
    return out;
  }
  if (classWeight.length !== classes) throw new RangeError(`classWeight: got ${classWeight.length} weights for ${classes} classes`);
  for (let c = 0; c < classes; c++) {
    const v = classWeight[c];
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`classWeight: weight ${c} is ${v}; must be finite and >= 0`);
    out[c] = v;
  }
  return out;
}

/** Row-wise softmax of logits [rows, C] into out (may alias logits). */
export function softmaxRows(out: Float32Array | Float64Array, logits: Float32Array | Float64Array, rows: number, C: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) if (logits[o + c] > m) m = logits[o + c];
    let s = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[o + c] - m);
      out[o + c] = e;
      s += e;
    }
    for (let c = 0; c < C; c++) out[o + c] /= s;
  }
}

/** Predicted classes of a fitted classifier. */
export function predict(model: Classifier, x: Float32Array, rows: number, classes: number): Int32Array {
  return argmaxRows(model.predictProba(x, rows), classes);
}

/** Throws unless `v` is a finite number in [lo, hi] (integers only when `integer`). */
export function checkOption(op: string, name: string, v: number, lo: number, hi: number, integer = false): void {
  if (!Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new RangeError(`${op}: ${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${v}`);
  }
}
