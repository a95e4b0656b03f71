// Artist-disjoint cross-validation of any Classifier: out-of-fold probabilities for every row.
// Per fold: an artist-disjoint validation part is split off the training part (for early stopping
// and blend weights only), imputation + scaling are fitted on the fold's training rows (a feature
// with no value there is filled with 0), and the
// test fold is touched only to predict it.

import type { Classifier, Dataset } from './types.js';
import { stratifiedGroupKFold, subsetDataset, trainValidTestSplit } from './split.js';
import { fitDatasetScaler, scaleDataset } from './scaler.js';
import { checkDataset } from './common.js';
import { accuracy, argmaxRows, macroF1 } from './metrics.js';

/** Options of {@link crossValPredict}: folds, seed, inner validation fraction and whether folds are artist-disjoint. */
export interface CvOptions {
  /** Folds (default 5). */
  folds?: number;
  /** Seed of the fold assignment and of the inner validation split (default 0). */
  seed?: number;
  /** Fraction of each training part held out as validation (default 0.15; 0 = no validation set). */
  validFraction?: number;
  /** Split by artist (ds.groups) — default true. False = row-level stratified folds (flatters models). */
  byGroup?: boolean;
  /** Fit only these folds (default all); pooled scores then cover their test rows only. */
  onlyFolds?: readonly number[];
}

/** What {@link crossValPredict} returns: out-of-fold probabilities and predictions, and their pooled scores. */
export interface CvResult {
  /** Out-of-fold class probabilities [rows, classes] (NaN for rows of folds not run). */
  proba: Float32Array;
  /** argmax of proba. */
  pred: Int32Array;
  /** Accuracy and macro-F1 of the pooled out-of-fold predictions. */
  accuracy: number;
  macroF1: number;
  /** Per-fold scores. */
  foldAccuracy: number[];
  foldMacroF1: number[];
  /** Fold of each row. */
  fold: Int32Array;
}

/**
 * Cross-validated predictions of `make(seed)` models, one fitted per fold.
 *
 * ```ts
 * const r = crossValPredict(ds, (seed) => new GBDT({ seed }), { folds: 5, seed: 1 });
 * console.log(r.accuracy, r.macroF1);
 * ```
 */
export function crossValPredict(ds: Dataset, make: (seed: number, fold: number) => Classifier, options: CvOptions = {}): CvResult {
  checkDataset('crossValPredict', ds);
  const { folds: k = 5, seed = 0, validFraction = 0.15, byGroup = true, onlyFolds } = options;
  if (byGroup && ds.groups === undefined) throw new RangeError('crossValPredict: the dataset has no groups (artists); pass byGroup: false for row-level folds');
  const groups = byGroup ? ds.groups! : null;
  const folds = stratifiedGroupKFold(ds.y, k, { groups, seed, classes: ds.classes });
  const K = ds.classes;
  const proba = new Float32Array(ds.rows * K).fill(NaN);
  const fold = new Int32Array(ds.rows).fill(-1);
  const foldAccuracy: number[] = [],
    foldMacroF1: number[] = [];
  folds.forEach((f, fi) => {
    if (onlyFolds !== undefined && !onlyFolds.includes(fi)) return;
    const trainAll = subsetDataset(ds, f.train);
    let trainRaw = trainAll,
      validRaw: Dataset | undefined;
    if (validFraction > 0) {
      const inner = trainValidTestSplit(trainAll.y, {
        groups: byGroup ? trainAll.groups! : null,
        validFraction,
        testFraction: 0,
        seed: seed + 7919 * (fi + 1),
        classes: K,
      });
      trainRaw = subsetDataset(trainAll, inner.train);
      validRaw = subsetDataset(trainAll, inner.valid);
    }
    const scaler = fitDatasetScaler(trainRaw, 'standard', { emptyFeatures: 'zero' });
    const train = scaleDataset(scaler, trainRaw);
    const valid = validRaw === undefined ? undefined : scaleDataset(scaler, validRaw);
    const test = scaleDataset(scaler, subsetDataset(ds, f.test));
    const model = make(seed * 100 + fi, fi);
    model.fit(train, valid);
    const p = model.predictProba(test.x, test.rows);
    for (let r = 0; r < f.test.length; r++) {
      proba.set(p.subarray(r * K, r * K + K), f.test[r] * K);
      fold[f.test[r]] = fi;
    }
    const pr = argmaxRows(p, K);
    foldAccuracy.push(accuracy(test.y, pr));
    foldMacroF1.push(macroF1(test.y, pr, K));
  });
  const pred = argmaxRows(proba, K);
  let yRun = ds.y,
    pRun = pred;
  if (onlyFolds !== undefined) {
    const idx: number[] = [];
    for (let i = 0; i < ds.rows; i++) if (fold[i] >= 0) idx.push(i);
    yRun = Int32Array.from(idx, (i) => ds.y[i]);
    pRun = Int32Array.from(idx, (i) => pred[i]);
  }
  return { proba, pred, accuracy: accuracy(yRun, pRun), macroF1: macroF1(yRun, pRun, K), foldAccuracy, foldMacroF1, fold };
}
