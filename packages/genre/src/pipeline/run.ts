// Training runs over several seeds with the majority baseline beside them: what `timbre train`,
// `timbre run` and the example call. Each seed varies the initialisation and batch order; with
// `resplit`, also the artist-disjoint split (so mean ± std includes split variance). The model is the
// MLP of a preset, a seed ensemble of K such MLPs (`ensemble: K`, probabilities averaged), or any
// registry model (`model: 'gbdt'`, …).
import type { PreparedData } from '../preprocess/preprocess.js';
import { fitScaler, medianOf, type ScalerKind, type ScalerState } from '../ml/scaler.js';
import { argmaxRows, evaluatePredictions, majorityBaseline, type ClassificationMetrics } from '../ml/metrics.js';
import { meanStd, type MeanStd } from '../ml/summary.js';
import { SeedEnsemble } from '../ml/ensemble.js';
import { createModel, type ModelOptions } from '../ml/registry.js';
import type { Classifier, TrainHistory } from '../ml/types.js';
import { datasetFromPrepared, makeDatasets, type SplitDatasets, type SplitSpec } from './datasets.js';
import { MlpClassifier, mlpOptions, type EpochLog, type MlpHistory, type MlpOptions } from '../ml/mlp.js';

/**
 * Seed-ensemble size of each preset when `ensemble` is not given: how many MLPs (different seeds,
 * probabilities averaged) one trained model is; five won macro-F1 on both real labelled sets
 * (`bench/accuracy/`).
 */
export const PRESET_ENSEMBLE: Readonly<Record<string, number>> = { original: 1, default: 5 };

/** The ensemble size for a preset, or `explicit` when given (checked: an integer in 1..100). */
export function ensembleSize(preset: string, explicit?: number): number {
  const k = explicit ?? PRESET_ENSEMBLE[preset] ?? 1;
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new RangeError(`ensemble: the number of members must be an integer in 1..100, got ${k}`);
  return k;
}

/** Seeds of the K members for a run seed: member 0 uses the run seed itself (so K = 1 is the single MLP), member i seed + 1000·i. */
export function ensembleSeeds(seed: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => seed + 1000 * i);
}

/**
 * The pipeline's MLP model for one run: a single `MlpClassifier` when k = 1, else a `SeedEnsemble` of
 * k of them that differ only in seed (see `ensembleSeeds`). `onEpoch(member, log)` sees every member's epochs.
 *
 * ```ts
 * const model = makeMlpModel(mlpOptions('default', { seed: 1 }), 5);
 * model.fit(train, valid);
 * ```
 */
export function makeMlpModel(options: MlpOptions, k: number, onEpoch?: (member: number, log: EpochLog) => void): MlpClassifier | SeedEnsemble {
  const seeds = ensembleSeeds(options.seed, k);
  const make = (s: number): MlpClassifier => {
    const m = new MlpClassifier({ ...options, seed: s });
    if (onEpoch) {
      const i = seeds.indexOf(s);
      m.onEpoch = (log) => onEpoch(i, log);
    }
    return m;
  };
  return k === 1 ? make(options.seed) : new SeedEnsemble(make, { seeds });
}

function emptyHistory(h?: TrainHistory | void): MlpHistory {
  return {
    trainLoss: h?.trainLoss ?? [],
    validLoss: h?.validLoss ?? [],
    validMetric: h?.validMetric ?? [],
    validAccuracy: [],
    bestEpoch: 0,
    epochsRun: h?.trainLoss.length ?? 0,
  };
}

/** One seed's result. */
export interface SeedRun {
  readonly seed: number;
  readonly test: ClassificationMetrics;
  readonly valid: ClassificationMetrics | null;
  readonly baseline: ClassificationMetrics & { predictedClass: number };
  /** The MLP's history (member 0's for an ensemble; loss curves only, or empty, for other models). */
  readonly history: MlpHistory;
  /** Ensemble members' epochs (one entry for a single MLP; empty for non-MLP models). */
  readonly members: readonly { seed: number; epochsRun: number; bestEpoch: number }[];
  /** Boosting rounds kept after early stopping (GBDT). */
  readonly rounds?: number;
  readonly rows: { train: number; valid: number; test: number };
  readonly seconds: number;
  /** Learning problems of this seed's split (see `splitClassProblems`). */
  readonly warnings: readonly string[];
}

