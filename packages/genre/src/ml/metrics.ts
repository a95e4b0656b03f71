// Classification metrics over integer class ids: confusion matrix, accuracy, balanced accuracy,
// macro-F1 and per-class precision/recall/F1, with scikit-learn's conventions (a 0/0 ratio is 0;
// macro averages run over the classes present in y_true or y_pred).

/** Precision, recall, F1 and support (rows of that true class) of one class. */
export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** Everything `evaluatePredictions` measures. */
export interface ClassificationMetrics {
  readonly rows: number;
  readonly accuracy: number;
  /** Mean recall over classes present in y_true (sklearn's balanced_accuracy_score). */
  readonly balancedAccuracy: number;
  /** Unweighted mean F1 over classes present in y_true or y_pred (sklearn's f1_score average='macro'). */
  readonly macroF1: number;
  /** Support-weighted mean F1. */
  readonly weightedF1: number;
  readonly perClass: readonly ClassScores[];
  /** confusion[t][p] = rows of true class t predicted as p. */
  readonly confusion: readonly (readonly number[])[];
}

function checkPair(op: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): void {
  if (yTrue.length !== yPred.length) throw new RangeError(`${op}: yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`);
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`${op}: classes must be a positive integer, got ${classes}`);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i],
      p = yPred[i];
    if (!Number.isInteger(t) || t < 0 || t >= classes) throw new RangeError(`${op}: yTrue[${i}]=${t} is not a class id in [0, ${classes})`);
    if (!Number.isInteger(p) || p < 0 || p >= classes) throw new RangeError(`${op}: yPred[${i}]=${p} is not a class id in [0, ${classes})`);
  }
}

/**
 * Confusion matrix: `m[t][p]` counts rows with true class t predicted as p.
 *
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): number[][] {
  checkPair('confusionMatrix', yTrue, yPred, classes);
  const m: number[][] = [];
  for (let c = 0; c < classes; c++) m.push(new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]]++;
  return m;
}

/** Fraction of rows predicted correctly (NaN for zero rows). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) throw new RangeError(`accuracy: yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`);
  if (yTrue.length === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Per-class precision/recall/F1/support from a confusion matrix. */
export function perClassScores(confusion: readonly (readonly number[])[]): ClassScores[] {
  const C = confusion.length;
  const out: ClassScores[] = [];
  for (let c = 0; c < C; c++) {
    const tp = confusion[c][c];
    let predicted = 0,
      actual = 0;
    for (let k = 0; k < C; k++) {
      predicted += confusion[k][c];
      actual += confusion[c][k];
    }
    const precision = ratio(tp, predicted),
      recall = ratio(tp, actual);
    out.push({ precision, recall, f1: ratio(2 * precision * recall, precision + recall), support: actual });
  }
  return out;
}

/** Mean recall over the classes that occur in yTrue (sklearn's balanced_accuracy_score). */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): number {
  return summarize(confusionMatrix(yTrue, yPred, classes)).balancedAccuracy;
}

/** Macro-averaged F1 over classes present in yTrue or yPred (sklearn's default for average='macro'). */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): number {
  return summarize(confusionMatrix(yTrue, yPred, classes)).macroF1;
}

function summarize(confusion: number[][]): ClassificationMetrics {
  const C = confusion.length;
  const perClass = perClassScores(confusion);
  let rows = 0,
    correct = 0;
  for (let t = 0; t < C; t++)
    for (let p = 0; p < C; p++) {
      rows += confusion[t][p];
      if (t === p) correct += confusion[t][p];
    }
  let recallSum = 0,
    recallN = 0,
    f1Sum = 0,
    f1N = 0,
    wf1 = 0;
  for (let c = 0; c < C; c++) {
    let predicted = 0;
    for (let k = 0; k < C; k++) predicted += confusion[k][c];
    const s = perClass[c];
    if (s.support > 0) {
      recallSum += s.recall;
      recallN++;
    }
    if (s.support > 0 || predicted > 0) {
      f1Sum += s.f1;
      f1N++;
    }
    wf1 += s.f1 * s.support;
  }
  return {
    rows,
    accuracy: rows === 0 ? NaN : correct / rows,
    balancedAccuracy: recallN === 0 ? NaN : recallSum / recallN,
    macroF1: f1N === 0 ? NaN : f1Sum / f1N,
    weightedF1: rows === 0 ? NaN : wf1 / rows,
    perClass,
    confusion,
  };
}

/**
 * All metrics at once.
 *
 * ```ts
 * const m = evaluatePredictions(test.y, argmaxRows(model.predictProba(test.x, test.rows), test.classes), test.classes);
 * console.log(m.accuracy, m.macroF1);
 * ```
 */
export function evaluatePredictions(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): ClassificationMetrics {
  return summarize(confusionMatrix(yTrue, yPred, classes));
}

/**
 * The arg-max of each row of a row-major [rows, classes] matrix (first index on ties).
 *
 * ```ts
 * argmaxRows(new Float32Array([0.1, 0.9, 0.7, 0.3]), 2); // Int32Array [1, 0]
 * ```
 */
export function argmaxRows(scores: ArrayLike<number>, classes: number): Int32Array {
  if (scores.length % classes !== 0) throw new RangeError(`argmaxRows: ${scores.length} values are not a whole number of rows of ${classes}`);
  const rows = scores.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let best = 0,
      bestV = scores[o];
    for (let c = 1; c < classes; c++)
      if (scores[o + c] > bestV) {
        bestV = scores[o + c];
        best = c;
      }
    out[r] = best;
  }
  return out;
}

/**
 * Mean negative log-likelihood of the true classes under row-major probabilities
 * (probabilities clipped to [1e-15, 1], as sklearn's log_loss does).
 */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, classes: number): number {
  if (proba.length !== yTrue.length * classes) {
    throw new RangeError(`logLoss: proba has ${proba.length} values, expected rows*classes = ${yTrue.length}*${classes}`);
  }
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s -= Math.log(Math.min(1, Math.max(1e-15, proba[i * classes + yTrue[i]])));
  return yTrue.length === 0 ? NaN : s / yTrue.length;
}

/** The most frequent class of `y` (lowest id on ties). */
export function majorityClass(y: ArrayLike<number>, classes: number): number {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  let best = 0;
  for (let c = 1; c < classes; c++) if (counts[c] > counts[best]) best = c;
  return best;
}

/**
 * The majority-class baseline: always predict the most frequent class of `yTrain`, scored on `yTest`.
 *
 * ```ts
 * const base = majorityBaseline(train.y, test.y, classes); // base.accuracy, base.macroF1
 * ```
 */
export function majorityBaseline(
  yTrain: ArrayLike<number>,
  yTest: ArrayLike<number>,
  classes: number,
): ClassificationMetrics & { readonly predictedClass: number } {
  const c = majorityClass(yTrain, classes);
  const pred = new Int32Array(yTest.length).fill(c);
  return { ...evaluatePredictions(yTest, pred, classes), predictedClass: c };
}
