// What the pipeline promises about honest numbers, each checked where a quiet change would break it:
// imputation and scaling are fitted on training rows only; every split, on every path that splits,
// keeps each artist in one part; the median of an even count is the mean of the two middle values.
import { describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import { crossValPredict } from '../src/ml/cv.js';
import { fitScaler, medianOf } from '../src/ml/scaler.js';
import { stratifiedGroupKFold, trainValidTestSplit } from '../src/ml/split.js';
import type { Classifier, Dataset } from '../src/ml/types.js';
import { makeDatasets, splitRows } from '../src/pipeline/datasets.js';
import { trainAndEvaluate } from '../src/pipeline/run.js';
import type { PreparedData } from '../src/preprocess/preprocess.js';

/** 60 artists, 3 classes; the stored split puts artists 48..59 in test, whose feature 0 is shifted by +1000. */
function shifted(rows = 300): PreparedData {
  const rng = new Rng(8);
  const F = 2,
    x = new Float64Array(rows * F),
    y = new Int32Array(rows),
    split = new Int8Array(rows),
    groups: string[] = [];
  for (let i = 0; i < rows; i++) {
    const artist = i % 60;
    y[i] = artist % 3;
    groups.push(`AR${artist}`);
    split[i] = artist < 40 ? 0 : artist < 48 ? 1 : 2;
    x[i * F] = rng.normal(y[i], 1) + (split[i] === 2 ? 1000 : 0);
    x[i * F + 1] = i % 7 === 0 ? NaN : rng.normal(0, 1); // missing values: imputed with the training median
  }
  return {
    featureNames: ['f0', 'f1'],
    featureGroups: ['song'],
    classNames: ['a', 'b', 'c'],
    rows,
    x,
    y,
    trackIds: groups.map((_, i) => `TR${i}`),
    artists: groups,
    titles: groups,
    groups,
    split,
  };
}

/** A classifier that remembers what it was trained on, and predicts class 0. */
class Probe implements Classifier {
  readonly kind = 'probe';
  static seen: { train: Dataset; valid: Dataset | undefined }[] = [];
  classes = 0;
  fit(train: Dataset, valid?: Dataset): void {
    Probe.seen.push({ train, valid });
    this.classes = train.classes;
  }
  predictProba(_x: Float32Array, rows: number): Float32Array {
    const p = new Float32Array(rows * this.classes);
    for (let r = 0; r < rows; r++) p[r * this.classes] = 1;
    return p;
  }
}

const columnMean = (ds: Dataset, f: number): number => {
  let s = 0;
  for (let r = 0; r < ds.rows; r++) s += ds.x[r * ds.features + f];
  return s / ds.rows;
};
const artistsOf = (groups: readonly string[], idx: ArrayLike<number>): Set<string> => new Set(Array.from(idx, (i) => groups[i]));
function expectDisjoint(...parts: Set<string>[]): void {
  for (let a = 0; a < parts.length; a++)
    for (let b = a + 1; b < parts.length; b++) {
      expect(
        [...parts[a]].filter((g) => parts[b].has(g)),
        `parts ${a} and ${b} share artists`,
      ).toEqual([]);
    }
}

describe('scaling is fitted on the training rows only', () => {
  it('makeDatasets: statistics of the train rows (test rows 1000 away do not move them)', () => {
    const data = shifted();
    const ds = makeDatasets(data);
    const trainRows = Array.from(ds.indices.train);
    const mean0 = trainRows.reduce((s, i) => s + data.x[i * 2], 0) / trainRows.length;
    expect(ds.scaler.shift[0]).toBeCloseTo(mean0, 6);
    expect(Math.abs(columnMean(ds.train, 0))).toBeLessThan(1e-5); // standardised on itself
    expect(columnMean(ds.test, 0)).toBeGreaterThan(100); // the shifted rows stay far away
    const known = trainRows
      .map((i) => data.x[i * 2 + 1])
      .filter((v) => !Number.isNaN(v))
      .sort((a, b) => a - b);
    expect(ds.scaler.fill[1]).toBeCloseTo(medianOf(Float64Array.from(known)), 12);
  });

  it('crossValPredict: each fold scales on its own training rows', () => {
    const data = shifted();
    const x = Float32Array.from(data.x),
      ds: Dataset = { x, y: data.y, rows: data.rows, features: 2, classes: 3, groups: data.groups };
    Probe.seen = [];
    crossValPredict(ds, () => new Probe(), { folds: 4, seed: 1 });
    expect(Probe.seen.length).toBe(4);
    for (const { train } of Probe.seen) expect(Math.abs(columnMean(train, 0))).toBeLessThan(1e-4);
  });
});

describe('every split keeps each artist in one part', () => {
  const data = shifted();

  it('the stored split and --resplit (splitRows), for several seeds', () => {
    for (const spec of [{}, { resplitSeed: 1 }, { resplitSeed: 2 }, { resplitSeed: 7, validFraction: 0.3, testFraction: 0.3 }]) {
      const s = splitRows(data, spec);
      expectDisjoint(artistsOf(data.groups, s.train), artistsOf(data.groups, s.valid), artistsOf(data.groups, s.test));
      expect(s.train.length + s.valid.length + s.test.length).toBe(data.rows);
    }
  });

  it('trainAndEvaluate with resplit: the model of every seed trains, stops and is scored on disjoint artists', () => {
    const r = trainAndEvaluate(data, { model: 'majority', seeds: [3, 4], resplit: true });
    const { train, valid, test } = r.datasets.indices;
    expectDisjoint(artistsOf(data.groups, train), artistsOf(data.groups, valid), artistsOf(data.groups, test));
    expect(r.split).toEqual({ resplitSeed: 3, random: false });
  });

  it('trainValidTestSplit and stratifiedGroupKFold', () => {
    const s = trainValidTestSplit(data.y, { groups: data.groups, seed: 5 });
    expectDisjoint(artistsOf(data.groups, s.train), artistsOf(data.groups, s.valid), artistsOf(data.groups, s.test));
    const folds = stratifiedGroupKFold(data.y, 5, { groups: data.groups, seed: 5 });
    for (let a = 0; a < folds.length; a++) {
      expectDisjoint(artistsOf(data.groups, folds[a].train), artistsOf(data.groups, folds[a].test));
      for (let b = a + 1; b < folds.length; b++) expectDisjoint(artistsOf(data.groups, folds[a].test), artistsOf(data.groups, folds[b].test));
    }
  });

  it('crossValPredict: the inner validation part shares no artist with its training part or the fold', () => {
    const ds: Dataset = { x: Float32Array.from(data.x), y: data.y, rows: data.rows, features: 2, classes: 3, groups: data.groups };
    Probe.seen = [];
    const r = crossValPredict(ds, () => new Probe(), { folds: 4, seed: 2 });
    Probe.seen.forEach(({ train, valid }, k) => {
      const testArtists = artistsOf(
        data.groups,
        Array.from({ length: data.rows }, (_, i) => i).filter((i) => r.fold[i] === k),
      );
      expect(valid).toBeDefined();
      expectDisjoint(new Set(train.groups), new Set(valid!.groups), testArtists);
    });
  });
});

describe('medians', () => {
  it('an even count takes the mean of the two middle values; the scaler fills missing values with it', () => {
    expect(medianOf(Float64Array.from([1, 2, 3, 10]))).toBe(2.5);
    expect(medianOf(Float64Array.from([4, 5, 100]))).toBe(5);
    const s = fitScaler(Float64Array.from([10, NaN, 1, 3, 2]), 5, ['v']);
    expect(s.fill).toEqual([2.5]);
  });
});
