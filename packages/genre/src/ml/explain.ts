// Model-agnostic explanations. Per row: how much each feature (or feature group) moved the
// probability of the predicted class, measured by replacing the feature with values it takes in
// reference rows and seeing the probability fall or rise. Per dataset: permutation importance.
// Everything works in the model's input space (the rows exactly as predictProba receives them).

import { Rng } from '@timbre/tensor';
import type { Classifier, Dataset } from './types.js';
import { checkMatrix, checkOption } from './common.js';
import { accuracy, argmaxRows, logLoss, macroF1 } from './metrics.js';
import { medianOf } from './scaler.js';

/** A named set of input columns explained together. */
export interface ColumnGroup {
  readonly name: string;
  /** Column indices, ascending. */
  readonly features: readonly number[];
}

/**
 * Groups columns that only mean something together, from their names:
 * - a missing-value indicator `<name>_missing` joins the column named `<name>`;
 * - one-hot columns `<name>=<value>` form one group `<name>`;
 * - every other column is its own group. A group indicator such as `timbre_missing` with no
 *   column named `timbre` stays on its own (its columns keep their own entries).
 *
 * ```ts
 * groupFeatures(['year', 'year_missing', 'key=0', 'key=1', 'tempo']);
 * // [{ name: 'year', features: [0, 1] }, { name: 'key', features: [2, 3] }, { name: 'tempo', features: [4] }]
 * ```
 */
export function groupFeatures(featureNames: readonly string[]): ColumnGroup[] {
  const exact = new Map<string, number>();
  featureNames.forEach((n, i) => exact.set(n, i));
  const byName = new Map<string, number[]>();
  const order: string[] = [];
  const add = (name: string, i: number): void => {
    let g = byName.get(name);
    if (g === undefined) {
      g = [];
      byName.set(name, g);
      order.push(name);
    }
    g.push(i);
  };
  featureNames.forEach((n, i) => {
    const missing = /^(.+)_missing$/.exec(n);
    if (missing !== null && exact.has(missing[1])) {
      add(groupName(missing[1]), i);
      return;
    }
    add(groupName(n), i);
  });
  return order.map((name) => ({
    name,
    features: byName
      .get(name)!
      .slice()
      .sort((a, b) => a - b),
  }));
}

/** `key=3` → `key`; other names unchanged. */
function groupName(n: string): string {
  const eq = n.indexOf('=');
  return eq > 0 ? n.slice(0, eq) : n;
}

/** What replaces a feature group when its effect is measured. */
export type Baseline = 'reference' | 'median';

/** Options of `explainRows`. */
export interface ExplainOptions {
  /**
   * Background rows [referenceRows, features] in the model's input space (e.g. the training rows,
   * scaled the way the model saw them). Required.
   */
  readonly reference: Float32Array;
  readonly referenceRows: number;
  /** Column names (default f0, f1, …); used to name and group columns. */
  readonly featureNames?: readonly string[];
  /** Groups explained together (default `groupFeatures(featureNames)`). */
  readonly groups?: readonly ColumnGroup[];
  /**
   * 'reference' (default): the group takes its values from each of up to `maxReference` reference
   * rows in turn (jointly, from the same row) and the probabilities are averaged — the expected
   * effect of not knowing the group; 'median': the group takes the reference rows' per-column
   * medians (one model call per group, cheaper, but a median row may be unlike any real row).
   */
  readonly baseline?: Baseline;
  /** Reference rows used with 'reference' (default 50, drawn without replacement with `seed`). */
  readonly maxReference?: number;
  /** How many groups each explanation keeps, largest |effect| first (default 5; Infinity = all). */
  readonly topK?: number;
  /** Explain this class instead of each row's predicted class. */
  readonly classIndex?: number;
  readonly seed?: number;
  /** The model's probabilities [rows, classes] of `x`, when the caller already has them (else computed). */
  readonly probabilities?: Float32Array;
}

/** One feature group's effect on one row's prediction. */
export interface Contribution {
  readonly name: string;
  readonly features: readonly number[];
  /** The row's values of those columns (model input space). */
  readonly values: readonly number[];
  /**
   * p(class | row) − mean p(class | row with the group replaced): positive = the row's values of
   * this group raised the class's probability, negative = they lowered it.
   */
  readonly effect: number;
}

