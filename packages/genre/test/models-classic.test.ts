// Classic models: logistic regression against sklearn, trees on separable/noisy synthetic data and NaN.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { LogisticRegression } from '../src/ml/logistic-regression.js';
import { GBDT } from '../src/ml/gbdt.js';
import { RandomForest } from '../src/ml/random-forest.js';
import { Binner, MISSING } from '../src/ml/binning.js';
import { accuracy, argmaxRows, macroF1 } from '../src/ml/metrics.js';
import type { Dataset } from '../src/ml/types.js';

vi.setConfig({ testTimeout: 60_000 }); // the machine is shared; these fit real models

const fixture = JSON.parse(readFileSync(new URL('./fixtures/logreg-sklearn.json', import.meta.url), 'utf8'));

/** Gaussian blobs: class c centred at c·sep on every feature (+ noise features). */
export function blobs(rows: number, features: number, classes: number, sep: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * features),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    y[i] = c;
    for (let f = 0; f < features; f++) x[i * features + f] = rng.normal() + (f < 2 ? (f === 0 ? c : (c * c) % 3) * sep : 0);
  }
  return { x, y, rows, features, classes };
}

/** XOR-like data no linear model can fit: class = sign(x0)·sign(x1), with label noise `flip`. */
function xor(rows: number, flip: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * 3),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = rng.uniform(-1, 1),
      b = rng.uniform(-1, 1);
    x[i * 3] = a;
    x[i * 3 + 1] = b;
    x[i * 3 + 2] = rng.normal();
    let c = a > 0 === b > 0 ? 1 : 0;
    if (rng.uniform() < flip) c = 1 - c;
    y[i] = c;
  }
  return { x, y, rows, features: 3, classes: 2 };
}

function evaluate(model: { predictProba(x: Float32Array, rows: number): Float32Array }, ds: Dataset) {
  const pred = argmaxRows(model.predictProba(ds.x, ds.rows), ds.classes);
  return { acc: accuracy(ds.y, pred), f1: macroF1(ds.y, pred, ds.classes) };
}

describe('LogisticRegression', () => {
  for (const c of fixture.cases) {
    it(`matches sklearn ${fixture.sklearn} on "${c.name}" (coef, intercept, proba)`, () => {
      const ds: Dataset = { x: Float32Array.from(c.x), y: Int32Array.from(c.y), rows: c.rows, features: c.features, classes: c.classes };
      const m = new LogisticRegression({ C: c.C, classWeight: c.classWeight, tol: 1e-9, maxIter: 5000 });
      m.fit(ds);
      const proba = m.predictProba(ds.x, ds.rows);
      let maxP = 0;
      for (let i = 0; i < proba.length; i++) maxP = Math.max(maxP, Math.abs(proba[i] - c.proba[i]));
      expect(maxP).toBeLessThan(1e-4);
      // sklearn's binary "multinomial" stores one row; the symmetric softmax form is the same model.
      // Compare coefficients after removing each feature's mean over classes (softmax is shift-invariant).
      const K = c.classes,
        F = c.features;
      for (let f = 0; f < F; f++) {
        let mOurs = 0,
          mRef = 0;
        for (let k = 0; k < K; k++) {
          mOurs += m.coef![k * F + f] / K;
          mRef += c.coef[k * F + f] / K;
        }
        for (let k = 0; k < K; k++) expect(m.coef![k * F + f] - mOurs).toBeCloseTo(c.coef[k * F + f] - mRef, 3);
      }
    });
  }

  it('learns separable blobs and rejects NaN with the row and column', () => {
    const train = blobs(300, 4, 3, 4, 1),
      test = blobs(300, 4, 3, 4, 2);
    const m = new LogisticRegression();
    m.fit(train);
    expect(evaluate(m, test).acc).toBeGreaterThan(0.95);
    const bad = { ...train, x: train.x.slice() };
    bad.x[5 * 4 + 2] = NaN;
    expect(() => new LogisticRegression().fit(bad)).toThrow(/x\[5, 2\] is NaN/);
    expect(() => m.predictProba(new Float32Array(6), 2)).toThrow(/fitted on 4 features/);
  });

  it('class weights move the decision toward the rare class', () => {
    const rng = new Rng(3);
    const rows = 400,
      x = new Float32Array(rows),
      y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      y[i] = i < 40 ? 1 : 0;
      x[i] = rng.normal() + y[i] * 1.0;
    }
    const ds: Dataset = { x, y, rows, features: 1, classes: 2 };
    const plain = new LogisticRegression(),
      bal = new LogisticRegression({ classWeight: 'balanced' });
    plain.fit(ds);
    bal.fit(ds);
    const countRare = (m: LogisticRegression) => argmaxRows(m.predictProba(x, rows), 2).reduce((a, v) => a + v, 0);
    expect(countRare(bal)).toBeGreaterThan(countRare(plain) + 20);
  });
});

