// Ensembles over any Classifier: probability averaging (soft voting), bagging (bootstrap + seeds),
// seed ensembles, and blends whose weights are chosen on the validation set. Members are made by
// seeded factories, so an ensemble is as reproducible as its members.

import { Rng } from '@timbre/tensor';
import type { Classifier, Dataset, ModelState, TrainHistory } from './types.js';
import { argmaxRows, logLoss, macroF1 } from './metrics.js';
import { checkDataset, checkMatrix, checkOption, subsetRows, type ClassifierFactory } from './common.js';

/** Weighted average of member probabilities; weights are normalised to sum 1. */
export function averageProba(members: readonly Classifier[], weights: readonly number[] | null, x: Float32Array, rows: number): Float32Array {
  if (members.length === 0) throw new RangeError('averageProba: no members');
  let out: Float64Array | null = null;
  let wSum = 0;
  for (let m = 0; m < members.length; m++) {
    const w = weights === null ? 1 : weights[m];
    if (w === 0) continue;
    const p = members[m].predictProba(x, rows);
    if (out === null) out = new Float64Array(p.length);
    else if (p.length !== out.length) {
      throw new RangeError(`averageProba: member ${m} (${members[m].kind}) returned ${p.length} values, member 0 returned ${out.length}`);
    }
    for (let j = 0; j < p.length; j++) out[j] += w * p[j];
    wSum += w;
  }
  if (out === null || !(wSum > 0)) throw new RangeError('averageProba: all weights are zero');
  const res = new Float32Array(out.length);
  for (let j = 0; j < out.length; j++) res[j] = out[j] / wSum;
  return res;
}

function checkWeights(op: string, weights: readonly number[] | null, n: number): void {
  if (weights === null) return;
  if (weights.length !== n) throw new RangeError(`${op}: ${weights.length} weights for ${n} members`);
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (!(weights[i] >= 0) || !Number.isFinite(weights[i])) throw new RangeError(`${op}: weight ${i} is ${weights[i]}; must be finite and >= 0`);
    s += weights[i];
  }
  if (!(s > 0)) throw new RangeError(`${op}: weights sum to 0`);
}

/** The states of an ensemble's members (each must have `toState`). */
export function memberStates(kind: string, members: readonly Classifier[]): ModelState[] {
  if (members.length === 0) throw new Error(`${kind}.toState: the ensemble is not fitted`);
  return members.map((m, i) => {
    if (typeof m.toState !== 'function') throw new TypeError(`${kind}.toState: member ${i} ("${m.kind}") cannot be saved (it has no toState)`);
    return m.toState();
  });
}

/**
 * Soft voting: fits every member on the same data and averages their probabilities
 * (optionally weighted).
 *
 * ```ts
 * const vote = new VotingClassifier([new LogisticRegression(), new GBDT({ seed: 1 })], { weights: [1, 2] });
 * vote.fit(train, valid);
 * ```
 */
export class VotingClassifier implements Classifier {
  readonly kind: string = 'voting';
  readonly members: Classifier[];
  weights: number[] | null;

  constructor(members: Classifier[], options: { weights?: number[] | null } = {}) {
    if (members.length === 0) throw new RangeError('VotingClassifier: needs at least one member');
    checkWeights('VotingClassifier', options.weights ?? null, members.length);
    this.members = members;
    this.weights = options.weights ?? null;
  }

  fit(train: Dataset, valid?: Dataset): TrainHistory | void {
    checkDataset(`${this.kind}.fit`, train);
    for (const m of this.members) m.fit(train, valid);
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    return averageProba(this.members, this.weights, x, rows);
  }

  /** Members' states and the mixture weights. */
  toState(): ModelState {
    return { kind: this.kind, weights: this.weights, members: memberStates(this.kind, this.members) };
  }
}

/** Options of {@link BlendClassifier}: fixed member weights, or the grid step and criterion of the validation search for them. */
export interface BlendOptions {
  /** Fixed weights, or null to choose them on the validation set (default null). */
  weights?: number[] | null;
  /** Grid step of the weight search on the simplex (default 0.1). */
  step?: number;
  /** What the weight search maximises on validation (default 'macroF1'; ties go to lower log-loss). */
  criterion?: 'macroF1' | 'logLoss';
}

/**
 * A blend of different models (e.g. an MLP and GBDT): members are fitted on the training set,
 * then the mixture weights are chosen by grid search on the simplex to do best on `valid`.
 * Without `valid` (or with fixed weights) it is plain soft voting.
 *
 * ```ts
 * const blend = new BlendClassifier([mlp, new GBDT({ seed: 1 })]);
 * blend.fit(train, valid); // blend.weights now holds the chosen mixture
 * ```
 */