/** The explanation of one row. */
export interface RowExplanation {
  readonly row: number;
  /** The explained class (the predicted one unless `classIndex` was given) and its probability. */
  readonly classIndex: number;
  readonly probability: number;
  /** Top `topK` groups by |effect|, largest first. */
  readonly contributions: readonly Contribution[];
}

/**
 * Explains each row of `x` (`[rows, features]`): for every feature group, the change in the explained
 * class's probability when the group is replaced by reference values (see `ExplainOptions.baseline`).
 * Cost: groups × maxReference model rows per explained row ('median': groups × 1).
 *
 * ```ts
 * const [e] = explainRows(model, test.x.subarray(0, F), 1, F, { reference: train.x, referenceRows: train.rows, featureNames });
 * e.contributions; // [{ name: 'timbre_mean_1', effect: 0.21, … }, { name: 'year', effect: -0.05, … }, …]
 * ```
 */
export function explainRows(model: Classifier, x: Float32Array, rows: number, features: number, options: ExplainOptions): RowExplanation[] {
  const op = 'explainRows';
  checkMatrix(op, x, rows, features);
  const { reference, referenceRows, baseline = 'reference', maxReference = 50, topK = 5, seed = 0 } = options;
  checkMatrix(`${op} (reference)`, reference, referenceRows, features);
  if (referenceRows < 1) throw new RangeError(`${op}: need at least one reference row`);
  if (baseline !== 'reference' && baseline !== 'median') throw new RangeError(`${op}: baseline must be 'reference' or 'median', got ${String(baseline)}`);
  checkOption(op, 'maxReference', maxReference, 1, 1e6, true);
  if (!(topK >= 1)) throw new RangeError(`${op}: topK must be >= 1, got ${topK}`);
  const groups = resolveGroups(op, features, options.featureNames, options.groups);
  const F = features;
  // Background rows: the medians, or a seeded sample of the reference rows.
  let bg: Float32Array, R: number;
  if (baseline === 'median') {
    bg = columnMedians(reference, referenceRows, F);
    R = 1;
  } else {
    R = Math.min(maxReference, referenceRows);
    const pick = R === referenceRows ? Int32Array.from({ length: R }, (_, i) => i) : new Rng(seed).choice(referenceRows, R, { replace: false });
    bg = new Float32Array(R * F);
    for (let i = 0; i < R; i++) bg.set(reference.subarray(pick[i] * F, pick[i] * F + F), i * F);
  }
  const p0 = options.probabilities ?? model.predictProba(x, rows);
  const C = p0.length / Math.max(1, rows);
  if (options.classIndex !== undefined) checkOption(op, 'classIndex', options.classIndex, 0, C - 1, true);
  const pred = argmaxRows(p0, C);
  const batch = new Float32Array(R * F);
  const out: RowExplanation[] = [];
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * F, r * F + F);
    const c = options.classIndex ?? pred[r];
    const p = p0[r * C + c];
    const contributions: Contribution[] = [];
    for (const g of groups) {
      for (let i = 0; i < R; i++) {
        batch.set(row, i * F);
        for (const f of g.features) batch[i * F + f] = bg[i * F + f];
      }
      const q = model.predictProba(batch, R);
      let mean = 0;
      for (let i = 0; i < R; i++) mean += q[i * C + c];
      mean /= R;
      contributions.push({ name: g.name, features: g.features, values: g.features.map((f) => row[f]), effect: p - mean });
    }
    contributions.sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect));
    out.push({ row: r, classIndex: c, probability: p, contributions: contributions.slice(0, Math.min(topK, contributions.length)) });
  }
  return out;
}

/** Options of `permutationImportance`. */
export interface PermutationOptions {
  /** The score whose drop is measured (default 'macroF1'); 'logLoss' is negated so higher is better. */
  readonly metric?: 'accuracy' | 'macroF1' | 'logLoss';
  /** Shuffles per group (default 5). */
  readonly repeats?: number;
  /** Groups permuted together (default `groupFeatures(ds.featureNames)`). */
  readonly groups?: readonly ColumnGroup[];
  readonly seed?: number;
}