describe('Binner', () => {
  it('puts each distinct value of a small feature in its own bin, NaN in MISSING', () => {
    const x = Float32Array.from([3, 1, 2, NaN, 1, 3]);
    const b = Binner.fit(x, 6, 1);
    expect(Array.from(b.upper[0])).toEqual([1.5, 2.5]);
    expect(Array.from(b.transform(x, 6))).toEqual([2, 0, 1, MISSING, 0, 2]);
  });
  it('caps the bin count with quantile edges', () => {
    const rng = new Rng(1);
    const x = new Float32Array(5000);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    const b = Binner.fit(x, 5000, 1, 16);
    expect(b.bins(0)).toBeLessThanOrEqual(16);
    expect(b.bins(0)).toBeGreaterThan(12);
    const codes = b.transform(x, 5000),
      counts = new Array(b.bins(0)).fill(0);
    for (const c of codes) counts[c]++;
    expect(Math.min(...counts)).toBeGreaterThan(5000 / 16 / 2); // roughly equal-mass bins
  });
});

describe('GBDT', () => {
  it('fits XOR (which logistic regression cannot) and beats it on noisy XOR', () => {
    const train = xor(600, 0.1, 1),
      test = xor(600, 0.1, 2);
    const gb = new GBDT({ nRounds: 60, seed: 1 });
    gb.fit(train);
    const lr = new LogisticRegression();
    lr.fit(train);
    const g = evaluate(gb, test),
      l = evaluate(lr, test);
    expect(g.acc).toBeGreaterThan(0.82); // 0.9 is the Bayes rate with 10% flips
    expect(l.acc).toBeLessThan(0.65);
  });

  it('multiclass blobs, early stopping keeps the best round, seeds reproduce', () => {
    const train = blobs(300, 5, 4, 2.5, 3),
      valid = blobs(200, 5, 4, 2.5, 4),
      test = blobs(300, 5, 4, 2.5, 5);
    const a = new GBDT({ nRounds: 300, learningRate: 0.3, seed: 7, subsample: 0.8, colsample: 0.8, earlyStoppingRounds: 10 });
    const hist = a.fit(train, valid);
    expect(a.trees.length).toBeLessThan(300);
    const best = Math.min(...hist.validLoss);
    expect(hist.validLoss[a.trees.length - 1]).toBe(best);
    expect(evaluate(a, test).acc).toBeGreaterThan(0.8);
    const b = new GBDT({ nRounds: 300, learningRate: 0.3, seed: 7, subsample: 0.8, colsample: 0.8, earlyStoppingRounds: 10 });
    b.fit(train, valid);
    expect(Array.from(b.predictProba(test.x, test.rows))).toEqual(Array.from(a.predictProba(test.x, test.rows)));
    const c = GBDT.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(Array.from(c.predictProba(test.x, test.rows))).toEqual(Array.from(a.predictProba(test.x, test.rows)));
  });

  it('learns from missingness: NaN sends rows the way the training rows with NaN went', () => {
    // class 1 iff feature 0 is missing or > 0.5; the other rows have feature 0 in [0, 0.5]
    const rng = new Rng(2),
      rows = 400;
    const x = new Float32Array(rows * 2),
      y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const r = rng.uniform();
      if (r < 0.3) {
        x[i * 2] = NaN;
        y[i] = 1;
      } else {
        x[i * 2] = rng.uniform();
        y[i] = x[i * 2] > 0.5 ? 1 : 0;
      }
      x[i * 2 + 1] = rng.normal();
    }
    const ds: Dataset = { x, y, rows, features: 2, classes: 2 };
    for (const m of [new GBDT({ nRounds: 30, seed: 1 }), new RandomForest({ nTrees: 30, seed: 1, maxFeatures: 2 })]) {
      m.fit(ds);
      const p = m.predictProba(Float32Array.from([NaN, 0, 0.2, 0, 0.8, 0]), 3);
      expect(p[1], `${m.kind} NaN row`).toBeGreaterThan(0.8);
      expect(p[3], `${m.kind} 0.2 row`).toBeLessThan(0.2);
      expect(p[5], `${m.kind} 0.8 row`).toBeGreaterThan(0.8);
    }
  });

  it('class-balanced weights raise balanced accuracy on an imbalanced overlapping problem', () => {
    const mk = (seed: number): Dataset => {
      const rng = new Rng(seed),
        rows = 800;
      const x = new Float32Array(rows * 2),
        y = new Int32Array(rows);
      for (let i = 0; i < rows; i++) {
        y[i] = i % 10 === 0 ? 1 : 0;
        x[i * 2] = rng.normal() + 1.2 * y[i];
        x[i * 2 + 1] = rng.normal();
      }
      return { x, y, rows, features: 2, classes: 2 };
    };
    const train = mk(1),
      test = mk(2);
    const plain = new GBDT({ nRounds: 50, learningRate: 0.1, seed: 1 }),
      bal = new GBDT({ nRounds: 50, learningRate: 0.1, seed: 1, classWeight: 'balanced' });
    plain.fit(train);
    bal.fit(train);
    const balancedAcc = (m: GBDT) => {
      const pred = argmaxRows(m.predictProba(test.x, test.rows), 2);
      const hit = [0, 0],
        n = [0, 0];
      for (let i = 0; i < test.rows; i++) {
        n[test.y[i]]++;
        if (pred[i] === test.y[i]) hit[test.y[i]]++;
      }
      return (hit[0] / n[0] + hit[1] / n[1]) / 2;
    };
    expect(balancedAcc(bal)).toBeGreaterThan(balancedAcc(plain) + 0.05);
  });
});

