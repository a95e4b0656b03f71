// The `auto` preset: choose the model on the user's data (`chooseModel`: nested artist-disjoint
// cross-validation among logistic regression with its C tuned, random forest, GBDT, the MLP seed
// ensemble and soft-voting blends, within a time budget), then fit the winner on every labelled row
// (15 % of the artists held out for early stopping) and calibrate it with the temperature the
// choice's out-of-fold probabilities gave.
import { CalibratedClassifier } from '../ml/calibration.js';
import { createModel } from '../ml/registry.js';
import { fitDatasetScaler, scaleDataset, type ScalerState } from '../ml/scaler.js';
import { chooseModel, type ChooseResult } from '../ml/select.js';
import { subsetDataset, trainValidTestSplit } from '../ml/split.js';
import type { Classifier } from '../ml/types.js';
import type { PreparedData } from '../preprocess/preprocess.js';
import { rawDataset } from './datasets.js';

/** Options of `trainAuto`. */
export interface AutoOptions {
  /** Wall-clock seconds for the choice and its nested estimate (default 120). */
  readonly budgetSeconds?: number;
  /** Outer folds of the nested estimate (default 3; 0 = choose without an estimate). */
  readonly outerFolds?: number;
  readonly seed?: number;
  /** One line per finished candidate. */
  readonly onProgress?: (line: string) => void;
}

/** The choice, and the chosen model fitted on every labelled row. */
export interface AutoResult {
  readonly choice: ChooseResult;
  /** The winner, fitted on all rows and calibrated. */
  readonly model: Classifier;
  readonly scaler: ScalerState;
  readonly rows: number;
}

/**
 * Chooses, estimates and fits the model of the `auto` preset.
 *
 * ```ts
 * const { choice, model, scaler } = trainAuto(data, { budgetSeconds: 60, seed: 1 });
 * console.log(choice.chosen.name, choice.outer?.macroF1);
 * ```
 */
export function trainAuto(data: PreparedData, options: AutoOptions = {}): AutoResult {
  const { budgetSeconds = 120, outerFolds = 3, seed = 1 } = options;
  const ds = rawDataset(data);
  const choice = chooseModel(ds, { budgetSeconds, outerFolds, seed, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  // Every row but an artist-disjoint 15 % for early stopping fits the final model; the scaler sees all rows.
  const split = trainValidTestSplit(ds.y, { groups: ds.groups ?? null, validFraction: 0.15, testFraction: 0, seed, classes: ds.classes });
  const scaler = fitDatasetScaler(ds, 'standard', { emptyFeatures: 'zero' });
  const model = new CalibratedClassifier(createModel(choice.chosen.model, choice.chosen.options, seed), choice.temperature);
  const valid = split.valid.length > 0 ? scaleDataset(scaler, subsetDataset(ds, split.valid)) : undefined;
  model.fit(scaleDataset(scaler, subsetDataset(ds, split.train)), valid);
  return { choice, model, scaler, rows: data.rows };
}
