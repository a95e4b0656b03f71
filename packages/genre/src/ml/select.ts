// Choosing a model on the user's data: candidates (registry models, option grids, seed ensembles and
// soft-voting blends of them) are scored by artist-disjoint cross-validated macro-F1 on the rows
// given, and the best is returned ready for `createModel`. With `outerFolds`, the whole
// choose-then-fit procedure is itself cross-validated (nested): each outer fold chooses on its
// training part only, so the estimate never sees the rows that score it.

import type { Dataset } from './types.js';
import { checkDataset } from './common.js';
import { createModel, type ModelOptions } from './registry.js';
import { crossValPredict } from './cv.js';
import { stratifiedGroupKFold, subsetDataset, trainValidTestSplit } from './split.js';
import { fitDatasetScaler, scaleDataset } from './scaler.js';
import { accuracy, argmaxRows, macroF1, majorityClass } from './metrics.js';
import { meanStd, type MeanStd } from './summary.js';
import { applyTemperature, expectedCalibrationError, fitTemperature, ECE_BINS } from './calibration.js';

/**
 * One model family to try. `grid` entries are merged onto `options`, each scored on its own; the
 * best one stands for the candidate. `seeds` > 1 makes a seed ensemble (probabilities of that many
 * differently seeded fits averaged), scored one seed at a time so a tight budget keeps fewer seeds.
 */
export interface CandidateSpec {
  /** Unique label shown in tables (letters, digits, dashes). */
  readonly name: string;
  /** Registry name (`createModel`). */
  readonly model: string;
  readonly options?: ModelOptions;
  readonly grid?: readonly ModelOptions[];
  readonly seeds?: number;
}

/** A candidate as `createModel(model, options, seed)` builds it. */
export interface ModelChoice {
  readonly name: string;
  readonly model: string;
  readonly options: ModelOptions;
}

/** Cross-validated scores of one option set (a grid point) of a candidate. */
export interface VariantScore {
  readonly options: ModelOptions;
  /** Macro-F1 and accuracy of the pooled out-of-fold predictions. */
  readonly macroF1: number;
  readonly accuracy: number;
  /** Seeds actually fitted (a seed ensemble may stop early on the budget). */
  readonly seeds: number;
  readonly seconds: number;
}

/** Cross-validated scores of one candidate on the rows it was chosen on. */
export interface CandidateScore {
  readonly name: string;
  /** 'scored'; 'skipped' when the budget ran out before it (no scores then). */
  readonly status: 'scored' | 'skipped';
  /** The best variant, ready for createModel (null when skipped). */
  readonly choice: ModelChoice | null;
  /** Pooled out-of-fold macro-F1 and accuracy (NaN when skipped); the choice maximises macroF1. */
  readonly macroF1: number;
  readonly accuracy: number;
  /** Mean ± sample std over the inner folds (null when skipped). */
  readonly foldMacroF1: MeanStd | null;
  readonly foldAccuracy: MeanStd | null;
  /** Fitting and predicting time of all its variants and seeds (a blend reuses its members' fits: 0). */
  readonly seconds: number;
  readonly variants: readonly VariantScore[];
}

/** The nested estimate: every row predicted by a model chosen and fitted without it. */
export interface OuterEstimate {
  readonly folds: number;
  /** Pooled over all rows (every row scored once). */
  readonly accuracy: number;
  readonly macroF1: number;
  /** Mean ± sample std over the outer folds. */
  readonly foldAccuracy: MeanStd;
  readonly foldMacroF1: MeanStd;
  /** The majority class of each outer training part, scored on its test part (pooled). */
  readonly majorityAccuracy: number;
  readonly majorityMacroF1: number;
  /** The candidate each outer fold chose. */
  readonly chosen: readonly string[];
  /** Out-of-fold probabilities [rows, classes], raw and with each fold's temperature. */
  readonly proba: Float32Array;
  readonly calibratedProba: Float32Array;
  /** Expected calibration error (ECE_BINS equal-width bins) of the raw and the calibrated probabilities. */
  readonly ece: number;
  readonly eceCalibrated: number;
  /** Outer fold of each row. */
  readonly fold: Int32Array;
}

