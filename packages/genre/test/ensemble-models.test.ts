// Ensembles over the classic models: averaging, bagging, seeds, blends, snapshots and SAMME.
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { LogisticRegression } from '../src/ml/logistic-regression.js';
import { GBDT } from '../src/ml/gbdt.js';
import { RandomForest } from '../src/ml/random-forest.js';
import {
  averageProba,
  BaggingClassifier,
  BlendClassifier,
  SammeClassifier,
  SeedEnsemble,
  SnapshotEnsemble,
  VotingClassifier,
  type SnapshotSource,
} from '../src/ml/ensemble.js';
import { accuracy, argmaxRows } from '../src/ml/metrics.js';
import { SnapshotMlp } from '../src/ml/snapshot-mlp.js';
import type { Classifier, Dataset } from '../src/ml/types.js';

vi.setConfig({ testTimeout: 60_000 }); // the machine is shared; these fit real models

/** Three classes in rings around the origin plus noise features: linear models fail, stumps are weak. */
function rings(rows: number, seed: number, noise = 0.15): Dataset {
  const rng = new Rng(seed);
  const F = 4,
    x = new Float32Array(rows * F),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % 3,
      r = 1 + c + rng.normal() * noise * 3,
      t = rng.uniform(0, 2 * Math.PI);
    x[i * F] = r * Math.cos(t);
    x[i * F + 1] = r * Math.sin(t);
    x[i * F + 2] = rng.normal();
    x[i * F + 3] = rng.normal();
    y[i] = c;
  }
  return { x, y, rows, features: F, classes: 3, groups: Array.from({ length: rows }, (_, i) => `a${i % 97}`) };
}

const acc = (m: Classifier, ds: Dataset) => accuracy(ds.y, argmaxRows(m.predictProba(ds.x, ds.rows), ds.classes));
const stump = (seed: number) => new RandomForest({ nTrees: 1, maxDepth: 1, bootstrap: false, maxFeatures: 1.0, seed });

describe('averageProba / VotingClassifier', () => {
  it('is the weighted mean of member probabilities', () => {
    const train = rings(300, 1),
      test = rings(60, 2);
    const a = new LogisticRegression(),
      b = new GBDT({ nRounds: 20, seed: 1 });
    const v = new VotingClassifier([a, b], { weights: [1, 3] });
    v.fit(train);
    const pa = a.predictProba(test.x, test.rows),
      pb = b.predictProba(test.x, test.rows),
      pv = v.predictProba(test.x, test.rows);
    for (let j = 0; j < pv.length; j++) expect(pv[j]).toBeCloseTo(0.25 * pa[j] + 0.75 * pb[j], 6);
    expect(() => averageProba([a, b], [0, 0], test.x, test.rows)).toThrow(/all weights are zero/);
    expect(() => new VotingClassifier([a], { weights: [1, 2] })).toThrow(/2 weights for 1 members/);
  });
});

describe('BlendClassifier', () => {
  it('chooses weights on valid that do at least as well there as each member; fixed weights are kept', () => {
    const train = rings(400, 3),
      valid = rings(300, 4),
      test = rings(300, 5);
    const blend = new BlendClassifier([new LogisticRegression(), new GBDT({ nRounds: 60, seed: 2 })]);
    blend.fit(train, valid);
    const w = blend.weights!;
    expect(w[0] + w[1]).toBeCloseTo(1, 10);
    const [lr, gb] = blend.members;
    expect(acc(blend, valid)).toBeGreaterThanOrEqual(Math.max(acc(lr, valid), acc(gb, valid)) - 0.02);
    expect(acc(lr, test)).toBeLessThan(0.6); // the linear member alone is poor on rings
    expect(acc(blend, test)).toBeGreaterThan(acc(lr, test) + 0.15);
    const fixed = new BlendClassifier([new LogisticRegression(), new GBDT({ nRounds: 60, seed: 2 })], { weights: [0, 1] });
    fixed.fit(train, valid);
    expect(fixed.weights).toEqual([0, 1]);
    expect(Array.from(fixed.predictProba(test.x, test.rows))).toEqual(Array.from(fixed.members[1].predictProba(test.x, test.rows)));
  });
});

