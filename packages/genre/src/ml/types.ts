// The contract every genre classifier implements (MLP, trees, linear models, ensembles), so the
// pipeline, the CLI, cross-validation and hyperparameter search can treat them alike.

/**
 * A dense, already-scaled feature matrix with integer labels.
 * `x` is row-major [rows, features]; `y[i]` is in [0, classes). `groups[i]` (optional) is the
 * artist of row i, used for artist-disjoint splits.
 */
export interface Dataset {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly rows: number;
  readonly features: number;
  readonly classes: number;
  readonly featureNames?: readonly string[];
  readonly classNames?: readonly string[];
  readonly groups?: readonly string[];
  /**
   * Optional per-row sample weights (mean 1 by convention), e.g. from SAMME boosting. Models that
   * honour them: LogisticRegression, GBDT, RandomForest; others ignore them.
   */
  readonly weights?: Float32Array;
}

/** Per-epoch (or per-round) training history, for reports. */
export interface TrainHistory {
  readonly trainLoss: number[];
  readonly validLoss: number[];
  readonly validMetric: number[]; // macro-F1 on validation unless stated otherwise
}

/**
 * A fitted model as data: JSON values plus `Tensor`s (network weights) under keys named `tensors`,
 * enough for `restoreModel` to rebuild it. The model file stores the JSON part in its .json and the
 * tensors in a safetensors file.
 */
export interface ModelState {
  readonly kind: string;
  readonly [key: string]: unknown;
}

/** A trained or trainable classifier. */
export interface Classifier {
  /** A short name such as "mlp", "gbdt", "logreg". */
  readonly kind: string;
  /** Trains on `train`; `valid` (optional) is for early stopping only, never for fitting. */
  fit(train: Dataset, valid?: Dataset): TrainHistory | void;
  /** Class probabilities, row-major [rows, classes]. */
  predictProba(x: Float32Array, rows: number): Float32Array;
  /** The fitted model as data (every model of the registry has it); throws if not fitted. */
  toState?(): ModelState;
}
