// The model chooser: the nested estimate never lets a choice see the rows that score it, a clearly
// better model family wins on data made for it, and the result is reproducible from its seed.
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { chooseModel, type CandidateSpec } from '../src/ml/select.js';
import { registerModel, createModel } from '../src/ml/registry.js';
import { MajorityClassifier } from '../src/ml/majority.js';
import type { Classifier, Dataset } from '../src/ml/types.js';

vi.setConfig({ testTimeout: 60_000 });

/** Rows grouped by artist (`perArtist` rows each); `label(x, rng)` gives the class of a row of F normals. */
function artistData(artists: number, perArtist: number, F: number, seed: number, label: (x: Float32Array, rng: Rng) => number): Dataset {
  const rng = new Rng(seed),
    rows = artists * perArtist;
  const x = new Float32Array(rows * F),
    y = new Int32Array(rows),
    groups: string[] = [];
  for (let i = 0; i < rows; i++) {
    const row = x.subarray(i * F, i * F + F);
    for (let f = 0; f < F; f++) row[f] = rng.normal();
    y[i] = label(row, rng);
    groups.push(`artist-${Math.floor(i / perArtist)}`);
  }
  return { x, y, rows, features: F, classes: 2, groups };
}

/** Every fit's artists, in order: a majority-class model that remembers what it was trained on. */
const seen: Set<string>[] = [];
class Probe implements Classifier {
  readonly kind = 'probe';
  readonly inner = new MajorityClassifier();
  fit(train: Dataset, valid?: Dataset): void {
    seen.push(new Set([...(train.groups ?? []), ...(valid?.groups ?? [])]));
    this.inner.fit(train);
  }
  predictProba(x: Float32Array, rows: number): Float32Array {
    return this.inner.predictProba(x, rows);
  }
}
registerModel('probe', () => new Probe(), 'test probe: majority class, records the artists it was fitted on');

describe('chooseModel: nested', () => {
  it('no fit used to choose or score an outer fold ever sees one of its test artists', () => {
    const ds = artistData(40, 4, 3, 1, (x) => (x[0] > 0 ? 1 : 0));
    const candidates: CandidateSpec[] = [
      { name: 'probe', model: 'probe' },
      { name: 'probe-grid', model: 'probe', grid: [{ a: 1 }, { a: 2 }], seeds: 2 },
    ];
    seen.length = 0;
    const labels: { outerFold: number | null; purpose: string }[] = [];
    const r = chooseModel(ds, { candidates, outerFolds: 3, innerFolds: 3, seed: 2, onFit: (i) => labels.push(i) });
    expect(seen).toHaveLength(labels.length);
    const outer = r.outer!;
    const testArtists = [0, 1, 2].map((f) => new Set(ds.groups!.filter((_, i) => outer.fold[i] === f)));
    for (const t of testArtists) expect(t.size).toBeGreaterThan(5);
    let perFold = [0, 0, 0],
      scoring = [0, 0, 0],
      onAll = 0;
    labels.forEach((l, k) => {
      if (l.outerFold === null) {
        onAll++;
        return;
      }
      perFold[l.outerFold]++;
      for (const a of seen[k]) expect(testArtists[l.outerFold].has(a), `fit ${k} (${l.purpose}, outer fold ${l.outerFold}) saw test artist ${a}`).toBe(false);
      if (l.purpose === 'score') {
        scoring[l.outerFold]++;
        // the scoring fit uses the whole outer training part (train + validation): every other artist
        expect(seen[k].size + testArtists[l.outerFold].size).toBe(40);
      }
    });
    // per choice: probe 3 folds + probe-grid 2 variants × 2 seeds × 3 folds = 15 fits
    expect(onAll).toBe(15);
    expect(perFold).toEqual([16, 16, 16]);
    expect(scoring).toEqual([1, 1, 1]);
    // and the choice on all rows did see every artist, so the probe does record what it is given
    expect(new Set(seen.slice(0, 15).flatMap((s) => [...s])).size).toBe(40);
  });

  it('a clearly better family wins: trees on XOR, logistic regression on a linear rule among noise', () => {
    const candidates: CandidateSpec[] = [
      { name: 'logreg', model: 'logreg', grid: [{ C: 0.1 }, { C: 1 }] },
      { name: 'gbdt', model: 'gbdt', options: { nRounds: 40, maxLeaves: 8, earlyStoppingRounds: 0 } },
    ];
    const xor = artistData(60, 5, 3, 3, (x) => (x[0] > 0 === x[1] > 0 ? 1 : 0));
    const a = chooseModel(xor, { candidates, blends: false, outerFolds: 3, seed: 1 });
    expect(a.chosen.name).toBe('gbdt');
    const [lr, gb] = a.candidates;
    expect(gb.macroF1).toBeGreaterThan(lr.macroF1 + 0.2);
    expect(a.outer!.chosen).toEqual(['gbdt', 'gbdt', 'gbdt']);
    expect(a.outer!.accuracy).toBeGreaterThan(0.8);
    expect(a.outer!.majorityAccuracy).toBeLessThan(0.65);

    const w = Array.from({ length: 12 }, (_, f) => (f < 6 ? 1 : 0));
    const linear = artistData(60, 4, 12, 4, (x, rng) => (x.reduce((s, v, f) => s + v * w[f], 0) + 0.3 * rng.normal() > 0 ? 1 : 0));
    const b = chooseModel(linear, { candidates, blends: false, seed: 1 });
    expect(b.chosen.name).toBe('logreg');
    expect(b.candidates[0].macroF1).toBeGreaterThan(b.candidates[1].macroF1 + 0.05);
    expect(b.candidates[0].variants).toHaveLength(2);
    expect(b.outer).toBeNull();
  });
});

