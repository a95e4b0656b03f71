import { describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import { classCounts, stratifiedGroupKFold, subsetDataset, trainTestSplit, trainValidTestSplit } from '../src/ml/split.js';

/** A labelled set of `nGroups` artists; each artist has 1–6 songs, mostly of one genre. */
function makeData(nGroups: number, classes: number, seed: number): { y: Int32Array; groups: string[] } {
  const rng = new Rng(seed);
  const y: number[] = [],
    groups: string[] = [];
  for (let g = 0; g < nGroups; g++) {
    // Skewed class frequencies, like real genre data.
    const main = Math.min(classes - 1, Math.floor(-Math.log(1 - rng.uniform()) * 1.5));
    const songs = 1 + rng.int(6);
    for (let s = 0; s < songs; s++) {
      y.push(rng.uniform() < 0.85 ? main : rng.int(classes));
      groups.push(`artist-${g}`);
    }
  }
  return { y: Int32Array.from(y), groups };
}

function maxProportionGap(y: Int32Array, classes: number, part: Int32Array): number {
  const all = classCounts(y, classes),
    sub = classCounts(y, classes, part);
  let gap = 0;
  for (let c = 0; c < classes; c++) gap = Math.max(gap, Math.abs(sub[c] / part.length - all[c] / y.length));
  return gap;
}

function expectPartition(n: number, parts: Int32Array[]): void {
  const seen = new Int32Array(n);
  for (const p of parts) for (const i of p) seen[i]++;
  expect(Array.from(seen).every((v) => v === 1)).toBe(true);
}

describe('trainValidTestSplit', () => {
  const { y, groups } = makeData(300, 6, 1);

  it('is a partition, artist-disjoint, near the requested sizes', () => {
    const s = trainValidTestSplit(y, { groups, seed: 3, validFraction: 0.15, testFraction: 0.2 });
    expectPartition(y.length, [s.train, s.valid, s.test]);
    const artistsOf = (p: Int32Array) => new Set(Array.from(p, (i) => groups[i]));
    const tr = artistsOf(s.train),
      va = artistsOf(s.valid),
      te = artistsOf(s.test);
    for (const a of va) expect(tr.has(a)).toBe(false);
    for (const a of te) {
      expect(tr.has(a)).toBe(false);
      expect(va.has(a)).toBe(false);
    }
    expect(Math.abs(s.valid.length / y.length - 0.15)).toBeLessThan(0.03);
    expect(Math.abs(s.test.length / y.length - 0.2)).toBeLessThan(0.03);
  });

  it('keeps class proportions closer than an unstratified group split', () => {
    let strat = 0,
      plain = 0;
    for (let seed = 0; seed < 10; seed++) {
      const a = trainValidTestSplit(y, { groups, seed });
      const b = trainValidTestSplit(y, { groups, seed, stratify: false });
      strat += maxProportionGap(y, 6, a.test) + maxProportionGap(y, 6, a.valid);
      plain += maxProportionGap(y, 6, b.test) + maxProportionGap(y, 6, b.valid);
    }
    expect(strat).toBeLessThan(plain);
    expect(strat / 20).toBeLessThan(0.03);
  });

  it('is reproducible from the seed and varies with it', () => {
    const a = trainValidTestSplit(y, { groups, seed: 7 });
    const b = trainValidTestSplit(y, { groups, seed: 7 });
    const c = trainValidTestSplit(y, { groups, seed: 8 });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('without groups is a stratified random row split', () => {
    const s = trainValidTestSplit(y, { seed: 1 });
    expectPartition(y.length, [s.train, s.valid, s.test]);
    expect(maxProportionGap(y, 6, s.test)).toBeLessThan(0.01);
    // Rows of one artist now do land in different parts.
    const tr = new Set(Array.from(s.train, (i) => groups[i]));
    expect(Array.from(s.test).some((i) => tr.has(groups[i]))).toBe(true);
  });

  it('keeps a whole big artist in one part and treats empty artists as unique', () => {
    const yy = new Int32Array(40).fill(0),
      gg = new Array<string>(40).fill('');
    for (let i = 0; i < 12; i++) gg[i] = 'big';
    const s = trainValidTestSplit(yy, { groups: gg, seed: 2 });
    const where = [s.train, s.valid, s.test].map((p) => Array.from(p).filter((i) => i < 12).length);
    expect(where.filter((k) => k > 0)).toEqual([12]);
    expect(s.valid.length + s.test.length).toBeGreaterThan(0);
  });

  it('rejects bad input clearly', () => {
    expect(() => trainValidTestSplit([0, 1, 2], { classes: 2 })).toThrow(/y\[2\]=2 is not a class id/);
    expect(() => trainValidTestSplit([0, 1], { groups: ['a'] })).toThrow(/groups has 1 entries but y has 2/);
    expect(() => trainValidTestSplit([0, 1], { validFraction: 0.6, testFraction: 0.5 })).toThrow(/must be < 1/);
    expect(() => trainValidTestSplit([0, 1], { testFraction: -0.1 })).toThrow(/testFraction/);
  });

  it('trainTestSplit has no validation part', () => {
    const s = trainTestSplit(y, { groups, testFraction: 0.25, seed: 0 });
    expectPartition(y.length, [s.train, s.test]);
    expect(Math.abs(s.test.length / y.length - 0.25)).toBeLessThan(0.03);
  });
});

describe('stratifiedGroupKFold', () => {
  const { y, groups } = makeData(250, 5, 4);

  it('test folds partition the rows, never split an artist, and are stratified', () => {
    const folds = stratifiedGroupKFold(y, 5, { groups, seed: 11 });
    expect(folds).toHaveLength(5);
    expectPartition(
      y.length,
      folds.map((f) => f.test),
    );
    for (const f of folds) {
      expect(f.train.length + f.test.length).toBe(y.length);
      const te = new Set(Array.from(f.test, (i) => groups[i]));
      expect(Array.from(f.train).some((i) => te.has(groups[i]))).toBe(false);
      expect(maxProportionGap(y, 5, f.test)).toBeLessThan(0.05);
      expect(Math.abs(f.test.length - y.length / 5)).toBeLessThan(y.length * 0.03);
    }
  });

  it('rejects k larger than the number of artists', () => {
    expect(() => stratifiedGroupKFold([0, 1, 0], 3, { groups: ['a', 'a', 'b'] })).toThrow(/cannot make 3 folds from 2 groups/);
    expect(() => stratifiedGroupKFold([0, 1, 0], 1)).toThrow(/k must be an integer >= 2/);
  });
});

describe('subsetDataset', () => {
  it('copies the selected rows with their labels and groups', () => {
    const ds = { x: Float32Array.from([1, 2, 3, 4, 5, 6]), y: Int32Array.from([0, 1, 0]), rows: 3, features: 2, classes: 2, groups: ['a', 'b', 'c'] };
    const s = subsetDataset(ds, [2, 0]);
    expect(Array.from(s.x)).toEqual([5, 6, 1, 2]);
    expect(Array.from(s.y)).toEqual([0, 0]);
    expect(s.groups).toEqual(['c', 'a']);
    expect(() => subsetDataset(ds, [3])).toThrow(/index 3 out of range/);
  });
});
