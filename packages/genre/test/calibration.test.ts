// Temperature scaling, the expected calibration error and the calibrated-classifier wrapper.
import { describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import { applyTemperature, calibrationBins, CalibratedClassifier, expectedCalibrationError, fitTemperature } from '../src/ml/calibration.js';
import { LogisticRegression } from '../src/ml/logistic-regression.js';
import { restoreModel } from '../src/ml/model-state.js';
import { argmaxRows } from '../src/ml/metrics.js';

/**
 * Labels drawn from softmax(z) for random logits z, and the probabilities an over-confident model
 * would give: softmax(z · tTrue), whose ideal temperature is tTrue.
 */
function overConfident(rows: number, classes: number, tTrue: number, seed: number): { proba: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const proba = new Float32Array(rows * classes),
    y = new Int32Array(rows);
  const z = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < classes; c++) z[c] = 1.5 * rng.normal();
    let m = -Infinity;
    for (let c = 0; c < classes; c++) m = Math.max(m, z[c]);
    let s = 0,
      sSharp = 0;
    for (let c = 0; c < classes; c++) {
      s += Math.exp(z[c] - m);
      sSharp += Math.exp(tTrue * (z[c] - m));
    }
    let u = rng.uniform(),
      label = classes - 1;
    for (let c = 0; c < classes; c++) {
      u -= Math.exp(z[c] - m) / s;
      if (u < 0) {
        label = c;
        break;
      }
    }
    y[r] = label;
    for (let c = 0; c < classes; c++) proba[r * classes + c] = Math.exp(tTrue * (z[c] - m)) / sSharp;
  }
  return { proba, y };
}

describe('temperature scaling', () => {
  it('recovers a known temperature, above and below 1', () => {
    for (const t of [2.5, 0.5]) {
      const { proba, y } = overConfident(6000, 4, t, 11);
      expect(fitTemperature(proba, y, 4)).toBeCloseTo(t, 0);
      expect(Math.abs(fitTemperature(proba, y, 4) - t) / t).toBeLessThan(0.08);
    }
  });

  it('T = 1 leaves probabilities unchanged; T > 1 softens without changing the arg-max', () => {
    const p = new Float32Array([0.7, 0.2, 0.1, 0.05, 0.15, 0.8]);
    expect(Array.from(applyTemperature(p, 3, 1))).toEqual(Array.from(p).map((v) => expect.closeTo(v, 6)));
    const soft = applyTemperature(p, 3, 3);
    expect(soft[0]).toBeLessThan(0.7);
    expect(soft[0]).toBeCloseTo(0.7 ** (1 / 3) / (0.7 ** (1 / 3) + 0.2 ** (1 / 3) + 0.1 ** (1 / 3)), 6);
    expect(Array.from(argmaxRows(soft, 3))).toEqual([0, 2]);
  });

  it('rejects bad input with the function name', () => {
    expect(() => fitTemperature(new Float32Array([0.5, 0.5]), new Int32Array([2]), 2)).toThrow(/fitTemperature: y\[0\]=2/);
    expect(() => fitTemperature(new Float32Array(3), new Int32Array(1), 2)).toThrow(/fitTemperature: proba has 3 values/);
    expect(() => applyTemperature(new Float32Array(2), 2, 0)).toThrow(/applyTemperature: temperature/);
  });
});

describe('expected calibration error', () => {
  it('matches a hand computation (15 bins, (lo, hi] edges)', () => {
    // confidences 0.9 (right), 0.9 (wrong), 0.6 (right), 0.5 (wrong) over 2 classes; 0.9 → bin (13/15, 14/15]
    const proba = new Float32Array([0.9, 0.1, 0.1, 0.9, 0.6, 0.4, 0.5, 0.5]);
    const y = new Int32Array([0, 0, 0, 1]);
    // bins: {0.9 right, 0.9 wrong} acc 0.5 conf 0.9; {0.6 right} acc 1 conf 0.6; {0.5 (class 0 on the tie) wrong} acc 0 conf 0.5
    const hand = (2 / 4) * Math.abs(0.5 - 0.9) + (1 / 4) * Math.abs(1 - 0.6) + (1 / 4) * Math.abs(0 - 0.5);
    expect(expectedCalibrationError(proba, y, 2)).toBeCloseTo(hand, 6);
    const bins = calibrationBins(proba, y, 2);
    expect(bins).toHaveLength(15);
    expect(bins.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 2, 0]);
    // 0.75 sits exactly on an edge of a 4-bin diagram: it belongs to (0.5, 0.75]
    expect(calibrationBins(new Float32Array([0.75, 0.25]), new Int32Array([0]), 2, 4).map((b) => b.count)).toEqual([0, 0, 1, 0]);
    expect(expectedCalibrationError(new Float32Array([1, 0, 0, 1]), new Int32Array([0, 1]), 2)).toBe(0);
  });

  it('calibration lowers the ECE of an over-confident model on fresh rows', () => {
    const fit = overConfident(4000, 5, 2, 3),
      fresh = overConfident(4000, 5, 2, 4);
    const T = fitTemperature(fit.proba, fit.y, 5);
    const before = expectedCalibrationError(fresh.proba, fresh.y, 5);
    const after = expectedCalibrationError(applyTemperature(fresh.proba, 5, T), fresh.y, 5);
    expect(before).toBeGreaterThan(0.08);
    expect(after).toBeLessThan(before / 3);
  });
});

describe('CalibratedClassifier', () => {
  it('applies its temperature to any classifier and survives toState / restoreModel', () => {
    const rng = new Rng(5);
    const rows = 200,
      F = 3;
    const x = new Float32Array(rows * F),
      y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      for (let f = 0; f < F; f++) x[i * F + f] = rng.normal();
      y[i] = x[i * F] + 0.5 * rng.normal() > 0 ? 1 : 0;
    }
    const model = new CalibratedClassifier(new LogisticRegression({ C: 10 }), 1.7);
    model.fit({ x, y, rows, features: F, classes: 2 });
    const raw = model.base.predictProba(x, rows),
      p = model.predictProba(x, rows);
    expect(Array.from(p)).toEqual(Array.from(applyTemperature(raw, 2, 1.7)));
    expect(Array.from(argmaxRows(p, 2))).toEqual(Array.from(argmaxRows(raw, 2)));
    const state = JSON.parse(JSON.stringify(model.toState()));
    expect(state).toMatchObject({ kind: 'calibrated', temperature: 1.7, base: { kind: 'logreg' } });
    const copy = restoreModel(state);
    expect(Array.from(copy.predictProba(x, rows))).toEqual(Array.from(p));
    expect(() => restoreModel({ ...state, temperature: -1 })).toThrow(/calibrated.*"temperature" must be a positive finite number/);
  });
});