/** Mean ± std of the headline numbers over seeds. */
export interface RunSummary {
  readonly accuracy: MeanStd;
  readonly balancedAccuracy: MeanStd;
  readonly macroF1: MeanStd;
  readonly baselineAccuracy: MeanStd;
  readonly baselineMacroF1: MeanStd;
}

/** Options of {@link trainAndEvaluate}: the model (MLP preset and overrides, or a registry model), seeds, scaling and splits. */
export interface TrainRunOptions {
  preset?: string;
  overrides?: Partial<MlpOptions>;
  seeds?: readonly number[];
  scaler?: ScalerKind;
  /** Re-split (artist-disjoint, seeded) for every seed instead of using the stored split column. */
  resplit?: boolean;
  /** Row-level split when re-splitting (not artist-disjoint). */
  random?: boolean;
  /**
   * MLPs per trained model: a seed ensemble of this many members (probabilities averaged); 1 = one
   * MLP. Default: `PRESET_ENSEMBLE[preset]`.
   */
  ensemble?: number;
  /** A registry model instead of the MLP ('gbdt', 'rf', 'logreg', …; see `listModels`); preset, overrides and ensemble then do not apply. */
  model?: string;
  /** Options of `model` (JSON, as for `createModel`). */
  modelOptions?: ModelOptions;
  /** Per-epoch progress: run seed, the epoch's log, and which ensemble member (0 for a single MLP). */
  onEpoch?: (seed: number, log: EpochLog, member: number) => void;
  /**
   * Then fit the model once more on every labelled row (`fitFinal`), with the epochs (MLP) or rounds
   * (GBDT) the evaluation found, and return it as `final`. Default false.
   */
  refit?: boolean;
  /** After each seed: its run and the thread that trained it (0 = the calling thread, i = worker thread i of `trainAndEvaluateParallel`). */
  onSeedDone?: (run: SeedRun, thread: number) => void;
}

/** What {@link trainAndEvaluate} returns: the model's settings, one run per seed, their mean ± std summary and, with `refit`, the final model. */
export interface TrainRunResult {
  readonly preset: string;
  readonly options: MlpOptions;
  /** Ensemble size (1 = one MLP; 1 also for non-MLP models). */
  readonly ensemble: number;
  /** 'mlp' or the registry model's name. */
  readonly modelName: string;
  readonly runs: readonly SeedRun[];
  readonly summary: RunSummary;
  /** The first seed's model, its scaler and split: what gets saved. */
  readonly model: Classifier;
  readonly scaler: ScalerState;
  readonly datasets: SplitDatasets;
  /** How the saved (first seed's) model's split was drawn; `evaluate` redraws it from this. */
  readonly split: SplitSpec;
  /** Learning problems of any seed's split, each once (a class with no training rows, …). */
  readonly warnings: readonly string[];
  /** With `refit`: the model fitted on every labelled row — the one to deploy. */
  readonly final?: FinalFit;
}

/** A model fitted on every labelled row, with how its training length was chosen. */
export interface FinalFit {
  readonly model: Classifier;
  readonly scaler: ScalerState;
  readonly rows: number;
  /** MLP epochs (no early stopping: there is no held-out data left). */
  readonly epochs?: number;
  /** GBDT rounds. */
  readonly rounds?: number;
  /** Where the epochs or rounds came from. */
  readonly from: string;
}

/** One seed's training outcome inside this module: the result plus what `TrainRunResult` keeps of the first seed. */
export interface SeedOutcome {
  run: SeedRun;
  model: Classifier;
  datasets: SplitDatasets;
  opts: MlpOptions;
}