/** Options of `chooseModel`. */
export interface ChooseOptions {
  /** Candidates, in the order a tight budget should reach them (default DEFAULT_CANDIDATES). */
  readonly candidates?: readonly CandidateSpec[];
  /** Add soft-voting blends of the best 2, best 3 and all scored candidates (default true). */
  readonly blends?: boolean;
  /** Folds of the cross-validation that chooses (default 3). */
  readonly innerFolds?: number;
  /** Folds of the nested estimate (default 0 = choose only, no estimate; 5 is usual). */
  readonly outerFolds?: number;
  /** Fraction of each training part held out for early stopping (default 0.15), as crossValPredict. */
  readonly validFraction?: number;
  /**
   * Wall-clock seconds for the whole call (default Infinity). The choice on all rows gets
   * budgetSeconds × choiceShare (default 1 / (outerFolds + 0.5): each outer fold re-runs the choice
   * on (1 - 1/outerFolds) of the rows, so the folds together cost about outerFolds - 1 choices, and
   * the half leaves room for their scoring fits); candidates run cheapest first, and one that would not finish
   * in what is left is stopped (a seed ensemble keeps the seeds it finished) and later ones skipped;
   * every candidate's first variant gets one seed before any grid point or further seed, and the
   * first candidate's first variant always runs once, however small the budget.
   * The outer folds then re-run exactly what that choice could afford, so the estimate scores the
   * procedure that was deployed; when the folds still to run would end past the budget (projected
   * from the choice on all rows and the folds done), the estimate is dropped (`outerNote` says so)
   * and the choice stands. A binding budget makes the set of candidates depend on the machine's
   * speed; with an unbounded budget the result depends on the seed only.
   */
  readonly budgetSeconds?: number;
  /**
   * Fraction of budgetSeconds the choice on all rows may use (default 1 / (outerFolds + 0.5): room
   * for the outer folds). 1 puts the model first: the outer folds then run only if what is left
   * affords them.
   */
  readonly choiceShare?: number;
  /** Split folds by `ds.groups` (artists) — default true. */
  readonly byGroup?: boolean;
  readonly seed?: number;
  /** Called with one line per finished candidate, for logs. */
  readonly onProgress?: (line: string) => void;
  /**
   * Called right before every model fit, with the outer fold whose training part it uses (null for
   * the choice on all rows) and whether the fit helps choose or scores an outer fold. For audits.
   */
  readonly onFit?: (info: { readonly outerFold: number | null; readonly purpose: 'choose' | 'score'; readonly candidate: string }) => void;
}

/** What `chooseModel` returns. */
export interface ChooseResult {
  /** The winner on all rows, ready for `createModel(chosen.model, chosen.options, seed)`. */
  readonly chosen: ModelChoice;
  /**
   * Temperature fitted on the winner's out-of-fold probabilities over all rows: wrap the final
   * model in `new CalibratedClassifier(model, temperature)`.
   */
  readonly temperature: number;
  /** Every candidate's inner cross-validated scores on all rows, in the order tried (blends last). */
  readonly candidates: readonly CandidateScore[];
  /** The nested estimate (null when outerFolds is 0, or when the budget could not afford it: see outerNote). */
  readonly outer: OuterEstimate | null;
  /** Why there is no nested estimate although outerFolds > 0 (null otherwise). */
  readonly outerNote: string | null;
  readonly seconds: number;
}

/** Inverse L2 strengths tried for logistic regression (log-spaced, 0.01 to 10). */
export const LOGREG_C_GRID: readonly number[] = [0.01, 0.03, 0.1, 0.3, 1, 3, 10];

/**
 * The default candidates, in the order a tight budget reaches them: logistic regression with C on
 * LOGREG_C_GRID, tried from C = 1 outwards so the first pass of `chooseModel` fits the usual strength
 * (L-BFGS to a gradient tolerance of 1e-4, plenty for choosing C; the cheapest); the
 * `default`-preset MLP as a seed ensemble of 5 (its first seed is the second fit: the best single
 * candidate and a member of every winning blend in `bench/accuracy/auto.ts`); then gradient-boosted
 * trees and a random forest with balanced class weights (the choice maximises macro-F1, which
 * rewards the rare classes).
 */
export const DEFAULT_CANDIDATES: readonly CandidateSpec[] = [
  {
    name: 'logreg',
    model: 'logreg',
    options: { tol: 1e-4, maxIter: 200 },
    grid: [...LOGREG_C_GRID].sort((p, q) => Math.abs(Math.log(p)) - Math.abs(Math.log(q))).map((C) => ({ C })),
  },
  { name: 'mlp', model: 'mlp', options: { preset: 'default' }, seeds: 5 },
  { name: 'gbdt', model: 'gbdt', options: { classWeight: 'balanced' } },
  { name: 'rf', model: 'rf', options: { nTrees: 200, classWeight: 'balanced' } },
];

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** Out-of-fold probabilities and timing of one candidate's best variant. */
interface Scored {
  score: CandidateScore;
  proba: Float32Array | null;
  /** What each variant could afford: seeds fitted (for re-running the same procedure elsewhere). */
  plan: PlanEntry;
}

