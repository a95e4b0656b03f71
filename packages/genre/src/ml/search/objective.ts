// The search objective: artist-disjoint cross-validated macro-F1 of a registered model with a
// trial's parameters, computed on the dataset it is given (the caller passes the training part only).

import type { Dataset } from '../types.js';
import { createModel, type ModelOptions } from '../registry.js';
import { crossValPredict, type CvOptions } from '../cv.js';
import { paramsToOptions, type Params } from './space.js';

/** What a trial trains and how it is scored (JSON: it travels to worker threads). */
export interface ObjectiveSpec {
  /** Registered model name (see models/registry.ts). */
  readonly model: string;
  /** Fixed options the trial parameters are merged into. */
  readonly options?: ModelOptions;
  /** Cross-validation settings (default 3 artist-disjoint folds, seed 0, 15% validation). */
  readonly cv?: CvOptions;
}

/** The outcome of one trial. */
export interface TrialScore {
  /** Pooled out-of-fold macro-F1 (the objective, maximised). */
  readonly score: number;
  readonly accuracy: number;
  readonly foldMacroF1: readonly number[];
  readonly seconds: number;
}

/** Runs one trial in this thread. */
export function evaluateTrial(ds: Dataset, spec: ObjectiveSpec, params: Params): TrialScore {
  const t0 = performance.now();
  const options = paramsToOptions(params, spec.options ?? {});
  const cv: CvOptions = { folds: 3, seed: 0, validFraction: 0.15, ...(spec.cv ?? {}) };
  const r = crossValPredict(ds, (seed) => createModel(spec.model, options, seed), cv);
  return { score: r.macroF1, accuracy: r.accuracy, foldMacroF1: r.foldMacroF1, seconds: (performance.now() - t0) / 1000 };
}