describe('known cases', () => {
  // one feature, classes split cleanly at x = 2.5; 3 of the 4 left rows are class 0
  const x = Float32Array.from([1, 1, 2, 2, 3, 3, 4, 4]),
    y = Int32Array.from([0, 0, 0, 1, 1, 1, 1, 1]);
  const ds: Dataset = { x, y, rows: 8, features: 1, classes: 2 };

  it('GBDT: one round of one split has leaf values -lr·G/(H+λ) from the prior start', () => {
    const lr = 0.5,
      lambda = 1;
    const gb = new GBDT({ nRounds: 1, maxLeaves: 2, learningRate: lr, lambda, minSamplesLeaf: 1, earlyStoppingRounds: 0 });
    gb.fit(ds);
    const p1 = 5 / 8; // prior of class 1 = softmax of the log-prior base score
    const t = gb.trees[0][1];
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(2.5);
    const leaf = (rows: number[]) => {
      let G = 0,
        H = 0;
      for (const i of rows) {
        G += p1 - y[i];
        H += p1 * (1 - p1);
      }
      return (-lr * G) / (H + lambda);
    };
    expect(t.value[t.left[0]]).toBeCloseTo(leaf([0, 1, 2, 3]), 12);
    expect(t.value[t.right[0]]).toBeCloseTo(leaf([4, 5, 6, 7]), 12);
    expect(gb.baseScore[1] - gb.baseScore[0]).toBeCloseTo(Math.log(5 / 3), 12);
  });

  it('RandomForest: a depth-1 tree without bootstrap splits at the midpoint and stores class fractions', () => {
    const rf = new RandomForest({ nTrees: 1, maxDepth: 1, bootstrap: false, maxFeatures: 1.0 });
    rf.fit(ds);
    // gini prefers x <= 2.5 (left 3:1, right 0:4) over x <= 1.5 (2:0 | 1:5)
    expect(rf.trees[0].threshold[0]).toBe(2.5);
    const p = rf.predictProba(Float32Array.from([0, 10]), 2);
    expect(Array.from(p)).toEqual([0.75, 0.25, 0, 1]);
  });
});

describe('RandomForest', () => {
  it('fits XOR and multiclass blobs; seeded; probabilities sum to 1', () => {
    const train = xor(600, 0.1, 1),
      test = xor(600, 0.1, 2);
    const rf = new RandomForest({ nTrees: 60, seed: 3, maxFeatures: 2, minSamplesLeaf: 3 });
    rf.fit(train);
    expect(evaluate(rf, test).acc).toBeGreaterThan(0.82);
    const tb = blobs(300, 5, 4, 2.5, 3),
      te = blobs(300, 5, 4, 2.5, 5);
    const a = new RandomForest({ nTrees: 50, seed: 9 }),
      b = new RandomForest({ nTrees: 50, seed: 9 });
    a.fit(tb);
    b.fit(tb);
    const pa = a.predictProba(te.x, te.rows);
    expect(Array.from(b.predictProba(te.x, te.rows))).toEqual(Array.from(pa));
    for (let i = 0; i < te.rows; i++) expect(pa[i * 4] + pa[i * 4 + 1] + pa[i * 4 + 2] + pa[i * 4 + 3]).toBeCloseTo(1, 5);
    expect(evaluate(a, te).acc).toBeGreaterThan(0.8);
    const c = RandomForest.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(Array.from(c.predictProba(te.x, te.rows))).toEqual(Array.from(pa));
  });

  it('a single unbootstrapped full-feature tree memorises distinct training rows', () => {
    const ds = blobs(100, 3, 3, 0.5, 4);
    const rf = new RandomForest({ nTrees: 1, bootstrap: false, maxFeatures: 1.0, seed: 1 });
    rf.fit(ds);
    expect(evaluate(rf, ds).acc).toBe(1);
  });
});
