// Probability calibration: temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural
// Networks") fitted on out-of-fold probabilities, the expected calibration error over equal-width
// confidence bins, and a wrapper that applies a temperature to any classifier's probabilities.
// Probabilities are row-major [rows, classes]; logits are taken as log p (softmax is shift-invariant).

import type { Classifier, Dataset, ModelState, TrainHistory } from './types.js';
import { checkOption } from './common.js';

/** Bins of the expected calibration error unless stated: 15 equal-width bins, as Guo et al. use. */
export const ECE_BINS = 15;

/** Probabilities below this are clipped before the log, so a 0 from a tree model stays finite. */
const P_MIN = 1e-12;

function checkProba(op: string, proba: ArrayLike<number>, y: ArrayLike<number>, classes: number): void {
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`${op}: classes must be an integer >= 2, got ${classes}`);
  if (proba.length !== y.length * classes) {
    throw new RangeError(`${op}: proba has ${proba.length} values, expected rows*classes = ${y.length}*${classes}`);
  }
  if (y.length === 0) throw new RangeError(`${op}: no rows`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= classes) throw new RangeError(`${op}: y[${i}]=${y[i]} is not a class id in [0, ${classes})`);
  }
  for (let j = 0; j < proba.length; j++) {
    if (!(proba[j] >= 0) || !Number.isFinite(proba[j]))
      throw new RangeError(`${op}: proba[${j}]=${proba[j]} is not a probability (row ${Math.floor(j / classes)})`);
  }
}

/**
 * softmax(log p / T) per row: T > 1 softens (less confident), T < 1 sharpens; T = 1 returns p
 * renormalised. Returns a new array.
 *
 * ```ts
 * applyTemperature(new Float32Array([0.9, 0.1]), 2, 2); // ≈ [0.75, 0.25]
 * ```
 */
export function applyTemperature(proba: ArrayLike<number>, classes: number, temperature: number): Float32Array {
  checkOption('applyTemperature', 'temperature', temperature, 1e-6, 1e6);
  if (proba.length % classes !== 0) throw new RangeError(`applyTemperature: ${proba.length} values are not a whole number of rows of ${classes}`);
  const rows = proba.length / classes,
    inv = 1 / temperature;
  const out = new Float32Array(proba.length);
  const z = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let m = -Infinity;
    for (let c = 0; c < classes; c++) {
      z[c] = Math.log(Math.max(P_MIN, proba[o + c])) * inv;
      if (z[c] > m) m = z[c];
    }
    let s = 0;
    for (let c = 0; c < classes; c++) {
      z[c] = Math.exp(z[c] - m);
      s += z[c];
    }
    for (let c = 0; c < classes; c++) out[o + c] = z[c] / s;
  }
  return out;
}

/** Mean negative log-likelihood of softmax(log p / T) at the true classes (float64, no allocation). */
function temperedNll(logp: Float64Array, y: ArrayLike<number>, classes: number, temperature: number): number {
  const rows = y.length,
    inv = 1 / temperature;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let m = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = logp[o + c] * inv;
      if (v > m) m = v;
    }
    let s = 0;
    for (let c = 0; c < classes; c++) s += Math.exp(logp[o + c] * inv - m);
    total += Math.log(s) + m - logp[o + y[r]] * inv;
  }
  return total / rows;
}

/** Options of `fitTemperature`. */
export interface TemperatureOptions {
  /** Search interval of T (default [0.05, 20]); the optimum is clamped to it. */
  readonly min?: number;
  readonly max?: number;
}

/**
 * The temperature T > 0 that minimises the negative log-likelihood of softmax(log p / T) on
 * held-out probabilities — pass out-of-fold predictions, never the rows the model was fitted on.
 * The NLL is convex in 1/T, hence unimodal in log T: a golden-section search on log T finds it
 * (to a relative precision of about 1e-6).
 *
 * ```ts
 * const T = fitTemperature(cv.proba, ds.y, ds.classes); // e.g. 1.6 for an over-confident model
 * const calibrated = applyTemperature(testProba, ds.classes, T);
 * ```
 */
