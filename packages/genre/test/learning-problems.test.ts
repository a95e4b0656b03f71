// Learning problems said out loud: a training split with one class is an error naming it and what to
// do; a class that appears only outside training is a warning naming it (makeDatasets and every run).
import { describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import type { PreparedData } from '../src/preprocess/preprocess.js';
import { makeDatasets } from '../src/pipeline/datasets.js';
import { trainAndEvaluate } from '../src/pipeline/run.js';

/** Prepared data with the given (class, split) per row: 0 = train, 1 = valid, 2 = test. */
function prepared(classNames: string[], rows: readonly (readonly [number, number])[]): PreparedData {
  const rng = new Rng(1),
    F = 3;
  const x = new Float64Array(rows.length * F);
  for (let i = 0; i < rows.length; i++) for (let f = 0; f < F; f++) x[i * F + f] = rng.normal(rows[i][0] === f ? 2 : 0, 1);
  const ids = rows.map((_, i) => `T${i}`);
  return {
    featureNames: ['a', 'b', 'c'],
    featureGroups: [],
    classNames,
    rows: rows.length,
    x,
    y: Int32Array.from(rows.map((r) => r[0])),
    split: Int8Array.from(rows.map((r) => r[1])),
    trackIds: ids,
    artists: ids,
    titles: ids,
    groups: ids,
  };
}
const repeat = (n: number, row: readonly [number, number]) => Array.from({ length: n }, () => row);

describe('learning problems', () => {
  it('a training split with one class is an error naming the class and what to do', () => {
    const data = prepared(['jazz', 'rock'], [...repeat(20, [1, 0]), ...repeat(4, [0, 1]), ...repeat(4, [1, 1]), ...repeat(4, [0, 2]), ...repeat(4, [1, 2])]);
    expect(() => makeDatasets(data)).toThrow(/training split holds only class "rock" \(20 rows\); a classifier needs at least two classes.*--resplit/);
    expect(() => trainAndEvaluate(data, { preset: 'original', seeds: [1], overrides: { epochs: 1 } })).toThrow(/only class "rock"/);
  });

  it('a class that appears only in the test split is a warning naming it, in the datasets and in the run', () => {
    const data = prepared(
      ['blues', 'jazz', 'rock'],
      [
        ...repeat(10, [1, 0]),
        ...repeat(10, [2, 0]),
        ...repeat(3, [1, 1]),
        ...repeat(3, [2, 1]),
        ...repeat(3, [1, 2]),
        ...repeat(3, [2, 2]),
        ...repeat(2, [0, 2]),
      ],
    );
    const ds = makeDatasets(data);
    expect(ds.warnings).toEqual([
      expect.stringMatching(/^class "blues" has no training rows \(only 2 test rows\), so the model can never predict it; .*--resplit/),
    ]);
    const r = trainAndEvaluate(data, { preset: 'original', seeds: [1, 2], overrides: { epochs: 2 } });
    expect(r.warnings).toEqual(ds.warnings);
    expect(r.runs.map((x) => x.warnings)).toEqual([ds.warnings, ds.warnings]);
  });

  it('a split with every class in training has no warnings', () => {
    const data = prepared(
      ['jazz', 'rock'],
      [...repeat(10, [0, 0]), ...repeat(10, [1, 0]), ...repeat(2, [0, 1]), ...repeat(2, [1, 1]), ...repeat(2, [0, 2]), ...repeat(2, [1, 2])],
    );
    expect(makeDatasets(data).warnings).toEqual([]);
  });
});