/** One group's permutation importance. */
export interface Importance {
  readonly name: string;
  readonly features: readonly number[];
  /** Mean and sample std over repeats of (score on intact rows − score with the group's columns shuffled). */
  readonly mean: number;
  readonly std: number;
}

/**
 * Permutation importance (Breiman 2001): the drop in a score when a group's columns are shuffled
 * across rows (jointly, with one permutation, so a group's columns stay consistent with each
 * other), averaged over `repeats`. Pass held-out rows: on training rows it measures what the
 * model memorised. Sorted by mean drop, largest first.
 *
 * ```ts
 * const imp = permutationImportance(model, test, { metric: 'macroF1', repeats: 5, seed: 1 });
 * imp[0]; // { name: 'timbre_mean_1', mean: 0.08, std: 0.01, … }
 * ```
 */
export function permutationImportance(model: Classifier, ds: Dataset, options: PermutationOptions = {}): Importance[] {
  const op = 'permutationImportance';
  const { metric = 'macroF1', repeats = 5, seed = 0 } = options;
  checkMatrix(op, ds.x, ds.rows, ds.features);
  checkOption(op, 'repeats', repeats, 1, 1e4, true);
  if (!['accuracy', 'macroF1', 'logLoss'].includes(metric)) throw new RangeError(`${op}: metric must be accuracy, macroF1 or logLoss, got ${metric}`);
  const groups = resolveGroups(op, ds.features, ds.featureNames, options.groups);
  const K = ds.classes,
    n = ds.rows,
    F = ds.features;
  const score = (x: Float32Array): number => {
    const p = model.predictProba(x, n);
    if (metric === 'logLoss') return -logLoss(ds.y, p, K);
    const pred = argmaxRows(p, K);
    return metric === 'accuracy' ? accuracy(ds.y, pred) : macroF1(ds.y, pred, K);
  };
  const base = score(ds.x);
  const rng = new Rng(seed);
  const xs = new Float32Array(ds.x.length);
  const out: Importance[] = [];
  for (const g of groups) {
    const drops: number[] = [];
    for (let rep = 0; rep < repeats; rep++) {
      const perm = rng.permutation(n);
      xs.set(ds.x);
      for (let i = 0; i < n; i++) for (const f of g.features) xs[i * F + f] = ds.x[perm[i] * F + f];
      drops.push(base - score(xs));
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const std = repeats > 1 ? Math.sqrt(drops.reduce((a, d) => a + (d - mean) ** 2, 0) / (repeats - 1)) : 0;
    out.push({ name: g.name, features: g.features, mean, std });
  }
  return out.sort((a, b) => b.mean - a.mean);
}

function resolveGroups(op: string, F: number, names: readonly string[] | undefined, groups: readonly ColumnGroup[] | undefined): readonly ColumnGroup[] {
  if (names !== undefined && names.length !== F) throw new RangeError(`${op}: ${names.length} feature names for ${F} features`);
  const list = groups ?? groupFeatures(names ?? Array.from({ length: F }, (_, f) => `f${f}`));
  for (const g of list) {
    if (g.features.length === 0) throw new RangeError(`${op}: group "${g.name}" has no features`);
    for (const f of g.features)
      if (!Number.isInteger(f) || f < 0 || f >= F) throw new RangeError(`${op}: group "${g.name}" names column ${f}, outside [0, ${F})`);
  }
  return list;
}

/** Per-column medians of x [rows, F] as one row (NaN entries ignored; an all-NaN column gives 0). */
function columnMedians(x: Float32Array, rows: number, F: number): Float32Array {
  const out = new Float32Array(F);
  const col = new Float64Array(rows);
  for (let f = 0; f < F; f++) {
    let m = 0;
    for (let r = 0; r < rows; r++) {
      const v = x[r * F + f];
      if (!Number.isNaN(v)) col[m++] = v;
    }
    out[f] = m === 0 ? 0 : medianOf(col.subarray(0, m).slice().sort());
  }
  return out;
}