export function fitTemperature(proba: ArrayLike<number>, y: ArrayLike<number>, classes: number, options: TemperatureOptions = {}): number {
  checkProba('fitTemperature', proba, y, classes);
  const { min = 0.05, max = 20 } = options;
  if (!(min > 0 && max > min && Number.isFinite(max))) throw new RangeError(`fitTemperature: need 0 < min < max < Infinity, got min ${min}, max ${max}`);
  const logp = new Float64Array(proba.length);
  for (let j = 0; j < proba.length; j++) logp[j] = Math.log(Math.max(P_MIN, proba[j]));
  const f = (u: number): number => temperedNll(logp, y, classes, Math.exp(u));
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(min),
    b = Math.log(max);
  let c = b - phi * (b - a),
    d = a + phi * (b - a);
  let fc = f(c),
    fd = f(d);
  while (b - a > 1e-6) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** One confidence bin of a reliability diagram. */
export interface CalibrationBin {
  /** The bin covers confidences in (lo, hi] (the first bin also takes 0). */
  readonly lo: number;
  readonly hi: number;
  /** Rows whose top probability falls in the bin. */
  readonly count: number;
  /** Mean top probability of those rows (NaN for an empty bin). */
  readonly confidence: number;
  /** Fraction of those rows whose top class is the true class (NaN for an empty bin). */
  readonly accuracy: number;
}

/**
 * The reliability diagram: rows binned by confidence (their top probability) into `bins`
 * equal-width bins over [0, 1], with each bin's mean confidence and accuracy.
 *
 * ```ts
 * for (const b of calibrationBins(proba, y, classes)) console.log(b.hi, b.confidence, b.accuracy);
 * ```
 */
export function calibrationBins(proba: ArrayLike<number>, y: ArrayLike<number>, classes: number, bins = ECE_BINS): CalibrationBin[] {
  checkProba('calibrationBins', proba, y, classes);
  checkOption('calibrationBins', 'bins', bins, 1, 1e6, true);
  const count = new Float64Array(bins),
    conf = new Float64Array(bins),
    hit = new Float64Array(bins);
  for (let r = 0; r < y.length; r++) {
    const o = r * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (proba[o + c] > proba[o + best]) best = c;
    const p = proba[o + best];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1)); // (b/bins, (b+1)/bins]
    count[b]++;
    conf[b] += p;
    if (best === y[r]) hit[b]++;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    out.push({
      lo: b / bins,
      hi: (b + 1) / bins,
      count: count[b],
      confidence: count[b] > 0 ? conf[b] / count[b] : NaN,
      accuracy: count[b] > 0 ? hit[b] / count[b] : NaN,
    });
  }
  return out;
}

/**
 * Expected calibration error: Σ_bins (rows in bin / rows) · |accuracy − mean confidence| over
 * `bins` equal-width confidence bins (default 15); 0 = perfectly calibrated. The top class's
 * probability is the confidence; ties go to the lowest class id.
 *
 * ```ts
 * expectedCalibrationError(new Float32Array([0.9, 0.1, 0.6, 0.4]), new Int32Array([0, 1]), 2); // (|1−0.9| + |0−0.6|) / 2 = 0.35
 * ```
 */
export function expectedCalibrationError(proba: ArrayLike<number>, y: ArrayLike<number>, classes: number, bins = ECE_BINS): number {
  let ece = 0;
  for (const b of calibrationBins(proba, y, classes, bins)) if (b.count > 0) ece += (b.count / y.length) * Math.abs(b.accuracy - b.confidence);
  return ece;
}

/**
 * Any classifier with a temperature applied to its probabilities: `predictProba` returns
 * softmax(log p / T) of the wrapped model's p. The arg-max (the predicted class) never changes.
 * `fit` fits the wrapped model and keeps T: fit T with `fitTemperature` on out-of-fold
 * probabilities of the same recipe. `toState()` nests the wrapped model's state; `restoreModel`
 * reads it back.
 *
 * ```ts
 * const T = fitTemperature(cv.proba, ds.y, ds.classes);
 * const model = new CalibratedClassifier(createModel('gbdt', {}, 1), T);
 * model.fit(train, valid);
 * ```
 */
export class CalibratedClassifier implements Classifier {
  readonly kind = 'calibrated';
  readonly base: Classifier;
  readonly temperature: number;
  /** The wrapped model, as a one-member list, so code that looks into ensembles finds its shape. */
  readonly members: readonly Classifier[];

  constructor(base: Classifier, temperature: number) {
    checkOption('CalibratedClassifier', 'temperature', temperature, 1e-6, 1e6);
    this.base = base;
    this.temperature = temperature;
    this.members = [base];
  }

  fit(train: Dataset, valid?: Dataset): TrainHistory | void {
    return this.base.fit(train, valid);
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    const p = this.base.predictProba(x, rows);
    if (rows === 0) return p;
    return applyTemperature(p, p.length / rows, this.temperature);
  }

  /** `{ kind: 'calibrated', temperature, base: <the wrapped model's state> }`. */
  toState(): ModelState {
    if (typeof this.base.toState !== 'function')
      throw new TypeError(`CalibratedClassifier.toState: the wrapped model ("${this.base.kind}") cannot be saved (it has no toState)`);
    return { kind: this.kind, temperature: this.temperature, base: this.base.toState() };
  }
}