/** Per candidate, the variants and seed counts to run (the outer folds repeat the all-rows plan). */
interface PlanEntry {
  readonly name: string;
  readonly seeds: readonly number[]; // seeds fitted per variant; 0 = not run
}

interface SelectArgs {
  ds: Dataset;
  candidates: readonly CandidateSpec[];
  blends: boolean;
  innerFolds: number;
  validFraction: number;
  byGroup: boolean;
  seed: number;
  /** Absolute deadline (now() seconds) or Infinity. */
  deadline: number;
  /** When given, run exactly these seed counts per variant and ignore the deadline. */
  plan: readonly PlanEntry[] | null;
  outerFold: number | null;
  onFit: ChooseOptions['onFit'];
  onProgress: ChooseOptions['onProgress'];
}

interface Selection {
  chosen: ModelChoice;
  chosenProba: Float32Array;
  candidates: CandidateScore[];
  plan: PlanEntry[];
}

/** Options of a seed ensemble of `spec`'s model, or the model itself for one seed. */
function choiceOf(spec: CandidateSpec, options: ModelOptions, seeds: number): ModelChoice {
  if (seeds <= 1) return { name: spec.name, model: spec.model, options };
  return { name: spec.name, model: 'seed-ensemble', options: { nEstimators: seeds, base: { model: spec.model, options } } };
}

function scoresOf(
  ds: Dataset,
  proba: Float32Array,
  fold: Int32Array,
  folds: number,
): { macroF1: number; accuracy: number; foldMacroF1: MeanStd; foldAccuracy: MeanStd } {
  const K = ds.classes;
  const pred = argmaxRows(proba, K);
  const f1s: number[] = [],
    accs: number[] = [];
  for (let f = 0; f < folds; f++) {
    const yt: number[] = [],
      yp: number[] = [];
    for (let i = 0; i < ds.rows; i++)
      if (fold[i] === f) {
        yt.push(ds.y[i]);
        yp.push(pred[i]);
      }
    if (yt.length === 0) continue;
    f1s.push(macroF1(yt, yp, K));
    accs.push(accuracy(yt, yp));
  }
  return { macroF1: macroF1(ds.y, pred, K), accuracy: accuracy(ds.y, pred), foldMacroF1: meanStd(f1s), foldAccuracy: meanStd(accs) };
}

/**
 * Scores every candidate on `ds` by inner CV and picks the best pooled macro-F1 (ties: the earlier,
 * cheaper one). Fits run in two passes: first every candidate's first variant with one seed, so a
 * tight budget still compares the model families; then the other variants and seeds, in order.
 */