/** The checks every run does before training (the same message whichever entry point is used): the seeds, model name and ensemble size. */
export function checkRun(options: TrainRunOptions): { seeds: readonly number[]; modelName: string; K: number } {
  const { preset = 'default', seeds = [1, 2, 3] } = options;
  if (seeds.length === 0) throw new RangeError('trainAndEvaluate: no seeds');
  const modelName = options.model ?? 'mlp';
  const isMlp = modelName === 'mlp';
  if (!isMlp && options.ensemble !== undefined && options.ensemble !== 1)
    throw new RangeError(
      `trainAndEvaluate: ensemble ${options.ensemble} applies to the MLP only, not to model "${modelName}" (use model "seeds" or "bagging" with its own options)`,
    );
  return { seeds, modelName, K: isMlp ? ensembleSize(preset, options.ensemble) : 1 };
}

/**
 * Trains and scores one seed: split (re-drawn when `resplit`), model, test and validation metrics, the
 * majority baseline. Exported for the worker threads of `trainAndEvaluateParallel`; use `trainAndEvaluate`.
 */
export function trainSeed(data: PreparedData, options: TrainRunOptions, seed: number): SeedOutcome {
  const { preset = 'default', overrides = {}, scaler = 'standard', resplit = false, random = false } = options;
  const { modelName, K } = checkRun(options);
  const isMlp = modelName === 'mlp';
  const C = data.classNames.length;
  const t0 = performance.now();
  const ds = makeDatasets(data, { scaler, ...(resplit ? { resplitSeed: seed, random } : {}) });
  if (ds.test.rows === 0) throw new RangeError('trainAndEvaluate: the test split is empty (too few artists or rows?)');
  const o = mlpOptions(preset, { ...overrides, seed });
  const useValid = ds.valid.rows > 0;
  if (isMlp && o.patience !== null && !useValid) throw new RangeError('trainAndEvaluate: early stopping needs a validation split, and it is empty');
  let model: Classifier, history: MlpHistory, members: SeedRun['members'];
  if (isMlp) {
    const m = makeMlpModel(o, K, options.onEpoch ? (i, log) => options.onEpoch!(seed, log, i) : undefined);
    m.fit(ds.train, useValid ? ds.valid : undefined);
    const mlps = m instanceof SeedEnsemble ? (m.members as MlpClassifier[]) : [m];
    history = mlps[0].history!;
    members = mlps.map((x) => ({ seed: x.options.seed, epochsRun: x.history!.epochsRun, bestEpoch: x.history!.bestEpoch }));
    model = m;
  } else {
    model = createModel(modelName, options.modelOptions ?? {}, seed);
    history = emptyHistory(model.fit(ds.train, useValid ? ds.valid : undefined));
    members = [];
  }
  const rounds = (model as { bestRounds?: number }).bestRounds;
  const test = evaluatePredictions(ds.test.y, argmaxRows(model.predictProba(ds.test.x, ds.test.rows), C), C);
  const valid = useValid ? evaluatePredictions(ds.valid.y, argmaxRows(model.predictProba(ds.valid.x, ds.valid.rows), C), C) : null;
  const run: SeedRun = {
    seed,
    test,
    valid,
    baseline: majorityBaseline(ds.train.y, ds.test.y, C),
    history,
    members,
    ...(rounds ? { rounds } : {}),
    rows: { train: ds.train.rows, valid: ds.valid.rows, test: ds.test.rows },
    seconds: (performance.now() - t0) / 1000,
    warnings: ds.warnings,
  };
  return { run, model, datasets: ds, opts: o };
}

/** The result of a run from its seeds' runs (in seed order) and the first seed's outcome (for trainAndEvaluateParallel). */
export function assembleRun(options: TrainRunOptions, runs: readonly SeedRun[], first: SeedOutcome): TrainRunResult {
  const { preset = 'default', resplit = false, random = false } = options;
  const { seeds, modelName, K } = checkRun(options);
  const pick = (f: (r: SeedRun) => number) => meanStd(runs.map(f));
  return {
    preset,
    options: first.opts,
    ensemble: K,
    modelName,
    runs,
    summary: {
      accuracy: pick((r) => r.test.accuracy),
      balancedAccuracy: pick((r) => r.test.balancedAccuracy),
      macroF1: pick((r) => r.test.macroF1),
      baselineAccuracy: pick((r) => r.baseline.accuracy),
      baselineMacroF1: pick((r) => r.baseline.macroF1),
    },
    model: first.model,
    scaler: first.datasets.scaler,
    datasets: first.datasets,
    split: resplit ? { resplitSeed: seeds[0], random } : {},
    warnings: [...new Set(runs.flatMap((r) => r.warnings))],
  };
}

