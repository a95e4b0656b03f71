// Per-row explanations and permutation importance against a model whose dependence is known:
// logistic regression on data where only column 2 carries the class.
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { explainRows, groupFeatures, permutationImportance } from '../src/ml/explain.js';
import { LogisticRegression } from '../src/ml/logistic-regression.js';
import type { Dataset } from '../src/ml/types.js';

vi.setConfig({ testTimeout: 30_000 });

/** 5 standard-normal columns; class = [x2 + 0.3·noise > 0]. */
function onlyColumn2(rows: number, seed: number): Dataset {
  const rng = new Rng(seed),
    F = 5;
  const x = new Float32Array(rows * F),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < F; f++) x[i * F + f] = rng.normal();
    y[i] = x[i * F + 2] + 0.3 * rng.normal() > 0 ? 1 : 0;
  }
  return { x, y, rows, features: F, classes: 2 };
}

const train = onlyColumn2(400, 1),
  test = onlyColumn2(200, 2);
const model = new LogisticRegression({ C: 1 });
model.fit(train);

describe('explainRows', () => {
  it('names column 2 first, with a positive effect, on every clear-cut row; the other columns barely matter', () => {
    const F = 5;
    const clear: number[] = [];
    for (let r = 0; r < test.rows && clear.length < 15; r++) if (Math.abs(test.x[r * F + 2]) > 1) clear.push(r);
    const x = new Float32Array(clear.length * F);
    clear.forEach((r, i) => x.set(test.x.subarray(r * F, r * F + F), i * F));
    const ex = explainRows(model, x, clear.length, F, { reference: train.x, referenceRows: train.rows, topK: Infinity, seed: 3 });
    expect(ex).toHaveLength(clear.length);
    for (const e of ex) {
      expect(e.contributions).toHaveLength(5);
      expect(e.contributions[0].name).toBe('f2');
      expect(e.contributions[0].effect).toBeGreaterThan(0.2);
      for (const c of e.contributions.slice(1)) expect(Math.abs(c.effect)).toBeLessThan(0.05);
      expect(e.probability).toBeGreaterThan(0.5);
    }
  });

  it('the median baseline equals a hand computation: p(row) − p(row with the column at the reference median)', () => {
    const F = 5,
      row = test.x.slice(0, F);
    const [e] = explainRows(model, row, 1, F, { reference: train.x, referenceRows: train.rows, baseline: 'median', topK: Infinity });
    const col = Array.from({ length: train.rows }, (_, r) => train.x[r * F + 2]).sort((a, b) => a - b);
    const median = (col[train.rows / 2 - 1] + col[train.rows / 2]) / 2;
    const p = model.predictProba(row, 1),
      swapped = row.slice();
    swapped[2] = median;
    const q = model.predictProba(swapped, 1);
    const c = e.classIndex;
    expect(c).toBe(p[1] > p[0] ? 1 : 0);
    expect(e.contributions.find((k) => k.name === 'f2')!.effect).toBeCloseTo(p[c] - q[c], 6);
    expect(e.contributions.find((k) => k.name === 'f2')!.values).toEqual([row[2]]);
  });

  it('explains a chosen class; topK keeps the largest effects', () => {
    const F = 5;
    const ex = explainRows(model, test.x.subarray(0, 3 * F), 3, F, { reference: train.x, referenceRows: train.rows, classIndex: 1, topK: 2 });
    for (const e of ex) {
      expect(e.classIndex).toBe(1);
      expect(e.contributions).toHaveLength(2);
      expect(Math.abs(e.contributions[0].effect)).toBeGreaterThanOrEqual(Math.abs(e.contributions[1].effect));
    }
    expect(() => explainRows(model, test.x.subarray(0, F), 1, F, { reference: train.x, referenceRows: train.rows, classIndex: 2 })).toThrow(
      /explainRows: classIndex/,
    );
  });
});

describe('groupFeatures', () => {
  it('joins <name>_missing with <name> and one-hot <name>=<value> columns; group indicators stay alone', () => {
    expect(groupFeatures(['year', 'year_missing', 'key=0', 'key=1', 'tempo', 'timbre_mean_0', 'timbre_missing'])).toEqual([
      { name: 'year', features: [0, 1] },
      { name: 'key', features: [2, 3] },
      { name: 'tempo', features: [4] },
      { name: 'timbre_mean_0', features: [5] },
      { name: 'timbre_missing', features: [6] },
    ]);
  });

  it('a grouped column and its indicator are replaced together', () => {
    // The model reads only the indicator (column 1); grouped with column 0, the pair's effect is the indicator's.
    const m = new LogisticRegression({ C: 10 });
    const rng = new Rng(4),
      rows = 300;
    const x = new Float32Array(rows * 3),
      y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const missing = rng.uniform() < 0.5 ? 1 : 0;
      x[i * 3] = missing ? 0 : rng.normal();
      x[i * 3 + 1] = missing;
      x[i * 3 + 2] = rng.normal();
      y[i] = missing;
    }
    m.fit({ x, y, rows, features: 3, classes: 2 });
    const [e] = explainRows(m, x.subarray(0, 3), 1, 3, { reference: x, referenceRows: rows, featureNames: ['a', 'a_missing', 'b'], topK: Infinity });
    expect(e.contributions.map((c) => c.name)).toEqual(['a', 'b']);
    expect(e.contributions[0].features).toEqual([0, 1]);
    expect(e.contributions[0].effect).toBeGreaterThan(0.3);
  });
});

describe('permutationImportance', () => {
  it('finds column 2 and nothing else', () => {
    const imp = permutationImportance(model, test, { metric: 'accuracy', repeats: 5, seed: 1 });
    expect(imp[0].name).toBe('f2');
    expect(imp[0].mean).toBeGreaterThan(0.3);
    for (const i of imp.slice(1)) expect(Math.abs(i.mean)).toBeLessThan(0.03);
    const ll = permutationImportance(model, test, { metric: 'logLoss', repeats: 2, seed: 1 });
    expect(ll[0].name).toBe('f2');
    expect(ll[0].mean).toBeGreaterThan(0.3);
  });

  it('is seeded: the same seed gives the same numbers', () => {
    const a = permutationImportance(model, test, { repeats: 3, seed: 9 }),
      b = permutationImportance(model, test, { repeats: 3, seed: 9 });
    expect(a).toEqual(b);
  });
});