describe('chooseModel: result', () => {
  const ds = artistData(40, 5, 4, 5, (x, rng) => (x[0] + x[1] * x[2] + 0.5 * rng.normal() > 0 ? 1 : 0));
  const candidates: CandidateSpec[] = [
    { name: 'logreg', model: 'logreg', grid: [{ C: 0.1 }, { C: 10 }] },
    { name: 'rf', model: 'rf', options: { nTrees: 20 } },
    { name: 'gbdt', model: 'gbdt', options: { nRounds: 30 } },
  ];

  it('is reproducible, returns a model createModel builds, blends of the best, and a temperature', () => {
    const a = chooseModel(ds, { candidates, outerFolds: 2, seed: 7 }),
      b = chooseModel(ds, { candidates, outerFolds: 2, seed: 7 });
    const strip = (r: typeof a) => ({
      ...r,
      seconds: 0,
      candidates: r.candidates.map((c) => ({ ...c, seconds: 0, variants: c.variants.map((v) => ({ ...v, seconds: 0 })) })),
    });
    expect(strip(a)).toEqual(strip(b));
    expect(a.candidates.map((c) => c.name)).toEqual(['logreg', 'rf', 'gbdt', 'vote-top2', 'vote-top3']);
    const top2 = a.candidates[3];
    expect(top2.choice!.model).toBe('voting');
    const ranked = a.candidates.slice(0, 3).sort((x, y) => y.macroF1 - x.macroF1);
    expect((top2.choice!.options.members as { model: string }[]).map((m) => m.model)).toEqual(ranked.slice(0, 2).map((c) => c.choice!.model));
    const best = Math.max(...a.candidates.map((c) => c.macroF1));
    expect(a.candidates.find((c) => c.name === a.chosen.name)!.macroF1).toBe(best);
    const m = createModel(a.chosen.model, a.chosen.options, 1);
    m.fit(ds);
    expect(m.predictProba(ds.x.subarray(0, 8), 2)).toHaveLength(4);
    expect(a.temperature).toBeGreaterThan(0);
    for (const c of a.candidates) {
      expect(c.foldMacroF1!.n).toBe(3);
      expect(c.macroF1).toBeGreaterThan(0.4);
    }
    expect(a.outer!.ece).toBeGreaterThanOrEqual(0);
    expect(a.outer!.proba.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('a seed ensemble becomes a seed-ensemble model of its seeds', () => {
    const r = chooseModel(ds, { candidates: [{ name: 'rf', model: 'rf', options: { nTrees: 5 }, seeds: 3 }], blends: false, seed: 1 });
    expect(r.chosen).toEqual({ name: 'rf', model: 'seed-ensemble', options: { nEstimators: 3, base: { model: 'rf', options: { nTrees: 5 } } } });
    expect(r.candidates[0].variants[0].seeds).toBe(3);
  });

  it('checks its options before any work', () => {
    expect(() => chooseModel(ds, { candidates: [{ name: 'x', model: 'nope' }] })).toThrow(/unknown model "nope"/);
    expect(() =>
      chooseModel(ds, {
        candidates: [
          { name: 'a', model: 'logreg' },
          { name: 'a', model: 'rf' },
        ],
      }),
    ).toThrow(/two candidates are named "a"/);
    expect(() => chooseModel({ ...ds, groups: undefined }, { candidates })).toThrow(/no groups/);
    expect(() => chooseModel(ds, { candidates, outerFolds: 1 })).toThrow(/outerFolds/);
  });
});