const medianInt = (v: readonly number[]): number => Math.round(medianOf(Float64Array.from(v).sort()));

/**
 * Fits the run's model on every labelled row of `data`: the scaler on all rows, an MLP for the median
 * best epoch of the evaluation's fits (`runs`; without runs, one early-stopped fit on the stored
 * train/valid split finds it), a GBDT for the median kept rounds, other models as they are.
 *
 * ```ts
 * const r = trainAndEvaluate(data, { seeds: [1, 2, 3] });
 * const { model, scaler, epochs } = fitFinal(data, {}, r.runs);
 * ```
 */
export function fitFinal(data: PreparedData, options: TrainRunOptions, runs: readonly SeedRun[]): FinalFit {
  const { preset = 'default', overrides = {}, scaler: kind = 'standard' } = options;
  const { seeds, modelName, K } = checkRun(options);
  const all = Int32Array.from({ length: data.rows }, (_, i) => i);
  const scaler = fitScaler(data.x, data.rows, data.featureNames, kind);
  const ds = datasetFromPrepared(data, all, scaler);
  const seed = seeds[0];
  if (modelName === 'mlp') {
    let best = runs.flatMap((r) => r.members.map((m) => m.bestEpoch)).filter((e) => e > 0);
    let from = `the median best epoch of the evaluation's ${best.length} fits`;
    if (best.length === 0) {
      const o = mlpOptions(preset, { ...overrides, seed });
      const split = makeDatasets(data, { scaler: kind });
      if (o.patience !== null && split.valid.rows > 0) {
        const probe = new MlpClassifier(o);
        best = [probe.fit(split.train, split.valid).bestEpoch];
        from = 'the best epoch of one fit early-stopped on the validation split';
      } else {
        best = [o.epochs];
        from = 'the preset (no validation rows to choose by)';
      }
    }
    const epochs = Math.max(1, medianInt(best));
    const model = makeMlpModel(mlpOptions(preset, { ...overrides, seed, epochs, patience: null }), K);
    model.fit(ds);
    return { model, scaler, rows: data.rows, epochs, from };
  }
  const modelOptions = { ...(options.modelOptions ?? {}) };
  const kept = runs.flatMap((r) => (r.rounds ? [r.rounds] : []));
  const rounds = modelName === 'gbdt' && kept.length > 0 ? medianInt(kept) : undefined;
  if (rounds !== undefined) modelOptions.nRounds = rounds;
  const model = createModel(modelName, modelOptions, seed);
  model.fit(ds);
  return {
    model,
    scaler,
    rows: data.rows,
    ...(rounds !== undefined ? { rounds, from: `the median kept rounds of the evaluation's ${kept.length} fits` } : { from: "the model's options" }),
  };
}

/** `result` with the final model when `options.refit` asks for it. */
export function withFinal(data: PreparedData, options: TrainRunOptions, result: TrainRunResult): TrainRunResult {
  return options.refit === true ? { ...result, final: fitFinal(data, options, result.runs) } : result;
}

/**
 * Trains the model (MLP, seed ensemble of MLPs, or a registry model) once per seed and scores each on its test split, beside the majority baseline.
 * One thread; `trainAndEvaluateParallel` spreads the seeds over worker threads with the same results.
 *
 * ```ts
 * const r = trainAndEvaluate(data, { preset: 'default', seeds: [1, 2, 3] });
 * console.log(formatMeanStd(r.summary.macroF1));
 * ```
 */
export function trainAndEvaluate(data: PreparedData, options: TrainRunOptions = {}): TrainRunResult {
  const { seeds } = checkRun(options);
  const runs: SeedRun[] = [];
  let first: SeedOutcome | null = null;
  for (const seed of seeds) {
    const outcome = trainSeed(data, options, seed);
    runs.push(outcome.run);
    options.onSeedDone?.(outcome.run, 0);
    first ??= outcome;
  }
  return withFinal(data, options, assembleRun(options, runs, first!));
}