function select(a: SelectArgs): Selection {
  const { ds, innerFolds } = a;
  const K = ds.classes,
    n = ds.rows;
  let fold: Int32Array | null = null;
  const state = a.candidates.map((spec) => {
    const variants = (spec.grid ?? [{}]).map((g) => ({ ...(spec.options ?? {}), ...g }));
    const planned = a.plan?.find((p) => p.name === spec.name);
    return {
      spec,
      variants,
      wanted: variants.map((_, v) => (planned !== undefined ? (planned.seeds[v] ?? 0) : (spec.seeds ?? 1))),
      sum: variants.map(() => new Float64Array(n * K)),
      done: variants.map(() => 0),
      seconds: variants.map(() => 0),
      // A variant whose seed was stopped fits no later seed, so its seeds stay 0..done-1 (the plan replays them).
      closed: variants.map(() => false),
    };
  });
  const jobs: { c: number; v: number; s: number }[] = [];
  state.forEach((st, c) => {
    if (st.wanted[0] > 0) jobs.push({ c, v: 0, s: 0 });
  });
  state.forEach((st, c) =>
    st.variants.forEach((_, v) => {
      for (let s = v === 0 ? 1 : 0; s < st.wanted[v]; s++) jobs.push({ c, v, s });
    }),
  );
  let anyDone = false;
  for (const { c, v, s } of jobs) {
    const st = state[c],
      spec = st.spec;
    if (st.closed[v]) continue;
    const t0 = now();
    let stopped = false;
    const cvFold = new Int32Array(n).fill(-1);
    const proba = new Float32Array(n * K).fill(NaN);
    for (let fi = 0; fi < innerFolds; fi++) {
      // Without a plan, stop a run that cannot finish in time: project the remaining folds from the done ones.
      // The very first run always finishes, so there is a model to choose.
      if (a.plan === null && anyDone && now() + (fi === 0 ? 0 : ((now() - t0) / fi) * (innerFolds - fi)) > a.deadline) {
        stopped = true;
        break;
      }
      const r = crossValPredict(
        ds,
        (seed) => {
          a.onFit?.({ outerFold: a.outerFold, purpose: 'choose', candidate: spec.name });
          return createModel(spec.model, st.variants[v], seed * 1000 + s);
        },
        { folds: innerFolds, seed: a.seed, validFraction: a.validFraction, byGroup: a.byGroup, onlyFolds: [fi] },
      );
      for (let i = 0; i < n; i++) {
        if (r.fold[i] !== fi) continue;
        cvFold[i] = fi;
        for (let k = 0; k < K; k++) proba[i * K + k] = r.proba[i * K + k];
      }
    }
    st.seconds[v] += now() - t0;
    if (stopped) {
      st.closed[v] = true;
      continue;
    }
    fold = cvFold;
    const sum = st.sum[v];
    for (let j = 0; j < sum.length; j++) sum[j] += proba[j];
    st.done[v]++;
    anyDone = true;
  }
  const scored: Scored[] = [];
  for (const st of state) {
    const { spec, variants } = st;
    const variantScores: VariantScore[] = [];
    let best: { v: number; proba: Float32Array; f1: number } | null = null;
    const seconds = st.seconds.reduce((x, y) => x + y, 0);
    for (let v = 0; v < variants.length; v++) {
      const done = st.done[v];
      if (done === 0) continue;
      const avg = new Float32Array(n * K);
      for (let j = 0; j < avg.length; j++) avg[j] = st.sum[v][j] / done;
      const sc = scoresOf(ds, avg, fold!, innerFolds);
      variantScores.push({ options: variants[v], macroF1: sc.macroF1, accuracy: sc.accuracy, seeds: done, seconds: st.seconds[v] });
      if (best === null || sc.macroF1 > best.f1 + 1e-12) best = { v, proba: avg, f1: sc.macroF1 };
    }
    const plan: PlanEntry = { name: spec.name, seeds: st.done.slice() };
    if (best === null) {
      scored.push({
        plan,
        proba: null,
        score: {
          name: spec.name,
          status: 'skipped',
          choice: null,
          macroF1: NaN,
          accuracy: NaN,
          foldMacroF1: null,
          foldAccuracy: null,
          seconds,
          variants: variantScores,
        },
      });
      a.onProgress?.(`${spec.name}: skipped (budget)`);
      continue;
    }
    const sc = scoresOf(ds, best.proba, fold!, innerFolds);
    const choice = choiceOf(spec, variants[best.v], st.done[best.v]);
    scored.push({ plan, proba: best.proba, score: { name: spec.name, status: 'scored', choice, ...sc, seconds, variants: variantScores } });
    a.onProgress?.(
      `${spec.name}: macro-F1 ${(100 * sc.macroF1).toFixed(1)}, accuracy ${(100 * sc.accuracy).toFixed(1)} (${seconds.toFixed(1)} s) ${JSON.stringify(choice.options)}`,
    );
  }
  const base = scored.filter((s) => s.proba !== null);
  if (base.length === 0) throw new RangeError('chooseModel: the budget allowed no candidate; raise budgetSeconds');
  const all = [...scored];
  if (a.blends && base.length >= 2) {
    const ranked = [...base].sort((x, y) => y.score.macroF1 - x.score.macroF1);
    const sizes = [...new Set([2, 3, base.length].filter((k) => k <= base.length))];
    for (const k of sizes) {
      const members = ranked.slice(0, k);
      const avg = new Float32Array(n * K);
      for (const m of members) for (let j = 0; j < avg.length; j++) avg[j] += m.proba![j] / k;
      const sc = scoresOf(ds, avg, fold!, innerFolds);
      const name = k === base.length && k > 3 ? 'vote-all' : `vote-top${k}`;
      const choice: ModelChoice = {
        name,
        model: 'voting',
        options: { members: members.map((m) => ({ model: m.score.choice!.model, options: m.score.choice!.options })) },
      };
      all.push({ plan: { name, seeds: [] }, proba: avg, score: { name, status: 'scored', choice, ...sc, seconds: 0, variants: [] } });
      a.onProgress?.(
        `${name} (${members.map((m) => m.score.name).join(' + ')}): macro-F1 ${(100 * sc.macroF1).toFixed(1)}, accuracy ${(100 * sc.accuracy).toFixed(1)}`,
      );
    }
  }
  let win = all.find((s) => s.proba !== null)!;
  for (const s of all) if (s.proba !== null && s.score.macroF1 > win.score.macroF1 + 1e-12) win = s;
  return { chosen: win.score.choice!, chosenProba: win.proba!, candidates: all.map((s) => s.score), plan: scored.map((s) => s.plan) };
}

