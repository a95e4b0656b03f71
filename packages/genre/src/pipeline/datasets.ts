// PreparedData (+ a split) → scaled Datasets for the Classifier contract. The scaler is fitted on the
// training rows only and returned so it can be saved with the model.
import type { Dataset } from '../ml/types.js';
import { trainValidTestSplit } from '../ml/split.js';
import { applyScalerRows, fitScalerRows, type ScalerKind, type ScalerState } from '../ml/scaler.js';
import { splitIndices, type PreparedData } from '../preprocess/preprocess.js';

/** Train/valid/test Datasets and the scaler fitted on train. */
export interface SplitDatasets {
  readonly train: Dataset;
  readonly valid: Dataset;
  readonly test: Dataset;
  readonly scaler: ScalerState;
  readonly indices: { readonly train: Int32Array; readonly valid: Int32Array; readonly test: Int32Array };
  /** Learning problems worth saying out loud (a class with no training rows), each naming what to do. */
  readonly warnings: readonly string[];
}

/**
 * Checks the classes of a split: fewer than two classes among the training rows is an error (there is
 * nothing to learn); a class with rows only in validation or test is a warning (the model can never
 * predict it). Both name the classes and what to do.
 */
export function splitClassProblems(data: PreparedData, parts: { train: Int32Array; valid: Int32Array; test: Int32Array }): string[] {
  const C = data.classNames.length;
  const count = (idx: Int32Array): Int32Array => {
    const n = new Int32Array(C);
    for (const i of idx) n[data.y[i]]++;
    return n;
  };
  const train = count(parts.train),
    valid = count(parts.valid),
    test = count(parts.test);
  const present: number[] = [];
  for (let c = 0; c < C; c++) if (train[c] > 0) present.push(c);
  if (present.length < 2) {
    const held = present.length === 1 ? `only class "${data.classNames[present[0]]}" (${train[present[0]]} rows)` : 'no class at all';
    throw new RangeError(
      `makeDatasets: the training split holds ${held}; a classifier needs at least two classes to learn from. ` +
        'Add songs of other genres, lower the minimum class count (--min-class-count) so fewer classes are dropped, or re-split (--resplit) so training gets several classes',
    );
  }
  const warnings: string[] = [];
  for (let c = 0; c < C; c++) {
    if (train[c] > 0 || valid[c] + test[c] === 0) continue;
    const where = [valid[c] > 0 ? `${valid[c]} validation` : '', test[c] > 0 ? `${test[c]} test` : ''].filter((w) => w !== '').join(' and ');
    warnings.push(
      `class "${data.classNames[c]}" has no training rows (only ${where} rows), so the model can never predict it; ` +
        'add songs of it, re-split with another seed (--resplit --seeds N), or drop rare classes (--min-class-count)',
    );
  }
  return warnings;
}

/** Rows `idx` of `data.x`, rounded to float32. */
function gather32(data: PreparedData, idx: ArrayLike<number>): Float32Array {
  const F = data.featureNames.length;
  const out = new Float32Array(idx.length * F);
  for (let r = 0; r < idx.length; r++) out.set(data.x.subarray(idx[r] * F, (idx[r] + 1) * F), r * F);
  return out;
}

/** Everything of a Dataset of rows `idx` but the features. */
function labelsOf(data: PreparedData, idx: ArrayLike<number>): Omit<Dataset, 'x'> {
  return {
    y: Int32Array.from(idx, (i) => data.y[i]),
    rows: idx.length,
    features: data.featureNames.length,
    classes: data.classNames.length,
    featureNames: data.featureNames,
    classNames: data.classNames,
    groups: Array.from(idx, (i) => data.groups[i]),
  };
}

/** A Dataset of rows `idx` of `data` (all rows when omitted), unscaled: missing values stay NaN. */
export function rawDataset(data: PreparedData, idx: ArrayLike<number> = Int32Array.from({ length: data.rows }, (_, i) => i)): Dataset {
  return { ...labelsOf(data, idx), x: gather32(data, idx) };
}

/** A Dataset of rows `idx` of `data`, scaled with `scaler` (straight from `data.x` into float32). */
export function datasetFromPrepared(data: PreparedData, idx: ArrayLike<number>, scaler: ScalerState): Dataset {
  return { ...labelsOf(data, idx), x: applyScalerRows(scaler, data.x, idx) };
}

/** How a saved model's split was drawn, so `evaluate` can score the rows the model never saw. */
export interface SplitSpec {
  /** Seed of a fresh stratified split (`--resplit`); absent = the stored `split` column. */
  readonly resplitSeed?: number;
  /** Random instead of artist-disjoint (only with resplitSeed). */
  readonly random?: boolean;
  readonly validFraction?: number;
  readonly testFraction?: number;
}

/**
 * Row indices of train / valid / test: the stored `split` column by default, or a fresh
 * artist-disjoint (or random) stratified split from `resplitSeed` — the same rows every time for the
 * same data and seed.
 */
export function splitRows(data: PreparedData, spec: SplitSpec = {}): { train: Int32Array; valid: Int32Array; test: Int32Array } {
  if (spec.resplitSeed !== undefined) {
    const s = trainValidTestSplit(data.y, {
      classes: data.classNames.length,
      seed: spec.resplitSeed,
      groups: spec.random ? null : data.groups,
      validFraction: spec.validFraction ?? 0.15,
      testFraction: spec.testFraction ?? 0.15,
    });
    return { train: s.train, valid: s.valid, test: s.test };
  }
  return { train: splitIndices(data, 'train'), valid: splitIndices(data, 'valid'), test: splitIndices(data, 'test') };
}

/**
 * Scaled datasets for a split: the stored `split` column by default, or a fresh artist-disjoint
 * (or random) stratified split from `resplitSeed`.
 *
 * ```ts
 * const { train, valid, test, scaler } = makeDatasets(data, { scaler: 'standard' });
 * ```
 */
export function makeDatasets(data: PreparedData, options: SplitSpec & { scaler?: ScalerKind } = {}): SplitDatasets {
  const { train, valid, test } = splitRows(data, options);
  if (train.length === 0) throw new RangeError('makeDatasets: the training split is empty');
  const warnings = splitClassProblems(data, { train, valid, test });
  const scaler = fitScalerRows(data.x, train, data.featureNames, options.scaler ?? 'standard', {
    rowLabel: (r) => `track ${data.trackIds[train[r]]}`,
  });
  return {
    train: datasetFromPrepared(data, train, scaler),
    valid: datasetFromPrepared(data, valid, scaler),
    test: datasetFromPrepared(data, test, scaler),
    scaler,
    indices: { train, valid, test },
    warnings,
  };
}
