// Training runs over several seeds with the majority baseline beside them: what `timbre train`,
// `timbre run` and the example call. Each seed varies the initialisation and batch order; with
// `resplit`, also the artist-disjoint split (so mean ± std includes split variance).
import type { PreparedData } from '../preprocess/preprocess.js';
import type { ScalerKind, ScalerState } from '../preprocess/scaler.js';
import { argmaxRows, evaluatePredictions, majorityBaseline, type ClassificationMetrics } from '../metrics/classification.js';
import { meanStd, type MeanStd } from '../metrics/summary.js';
import { makeDatasets, type SplitDatasets } from './datasets.js';
import { MlpClassifier, mlpOptions, type EpochLog, type MlpHistory, type MlpOptions } from './mlp.js';

/** One seed's result. */
export interface SeedRun {
  readonly seed: number;
  readonly test: ClassificationMetrics;
  readonly valid: ClassificationMetrics | null;
  readonly baseline: ClassificationMetrics & { predictedClass: number };
  readonly history: MlpHistory;
  readonly rows: { train: number; valid: number; test: number };
  readonly seconds: number;
}

/** Mean ± std of the headline numbers over seeds. */
export interface RunSummary {
  readonly accuracy: MeanStd;
  readonly balancedAccuracy: MeanStd;
  readonly macroF1: MeanStd;
  readonly baselineAccuracy: MeanStd;
  readonly baselineMacroF1: MeanStd;
}

export interface TrainRunOptions {
  preset?: string;
  overrides?: Partial<MlpOptions>;
  seeds?: readonly number[];
  scaler?: ScalerKind;
  /** Re-split (artist-disjoint, seeded) for every seed instead of using the stored split column. */
  resplit?: boolean;
  /** Row-level split when re-splitting (not artist-disjoint). */
  random?: boolean;
  onEpoch?: (seed: number, log: EpochLog) => void;
  onSeedDone?: (run: SeedRun) => void;
}

export interface TrainRunResult {
  readonly preset: string;
  readonly options: MlpOptions;
  readonly runs: readonly SeedRun[];
  readonly summary: RunSummary;
  /** The first seed's model, its scaler and split: what gets saved. */
  readonly model: MlpClassifier;
  readonly scaler: ScalerState;
  readonly datasets: SplitDatasets;
}

/**
 * Trains the MLP once per seed and scores each on its test split, beside the majority baseline.
 *
 * ```ts
 * const r = trainAndEvaluate(data, { preset: 'default', seeds: [1, 2, 3] });
 * console.log(formatMeanStd(r.summary.macroF1));
 * ```
 */
export function trainAndEvaluate(data: PreparedData, options: TrainRunOptions = {}): TrainRunResult {
  const { preset = 'default', overrides = {}, seeds = [1, 2, 3], scaler = 'standard', resplit = false, random = false } = options;
  if (seeds.length === 0) throw new RangeError('trainAndEvaluate: no seeds');
  const C = data.classNames.length;
  const runs: SeedRun[] = [];
  let first: { model: MlpClassifier; datasets: SplitDatasets } | null = null;
  let opts: MlpOptions | null = null;
  for (const seed of seeds) {
    const t0 = performance.now();
    const ds = makeDatasets(data, { scaler, ...(resplit ? { resplitSeed: seed, random } : {}) });
    if (ds.test.rows === 0) throw new RangeError('trainAndEvaluate: the test split is empty (too few artists or rows?)');
    const o = mlpOptions(preset, { ...overrides, seed });
    opts ??= o;
    const useValid = ds.valid.rows > 0;
    if (o.patience !== null && !useValid) throw new RangeError('trainAndEvaluate: early stopping needs a validation split, and it is empty');
    const model = new MlpClassifier(o);
    if (options.onEpoch) model.onEpoch = (log) => options.onEpoch!(seed, log);
    const history = model.fit(ds.train, useValid ? ds.valid : undefined);
    const test = evaluatePredictions(ds.test.y, argmaxRows(model.predictProba(ds.test.x, ds.test.rows), C), C);
    const valid = useValid ? evaluatePredictions(ds.valid.y, argmaxRows(model.predictProba(ds.valid.x, ds.valid.rows), C), C) : null;
    const run: SeedRun = {
      seed, test, valid, baseline: majorityBaseline(ds.train.y, ds.test.y, C), history,
      rows: { train: ds.train.rows, valid: ds.valid.rows, test: ds.test.rows }, seconds: (performance.now() - t0) / 1000,
    };
    runs.push(run);
    options.onSeedDone?.(run);
    first ??= { model, datasets: ds };
  }
  const pick = (f: (r: SeedRun) => number) => meanStd(runs.map(f));
  return {
    preset, options: opts!, runs,
    summary: {
      accuracy: pick((r) => r.test.accuracy), balancedAccuracy: pick((r) => r.test.balancedAccuracy), macroF1: pick((r) => r.test.macroF1),
      baselineAccuracy: pick((r) => r.baseline.accuracy), baselineMacroF1: pick((r) => r.baseline.macroF1),
    },
    model: first!.model, scaler: first!.datasets.scaler, datasets: first!.datasets,
  };
}