/** Fits `choice` on a training part the way crossValPredict fits a fold (validation split, scaler), predicts `test`. */
function fitAndPredict(train: Dataset, test: Dataset, choice: ModelChoice, seed: number, validFraction: number, byGroup: boolean): Float32Array {
  let trainRaw = train,
    validRaw: Dataset | undefined;
  if (validFraction > 0) {
    const inner = trainValidTestSplit(train.y, {
      groups: byGroup ? train.groups! : null,
      validFraction,
      testFraction: 0,
      seed: seed + 7919,
      classes: train.classes,
    });
    trainRaw = subsetDataset(train, inner.train);
    validRaw = subsetDataset(train, inner.valid);
  }
  const scaler = fitDatasetScaler(trainRaw, 'standard', { emptyFeatures: 'zero' });
  const model = createModel(choice.model, choice.options, seed);
  model.fit(scaleDataset(scaler, trainRaw), validRaw === undefined ? undefined : scaleDataset(scaler, validRaw));
  const t = scaleDataset(scaler, test);
  return model.predictProba(t.x, t.rows);
}

/**
 * Chooses a model for `ds` (raw feature rows: NaN = missing; every fit imputes and scales on its own
 * training rows) among `candidates` by artist-disjoint cross-validated macro-F1, and, with
 * `outerFolds`, estimates how well that whole choice-and-fit procedure does on artists it never saw.
 * Seeded: the same data, options and seed give the same result (unless the budget binds; see
 * `ChooseOptions.budgetSeconds`).
 *
 * ```ts
 * const r = chooseModel(ds, { outerFolds: 5, budgetSeconds: 60, seed: 1 });
 * const model = new CalibratedClassifier(createModel(r.chosen.model, r.chosen.options, 1), r.temperature);
 * console.log(r.chosen.name, r.outer!.accuracy, r.outer!.macroF1);
 * ```
 */
