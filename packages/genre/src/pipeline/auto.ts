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

/**
 * The default budget of the `auto` preset for `rows` labelled rows: 55 s up to 2,000 rows, then 25 s
 * more per 1,000 rows, at most 170 s — so that with start-up and saving, a default `timbre train`
 * stays within a minute on ~1,000 rows and within three minutes on ~7,000.
 */
export function defaultAutoBudget(rows: number): number {
  return Math.min(170, Math.max(55, 55 + 0.025 * (rows - 2000)));
}

/**
 * Share of the budget for the choice and its nested estimate. The model comes first: the choice on
 * all rows may use all of this share, and the nested estimate runs only if the rest of it affords
 * the outer folds. The last fifth is kept for fitting the winner on every row, which costs about
 * half of the winner's inner cross-validation (its fits see 1.5 × the rows of an inner fold).
 */
const CHOICE_SHARE = 0.8;

/** Options of `trainAuto`. */
export interface AutoOptions {
  /**
   * Wall-clock seconds for the whole call: the choice, its nested estimate and the final fit
   * (default `defaultAutoBudget(rows)`). The choice and the nested estimate may use four fifths of it; the nested estimate
   * runs only when what the choice left of those four fifths affords it. A tighter budget scores
   * fewer C values and MLP seeds, then fewer candidates (the MLP ensemble keeps the seeds it
   * finished); it never changes how the chosen model is fitted.
   */
  readonly budgetSeconds?: number;
  /**
   * Outer folds of the nested estimate, run when the budget affords them after the choice (default
   * 2: each re-runs the choice on half the rows, so the estimate costs about one more choice; 0 =
   * never).
   */
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
  /** Wall-clock seconds of the whole call. */
  readonly seconds: number;
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
  const { budgetSeconds = defaultAutoBudget(data.rows), outerFolds = 2, seed = 1 } = options;
  const t0 = process.hrtime.bigint();
  const ds = rawDataset(data);
  const choice = chooseModel(ds, {
    budgetSeconds: budgetSeconds * CHOICE_SHARE,
    choiceShare: 1,
    outerFolds,
    seed,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  // Every row but an artist-disjoint 15 % for early stopping fits the final model; the scaler sees all rows.
  const split = trainValidTestSplit(ds.y, { groups: ds.groups ?? null, validFraction: 0.15, testFraction: 0, seed, classes: ds.classes });
  const scaler = fitDatasetScaler(ds, 'standard', { emptyFeatures: 'zero' });
  const model = new CalibratedClassifier(createModel(choice.chosen.model, choice.chosen.options, seed), choice.temperature);
  const valid = split.valid.length > 0 ? scaleDataset(scaler, subsetDataset(ds, split.valid)) : undefined;
  model.fit(scaleDataset(scaler, subsetDataset(ds, split.train)), valid);
  return { choice, model, scaler, rows: data.rows, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}
