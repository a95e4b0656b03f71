// trainAndEvaluateParallel: seeds spread over worker threads give exactly trainAndEvaluate's runs,
// callbacks see every seed, and errors name the seed.
import { describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 60_000 }); // the machine is shared; these train real models
import { Rng } from '@timbre/tensor';
import type { PreparedData } from '../src/preprocess/preprocess.js';
import { trainAndEvaluateParallel } from '../src/pipeline/parallel.js';
import { trainAndEvaluate, type SeedRun } from '../src/pipeline/run.js';

/** 3 overlapping Gaussian classes in 6 features, 48 artists, a stored artist split. */
function prepared(rows = 288): PreparedData {
  const rng = new Rng(5);
  const F = 6,
    C = 3;
  const x = new Float64Array(rows * F),
    y = new Int32Array(rows),
    split = new Int8Array(rows);
  const groups: string[] = [];
  for (let i = 0; i < rows; i++) {
    const artist = i % 48;
    y[i] = artist % C;
    for (let f = 0; f < F; f++) x[i * F + f] = rng.normal(f % C === y[i] ? 1 : 0, 1);
    groups.push(`AR${artist}`);
    split[i] = artist < 34 ? 0 : artist < 41 ? 1 : 2;
  }
  return {
    featureNames: Array.from({ length: F }, (_, f) => `timbre_mean_${f}`),
    featureGroups: ['timbre'],
    classNames: ['A', 'B', 'C'],
    rows,
    x,
    y,
    trackIds: Array.from({ length: rows }, (_, i) => `TR${i}`),
    artists: groups,
    titles: groups,
    groups,
    split,
  };
}

const data = prepared();
const withoutTime = (runs: readonly SeedRun[]) => runs.map(({ seconds: _s, ...r }) => r);

describe('trainAndEvaluateParallel', () => {
  it('two threads give the same runs, summary and first-seed model as one thread (re-split per seed, seed ensemble)', async () => {
    const options = { preset: 'default', overrides: { epochs: 12, patience: 4 }, seeds: [3, 1, 4, 5], ensemble: 2, resplit: true };
    const one = trainAndEvaluate(data, options);
    const seen: number[] = [],
      threads = new Map<number, number>();
    const epochs = new Set<string>();
    const two = await trainAndEvaluateParallel(data, {
      ...options,
      jobs: 2,
      onSeedDone: (r, thread) => {
        seen.push(r.seed);
        threads.set(r.seed, thread);
      },
      onEpoch: (seed, log, member) => epochs.add(`${seed}/${member}/${log.epoch}`),
    });
    expect(withoutTime(two.runs)).toEqual(withoutTime(one.runs));
    expect(two.summary).toEqual(one.summary);
    expect(two.split).toEqual(one.split);
    expect(seen.slice().sort()).toEqual([1, 3, 4, 5]);
    expect(threads.get(3)).toBe(0); // the first seed (whose model is kept) runs on the calling thread
    expect(threads.get(1)).toBe(1); // the worker claims the second seed before this thread starts
    for (const r of one.runs) for (let m = 0; m < 2; m++) expect(epochs.has(`${r.seed}/${m}/1`), `seed ${r.seed} member ${m}`).toBe(true);
    const ds = two.datasets.test;
    expect(Array.from(two.model.predictProba(ds.x, ds.rows))).toEqual(Array.from(one.model.predictProba(one.datasets.test.x, one.datasets.test.rows)));
  });

  it('registry models too (logreg), and jobs above the seed count are capped', async () => {
    const options = { model: 'logreg', seeds: [1, 2], resplit: true };
    const one = trainAndEvaluate(data, options);
    const many = await trainAndEvaluateParallel(data, { ...options, jobs: 8 });
    expect(withoutTime(many.runs)).toEqual(withoutTime(one.runs));
  });

  it('rejects a bad jobs value; a failing first seed fails the call', async () => {
    await expect(trainAndEvaluateParallel(data, { jobs: 0 })).rejects.toThrow(/jobs must be an integer >= 1, got 0/);
    await expect(trainAndEvaluateParallel(data, { jobs: 1.5 })).rejects.toThrow(/jobs must be an integer/);
    // A registry model that does not exist fails on this thread's first seed, before any worker result.
    await expect(trainAndEvaluateParallel(data, { model: 'no-such-model', seeds: [1, 2], jobs: 2 })).rejects.toThrow(/no-such-model/);
  });
});