export class BlendClassifier extends VotingClassifier {
  override readonly kind: string = 'blend';
  readonly fixed: boolean;
  readonly step: number;
  readonly criterion: 'macroF1' | 'logLoss';

  constructor(members: Classifier[], options: BlendOptions = {}) {
    super(members, { weights: options.weights ?? null });
    this.fixed = options.weights != null;
    this.step = options.step ?? 0.1;
    this.criterion = options.criterion ?? 'macroF1';
    checkOption('BlendClassifier', 'step', this.step, 1e-3, 1);
    if (members.length > 4 && this.step < 0.1) throw new RangeError('BlendClassifier: weight grid too large; use step >= 0.1 for more than 4 members');
  }

  override fit(train: Dataset, valid?: Dataset): void {
    super.fit(train, valid);
    if (this.fixed || valid === undefined) return;
    const probs = this.members.map((m) => m.predictProba(valid.x, valid.rows));
    const K = valid.classes,
      n = valid.rows,
      M = this.members.length;
    const steps = Math.round(1 / this.step);
    const mix = new Float32Array(n * K);
    let best: { w: number[]; f1: number; ll: number } | null = null;
    // enumerate integer compositions of `steps` into M parts
    const w = new Array<number>(M).fill(0);
    const visit = (i: number, left: number): void => {
      if (i === M - 1) {
        w[i] = left;
        mix.fill(0);
        for (let m = 0; m < M; m++) {
          if (w[m] === 0) continue;
          const p = probs[m],
            a = w[m] / steps;
          for (let j = 0; j < mix.length; j++) mix[j] += a * p[j];
        }
        const f1 = macroF1(valid.y, argmaxRows(mix, K), K),
          ll = logLoss(valid.y, mix, K);
        const better =
          best === null || (this.criterion === 'macroF1' ? f1 > best.f1 + 1e-12 || (Math.abs(f1 - best.f1) <= 1e-12 && ll < best.ll) : ll < best.ll);
        if (better) best = { w: w.map((v) => v / steps), f1, ll };
        return;
      }
      for (let v = 0; v <= left; v++) {
        w[i] = v;
        visit(i + 1, left - v);
      }
    };
    visit(0, steps);
    this.weights = best!.w;
  }
}

/** Options of {@link BaggingClassifier}: members, bootstrap size, whether to resample whole groups, and seed. */
export interface BaggingOptions {
  /** Members (default 10). */
  nEstimators?: number;
  /** Bootstrap size as a fraction of the training rows (default 1). */
  maxSamples?: number;
  /** Resample whole groups (artists) instead of rows when the dataset has groups (default true). */
  byGroup?: boolean;
  seed?: number;
}

/**
 * Bagging (Breiman 1996): member m is `factory(seed_m)` fitted on a bootstrap sample; predictions
 * are averaged probabilities. With artist groups, whole artists are resampled (default), so the
 * out-of-bag rows are unseen artists.
 *
 * ```ts
 * const bag = new BaggingClassifier((seed) => new GBDT({ seed }), { nEstimators: 10, seed: 1 });
 * bag.fit(train, valid);
 * ```
 */
export class BaggingClassifier implements Classifier {
  readonly kind = 'bagging';
  readonly factory: ClassifierFactory;
  readonly nEstimators: number;
  readonly maxSamples: number;
  readonly byGroup: boolean;
  readonly seed: number;
  members: Classifier[] = [];

  constructor(factory: ClassifierFactory, options: BaggingOptions = {}) {
    this.factory = factory;
    this.nEstimators = options.nEstimators ?? 10;
    this.maxSamples = options.maxSamples ?? 1;
    this.byGroup = options.byGroup ?? true;
    this.seed = options.seed ?? 0;
    checkOption('BaggingClassifier', 'nEstimators', this.nEstimators, 1, 1e5, true);
    checkOption('BaggingClassifier', 'maxSamples', this.maxSamples, 1e-6, 10);
  }

