import { describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import { accuracy, argmaxRows, balancedAccuracy, confusionMatrix, evaluatePredictions, logLoss, macroF1, majorityBaseline } from '../src/ml/metrics.js';
import { formatMeanStd, meanStd, summarizeRuns } from '../src/ml/summary.js';

// Worked by hand: y_true = [0,0,0,1,1,2], y_pred = [0,0,1,1,2,2].
// class 0: tp 2, pred 2, true 3 -> P 1, R 2/3, F1 0.8
// class 1: tp 1, pred 2, true 2 -> P 0.5, R 0.5, F1 0.5
// class 2: tp 1, pred 2, true 1 -> P 0.5, R 1, F1 2/3
const yt = [0, 0, 0, 1, 1, 2],
  yp = [0, 0, 1, 1, 2, 2];

/** Independent per-class F1 straight from the arrays (no confusion matrix). */
function f1Direct(t: ArrayLike<number>, p: ArrayLike<number>, c: number): number {
  let tp = 0,
    fp = 0,
    fn = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === c && p[i] === c) tp++;
    else if (p[i] === c) fp++;
    else if (t[i] === c) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

describe('classification metrics', () => {
  it('match a hand-worked example', () => {
    expect(confusionMatrix(yt, yp, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(accuracy(yt, yp)).toBeCloseTo(4 / 6, 12);
    expect(balancedAccuracy(yt, yp, 3)).toBeCloseTo((2 / 3 + 0.5 + 1) / 3, 12);
    expect(macroF1(yt, yp, 3)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    const m = evaluatePredictions(yt, yp, 3);
    expect(m.perClass[0]).toEqual({ precision: 1, recall: 2 / 3, f1: expect.closeTo(0.8, 12), support: 3 });
    expect(m.perClass[2].precision).toBe(0.5);
    expect(m.weightedF1).toBeCloseTo((0.8 * 3 + 0.5 * 2 + (2 / 3) * 1) / 6, 12);
  });

  it('macro-F1 skips classes absent from both y_true and y_pred (sklearn convention), counts predicted-only ones', () => {
    // Class 3 never occurs: ignored. Class 2 is only predicted: F1 0, counted.
    const m = evaluatePredictions([0, 0, 1, 1], [0, 2, 1, 1], 4);
    const f0 = 2 / 3,
      f1 = 1,
      f2 = 0;
    expect(m.macroF1).toBeCloseTo((f0 + f1 + f2) / 3, 12);
    expect(m.balancedAccuracy).toBeCloseTo((0.5 + 1) / 2, 12);
  });

  it('agree with a direct count on random predictions', () => {
    const rng = new Rng(5);
    const C = 7,
      n = 500;
    const t = Int32Array.from({ length: n }, () => rng.int(C));
    const p = Int32Array.from({ length: n }, (_, i) => (rng.uniform() < 0.4 ? t[i] : rng.int(C)));
    const m = evaluatePredictions(t, p, C);
    let f = 0;
    for (let c = 0; c < C; c++) {
      expect(m.perClass[c].f1).toBeCloseTo(f1Direct(t, p, c), 12);
      f += f1Direct(t, p, c);
    }
    expect(m.macroF1).toBeCloseTo(f / C, 12);
    const cm = m.confusion;
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('majority baseline predicts the most frequent training class', () => {
    const b = majorityBaseline([2, 2, 1, 0, 2], [0, 2, 2, 1], 3);
    expect(b.predictedClass).toBe(2);
    expect(b.accuracy).toBe(0.5);
    expect(b.macroF1).toBeCloseTo(2 / 3 / 3, 12); // F1 of class 2 = 2·0.5·1/1.5, classes 0 and 1 score 0
    expect(b.balancedAccuracy).toBeCloseTo(1 / 3, 12);
  });

  it('argmax and log-loss', () => {
    expect(Array.from(argmaxRows([0.1, 0.9, 0.7, 0.3, 0.5, 0.5], 2))).toEqual([1, 0, 0]);
    expect(logLoss([1, 0], [0.2, 0.8, 0.6, 0.4], 2)).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(() => argmaxRows([1, 2, 3], 2)).toThrow(/not a whole number of rows/);
  });

  it('reject mismatched or out-of-range labels', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/yTrue has 2 rows but yPred has 1/);
    expect(() => confusionMatrix([0, 3], [0, 1], 2)).toThrow(/yTrue\[1\]=3/);
    expect(() => evaluatePredictions([0], [-1], 2)).toThrow(/yPred\[0\]=-1/);
  });
});

describe('meanStd', () => {
  it('uses the sample standard deviation', () => {
    const m = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(m.mean).toBe(5);
    expect(m.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(meanStd([3]).std).toBe(0);
    expect(formatMeanStd(meanStd([0.61, 0.63]))).toBe('62.0 ± 1.4');
    expect(() => meanStd([])).toThrow(/no values/);
    expect(() => meanStd([1, NaN])).toThrow(/values\[1\]=NaN/);
  });

  it('summarizes runs key by key', () => {
    const s = summarizeRuns([
      { accuracy: 0.6, macroF1: 0.2 },
      { accuracy: 0.62, macroF1: 0.3 },
    ]);
    expect(s.accuracy.mean).toBeCloseTo(0.61, 12);
    expect(s.macroF1.std).toBeCloseTo(Math.sqrt(0.005), 12);
  });
});