export function chooseModel(ds: Dataset, options: ChooseOptions = {}): ChooseResult {
  const op = 'chooseModel';
  checkDataset(op, ds);
  const {
    candidates = DEFAULT_CANDIDATES,
    blends = true,
    innerFolds = 3,
    outerFolds = 0,
    validFraction = 0.15,
    budgetSeconds = Infinity,
    byGroup = true,
    seed = 0,
    onProgress,
    onFit,
  } = options;
  const choiceShare = options.choiceShare ?? (outerFolds === 0 ? 1 : 1 / (outerFolds + 0.5));
  if (candidates.length === 0) throw new RangeError(`${op}: no candidates`);
  const names = new Set<string>();
  for (const c of candidates) {
    if (!/^[a-z][a-z0-9-]*$/.test(c.name)) throw new RangeError(`${op}: candidate name "${c.name}" must be lower-case letters, digits and dashes`);
    if (names.has(c.name)) throw new RangeError(`${op}: two candidates are named "${c.name}"`);
    names.add(c.name);
    if (c.seeds !== undefined && !(Number.isInteger(c.seeds) && c.seeds >= 1))
      throw new RangeError(`${op}: candidate "${c.name}": seeds must be a positive integer, got ${c.seeds}`);
    if (c.grid !== undefined && c.grid.length === 0) throw new RangeError(`${op}: candidate "${c.name}": grid is empty`);
    createModel(c.model, { ...(c.options ?? {}), ...(c.grid?.[0] ?? {}) }, 0); // unknown names and bad options fail now, not after minutes
  }
  if (!(Number.isInteger(innerFolds) && innerFolds >= 2)) throw new RangeError(`${op}: innerFolds must be an integer >= 2, got ${innerFolds}`);
  if (!(outerFolds === 0 || (Number.isInteger(outerFolds) && outerFolds >= 2)))
    throw new RangeError(`${op}: outerFolds must be 0 or an integer >= 2, got ${outerFolds}`);
  if (!(budgetSeconds > 0)) throw new RangeError(`${op}: budgetSeconds must be > 0, got ${budgetSeconds}`);
  if (!(choiceShare > 0 && choiceShare <= 1)) throw new RangeError(`${op}: choiceShare must be in (0, 1], got ${choiceShare}`);
  if (byGroup && ds.groups === undefined) throw new RangeError(`${op}: the dataset has no groups (artists); pass byGroup: false for row-level folds`);
  const t0 = now();
  const common = { candidates, blends, innerFolds, validFraction, byGroup, onFit, onProgress };
  onProgress?.(`choosing on all ${ds.rows} rows`);
  const all = select({ ...common, ds, seed, deadline: t0 + budgetSeconds * choiceShare, plan: null, outerFold: null });
  const temperature = fitTemperature(all.chosenProba, ds.y, ds.classes);
  const choiceSeconds = now() - t0;
  let outer: OuterEstimate | null = null,
    outerNote: string | null = null;
  if (outerFolds > 0) {
    const K = ds.classes;
    const folds = stratifiedGroupKFold(ds.y, outerFolds, { groups: byGroup ? ds.groups! : null, seed: seed + 104729, classes: K });
    const proba = new Float32Array(ds.rows * K),
      calibrated = new Float32Array(ds.rows * K);
    const fold = new Int32Array(ds.rows).fill(-1);
    const majority = new Int32Array(ds.rows);
    const chosen: string[] = [];
    const outerStart = now();
    for (let fi = 0; fi < folds.length; fi++) {
      const f = folds[fi];
      // A fold re-runs the choice on (1 - 1/outerFolds) of the rows and fits the winner once more:
      // project it from the choice on all rows until a fold has run, then from the folds done. Fits do
      // not shrink with their rows (an outer fold of 2 took 0.7 x the choice on the tagtraum table and
      // 1.4 x on the 2-class slice, whose choice on all rows the budget had cut short), so the first
      // projection is 1.5 x the choice: a fold that starts should not have to be dropped.
      const perFold = fi === 0 ? choiceSeconds * 1.5 : (now() - outerStart) / fi;
      if (now() + perFold * (outerFolds - fi) > t0 + budgetSeconds) {
        outerNote = `nested estimate dropped: ${outerFolds - fi} of ${outerFolds} outer folds left, about ${(perFold * (outerFolds - fi)).toFixed(0)} s, past the budget of ${budgetSeconds.toFixed(0)} s`;
        onProgress?.(outerNote);
        break;
      }
      const train = subsetDataset(ds, f.train),
        test = subsetDataset(ds, f.test);
      onProgress?.(`outer fold ${fi + 1}/${outerFolds}: choosing on ${train.rows} rows`);
      const sel = select({ ...common, ds: train, seed: seed + 1 + fi, deadline: Infinity, plan: all.plan, outerFold: fi });
      chosen.push(sel.chosen.name);
      const T = fitTemperature(sel.chosenProba, train.y, K);
      const modelOnFit = onFit === undefined ? undefined : () => onFit({ outerFold: fi, purpose: 'score', candidate: sel.chosen.name });
      modelOnFit?.();
      const p = fitAndPredict(train, test, sel.chosen, seed * 100 + fi, validFraction, byGroup);
      const pc = applyTemperature(p, K, T);
      const maj = majorityClass(train.y, K);
      for (let r = 0; r < f.test.length; r++) {
        const i = f.test[r];
        proba.set(p.subarray(r * K, r * K + K), i * K);
        calibrated.set(pc.subarray(r * K, r * K + K), i * K);
        fold[i] = fi;
        majority[i] = maj;
      }
      onProgress?.(`outer fold ${fi + 1}/${outerFolds}: ${sel.chosen.name}, T = ${T.toFixed(2)}`);
    }
    if (outerNote === null) {
      const sc = scoresOf(ds, proba, fold, outerFolds);
      outer = {
        folds: outerFolds,
        accuracy: sc.accuracy,
        macroF1: sc.macroF1,
        foldAccuracy: sc.foldAccuracy,
        foldMacroF1: sc.foldMacroF1,
        majorityAccuracy: accuracy(ds.y, majority),
        majorityMacroF1: macroF1(ds.y, majority, K),
        chosen,
        proba,
        calibratedProba: calibrated,
        ece: expectedCalibrationError(proba, ds.y, K, ECE_BINS),
        eceCalibrated: expectedCalibrationError(calibrated, ds.y, K, ECE_BINS),
        fold,
      };
    }
  }
  return { chosen: all.chosen, temperature, candidates: all.candidates, outer, outerNote, seconds: now() - t0 };
}