  fit(train: Dataset, valid?: Dataset): void {
    checkDataset('BaggingClassifier.fit', train);
    const rng = new Rng(this.seed);
    this.members = [];
    const n = train.rows;
    // groups → their rows, for group bootstrap
    let groupRows: number[][] | null = null;
    if (this.byGroup && train.groups !== undefined) {
      const byName = new Map<string, number[]>();
      groupRows = [];
      for (let i = 0; i < n; i++) {
        const g = train.groups[i];
        let list = g === '' ? undefined : byName.get(g);
        if (list === undefined) {
          list = [];
          groupRows.push(list);
          if (g !== '') byName.set(g, list);
        }
        list.push(i);
      }
    }
    const target = Math.max(1, Math.round(this.maxSamples * n));
    for (let m = 0; m < this.nEstimators; m++) {
      const idx: number[] = [];
      if (groupRows !== null) {
        while (idx.length < target) for (const r of groupRows[rng.int(groupRows.length)]) idx.push(r);
      } else {
        for (let i = 0; i < target; i++) idx.push(rng.int(n));
      }
      const model = this.factory(rng.int(2 ** 31));
      model.fit(subsetRows(train, idx), valid);
      this.members.push(model);
    }
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    if (this.members.length === 0) throw new Error('BaggingClassifier.predictProba: call fit() first');
    return averageProba(this.members, null, x, rows);
  }

  /** Members' states and the bagging options. */
  toState(): ModelState {
    return {
      kind: this.kind,
      options: { nEstimators: this.nEstimators, maxSamples: this.maxSamples, byGroup: this.byGroup, seed: this.seed },
      members: memberStates(this.kind, this.members),
    };
  }
}

/**
 * Seed ensemble: `factory(seed)` for each seed, all fitted on the same data; probabilities averaged.
 * (The cheapest ensemble of neural nets: only the initialisation and batch order differ.)
 *
 * ```ts
 * const ens = new SeedEnsemble((seed) => makeMlp(seed), { seeds: [1, 2, 3, 4, 5] });
 * ```
 */
export class SeedEnsemble implements Classifier {
  readonly kind = 'seed-ensemble';
  readonly factory: ClassifierFactory;
  readonly seeds: number[];
  members: Classifier[] = [];

  constructor(factory: ClassifierFactory, options: { seeds?: number[] } = {}) {
    this.factory = factory;
    this.seeds = options.seeds ?? [0, 1, 2, 3, 4];
    if (this.seeds.length === 0) throw new RangeError('SeedEnsemble: seeds is empty');
  }

  fit(train: Dataset, valid?: Dataset): void {
    checkDataset('SeedEnsemble.fit', train);
    this.members = this.seeds.map((s) => {
      const m = this.factory(s);
      m.fit(train, valid);
      return m;
    });
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    if (this.members.length === 0) throw new Error('SeedEnsemble.predictProba: call fit() first');
    return averageProba(this.members, null, x, rows);
  }

  /** Members' states and their seeds. */
  toState(): ModelState {
    return { kind: this.kind, seeds: this.seeds, members: memberStates(this.kind, this.members) };
  }
}

/** A model that can hand out snapshots of itself taken during one training run (e.g. per LR cycle). */
export interface SnapshotSource extends Classifier {
  /** Fits once and returns `count` classifiers frozen at evenly spaced points of the run. */
  fitSnapshots(train: Dataset, valid: Dataset | undefined, count: number): Classifier[];
}

/**
 * Snapshot ensemble (Huang et al. 2017): one training run, several frozen snapshots averaged.
 *
 * ```ts
 * const snap = new SnapshotEnsemble(mlpWithSnapshots, { count: 5 });
 * ```
 */
export class SnapshotEnsemble implements Classifier {
  readonly kind = 'snapshot';
  readonly source: SnapshotSource;
  readonly count: number;
  members: Classifier[] = [];

  constructor(source: SnapshotSource, options: { count?: number } = {}) {
    this.source = source;
    this.count = options.count ?? 5;
    checkOption('SnapshotEnsemble', 'count', this.count, 1, 1000, true);
  }

  fit(train: Dataset, valid?: Dataset): void {
    this.members = this.source.fitSnapshots(train, valid, this.count);
    if (this.members.length === 0) throw new Error('SnapshotEnsemble.fit: the source returned no snapshots');
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    if (this.members.length === 0) throw new Error('SnapshotEnsemble.predictProba: call fit() first');
    return averageProba(this.members, null, x, rows);
  }

  /** The snapshots' states. */
  toState(): ModelState {
    return { kind: this.kind, count: this.count, members: memberStates(this.kind, this.members) };
  }
}

/** Options of {@link SammeClassifier} (multi-class AdaBoost, SAMME): rounds, vote shrinkage and how sample weights reach members. */
export interface SammeOptions {
  /** Boosting rounds (default 10). */
  nEstimators?: number;
  /** Shrinks each member's vote α (default 1). */
  learningRate?: number;
  /**
   * How the sample weights reach a member: 'resample' draws a weighted bootstrap (works with any
   * Classifier, default); 'weights' passes `weights` on the dataset for members that honour it.
   */
  mode?: 'resample' | 'weights';
  seed?: number;
}