describe('BaggingClassifier and SeedEnsemble', () => {
  it('bagging deep trees beats one deep tree; members differ; seeded', () => {
    const train = rings(400, 6, 0.3),
      test = rings(600, 7, 0.3);
    const tree = (seed: number) => new RandomForest({ nTrees: 1, bootstrap: false, maxFeatures: 1.0, seed });
    const single = tree(1);
    single.fit(train);
    const bag = new BaggingClassifier(tree, { nEstimators: 25, seed: 3, byGroup: false });
    bag.fit(train);
    expect(acc(bag, test)).toBeGreaterThan(acc(single, test) + 0.02);
    const p0 = bag.members[0].predictProba(test.x, test.rows),
      p1 = bag.members[1].predictProba(test.x, test.rows);
    expect(Array.from(p0)).not.toEqual(Array.from(p1));
    const again = new BaggingClassifier(tree, { nEstimators: 25, seed: 3, byGroup: false });
    again.fit(train);
    expect(Array.from(again.predictProba(test.x, test.rows))).toEqual(Array.from(bag.predictProba(test.x, test.rows)));
  });

  it('group bootstrap draws whole artists', () => {
    const train = rings(200, 8);
    const seen: Dataset[] = [];
    const spy = (seed: number): Classifier => {
      const m = new LogisticRegression();
      return {
        kind: 'spy',
        fit: (d: Dataset) => {
          seen.push(d);
          m.fit(d);
          void seed;
        },
        predictProba: (x, r) => m.predictProba(x, r),
      };
    };
    new BaggingClassifier(spy, { nEstimators: 3, seed: 1 }).fit(train);
    const rowsPerArtist = new Map<string, number>();
    for (const g of train.groups!) rowsPerArtist.set(g, (rowsPerArtist.get(g) ?? 0) + 1);
    for (const d of seen) {
      const got = new Map<string, number>();
      for (const g of d.groups!) got.set(g, (got.get(g) ?? 0) + 1);
      for (const [g, c] of got) expect(c % rowsPerArtist.get(g)!).toBe(0); // an artist comes with all its rows
    }
  });

  it('a seed ensemble averages one member per seed', () => {
    const train = rings(300, 9),
      test = rings(100, 10);
    const ens = new SeedEnsemble((seed) => new GBDT({ nRounds: 15, subsample: 0.7, colsample: 0.5, seed }), { seeds: [1, 2, 3] });
    ens.fit(train);
    expect(ens.members.length).toBe(3);
    const mean = averageProba(ens.members, null, test.x, test.rows);
    expect(Array.from(ens.predictProba(test.x, test.rows))).toEqual(Array.from(mean));
  });
});

describe('SnapshotEnsemble', () => {
  it('averages the snapshots its source hands out', () => {
    const train = rings(200, 11),
      test = rings(50, 12);
    let asked = 0;
    const source: SnapshotSource = {
      kind: 'fake-snapshots',
      fit() {},
      predictProba() {
        throw new Error('unused');
      },
      fitSnapshots(tr, _v, count) {
        asked = count;
        return Array.from({ length: count }, (_, i) => {
          const m = new LogisticRegression({ C: 0.01 * 10 ** i });
          m.fit(tr);
          return m;
        });
      },
    };
    const snap = new SnapshotEnsemble(source, { count: 3 });
    snap.fit(train);
    expect(asked).toBe(3);
    expect(Array.from(snap.predictProba(test.x, test.rows))).toEqual(Array.from(averageProba(snap.members, null, test.x, test.rows)));
  });
});

describe('SnapshotMlp', () => {
  it('one cyclic-LR run gives `count` different snapshots whose average learns the rings', () => {
    const train = rings(300, 15),
      test = rings(300, 16);
    const src = new SnapshotMlp({ hidden: [32], epochsPerCycle: 15, lr: 0.01, dropout: 0, seed: 3 });
    const snap = new SnapshotEnsemble(src, { count: 3 });
    snap.fit(train);
    expect(snap.members.length).toBe(3);
    const p0 = snap.members[0].predictProba(test.x, test.rows),
      p2 = snap.members[2].predictProba(test.x, test.rows);
    expect(Array.from(p0)).not.toEqual(Array.from(p2));
    expect(acc(snap, test)).toBeGreaterThan(0.7);
    expect(acc(snap.members[2], test)).toBeGreaterThan(0.7);
    const again = new SnapshotEnsemble(new SnapshotMlp({ hidden: [32], epochsPerCycle: 15, lr: 0.01, dropout: 0, seed: 3 }), { count: 3 });
    again.fit(train);
    expect(Array.from(again.predictProba(test.x, test.rows))).toEqual(Array.from(snap.predictProba(test.x, test.rows)));
  });
});

describe('SammeClassifier', () => {
  it('boosting decision stumps beats a single stump by a wide margin (both weight modes)', () => {
    const train = rings(600, 13),
      test = rings(600, 14);
    const one = stump(1);
    one.fit(train);
    const single = acc(one, test);
    expect(single).toBeLessThan(0.6); // one axis-aligned cut can't separate three rings
    for (const mode of ['weights', 'resample'] as const) {
      const boost = new SammeClassifier(stump, { nEstimators: 200, seed: 2, mode });
      boost.fit(train);
      expect(boost.members.length, mode).toBeGreaterThan(10);
      expect(acc(boost, test), mode).toBeGreaterThan(0.72); // r² = x0² + x1² is additive: stumps can build it
      // each alpha follows from its round's weighted error
      for (let m = 0; m < boost.alphas.length; m++) {
        const e = boost.errors[m];
        expect(boost.alphas[m]).toBeCloseTo(Math.log((1 - e) / e) + Math.log(2), 10);
      }
    }
  });
});