/**
 * SAMME (Zhu, Zou, Rosset & Hastie 2009): multiclass AdaBoost. Round m fits a member on the
 * weighted data, α_m = lr·(log((1-err)/err) + log(K-1)), misclassified rows are up-weighted by
 * exp(α_m). Prediction is the α-weighted vote; predictProba returns the normalised vote shares.
 *
 * ```ts
 * const boost = new SammeClassifier((seed) => makeMlp(seed), { nEstimators: 8, seed: 1 });
 * boost.fit(train, valid);
 * ```
 */
export class SammeClassifier implements Classifier {
  readonly kind = 'samme';
  readonly factory: ClassifierFactory;
  readonly nEstimators: number;
  readonly learningRate: number;
  readonly mode: 'resample' | 'weights';
  readonly seed: number;
  members: Classifier[] = [];
  alphas: number[] = [];
  classes = 0;
  /** Weighted training error of each round. */
  errors: number[] = [];

  constructor(factory: ClassifierFactory, options: SammeOptions = {}) {
    this.factory = factory;
    this.nEstimators = options.nEstimators ?? 10;
    this.learningRate = options.learningRate ?? 1;
    this.mode = options.mode ?? 'resample';
    this.seed = options.seed ?? 0;
    checkOption('SammeClassifier', 'nEstimators', this.nEstimators, 1, 1e5, true);
    checkOption('SammeClassifier', 'learningRate', this.learningRate, 1e-9, 100);
  }

  fit(train: Dataset, valid?: Dataset): void {
    checkDataset('SammeClassifier.fit', train);
    const { rows: n, classes: K } = train;
    const rng = new Rng(this.seed);
    const w = new Float64Array(n).fill(1 / n);
    this.members = [];
    this.alphas = [];
    this.errors = [];
    this.classes = K;
    for (let m = 0; m < this.nEstimators; m++) {
      const model = this.factory(rng.int(2 ** 31));
      if (this.mode === 'resample') {
        model.fit(subsetRows(train, rng.choice(n, n, { p: w })), valid);
      } else {
        const weights = new Float32Array(n);
        for (let i = 0; i < n; i++) weights[i] = w[i] * n; // mean 1
        model.fit({ ...train, weights }, valid);
      }
      const pred = argmaxRows(model.predictProba(train.x, n), K);
      let err = 0;
      for (let i = 0; i < n; i++) if (pred[i] !== train.y[i]) err += w[i];
      this.errors.push(err);
      if (err >= 1 - 1 / K) {
        // no better than chance: SAMME stops (keeps the member only if it is the first)
        if (this.members.length === 0) {
          this.members.push(model);
          this.alphas.push(1);
        }
        break;
      }
      const e = Math.max(err, 1e-10);
      const alpha = this.learningRate * (Math.log((1 - e) / e) + Math.log(K - 1));
      this.members.push(model);
      this.alphas.push(alpha);
      if (err <= 1e-10) break; // perfect fit: later rounds would see the same weights
      let s = 0;
      for (let i = 0; i < n; i++) {
        if (pred[i] !== train.y[i]) w[i] *= Math.exp(alpha);
        s += w[i];
      }
      for (let i = 0; i < n; i++) w[i] /= s;
    }
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    if (this.members.length === 0) throw new Error('SammeClassifier.predictProba: call fit() first');
    const K = this.classes;
    const votes = new Float64Array(rows * K);
    let aSum = 0;
    for (let m = 0; m < this.members.length; m++) {
      const p = this.members[m].predictProba(x, rows);
      checkMatrix('SammeClassifier.predictProba', p, rows, K);
      const pred = argmaxRows(p, K),
        a = this.alphas[m];
      // the hard vote, plus a tiny share of the member's probabilities to break exact ties
      for (let i = 0; i < rows; i++) {
        votes[i * K + pred[i]] += a;
        for (let k = 0; k < K; k++) votes[i * K + k] += 1e-6 * a * p[i * K + k];
      }
      aSum += a * (1 + 1e-6);
    }
    const out = new Float32Array(rows * K);
    for (let j = 0; j < out.length; j++) out[j] = votes[j] / aSum;
    return out;
  }

  /** Members' states with their vote weights. */
  toState(): ModelState {
    return {
      kind: this.kind,
      options: { nEstimators: this.nEstimators, learningRate: this.learningRate, mode: this.mode, seed: this.seed },
      classes: this.classes,
      alphas: this.alphas,
      members: memberStates(this.kind, this.members),
    };
  }
}
