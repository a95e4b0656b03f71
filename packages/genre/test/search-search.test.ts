// Hyperparameter search: spaces, TPE, CV objective, worker threads, journal resume, report section.
import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { gridPoints, paramsToOptions, sampleParams, MLP_SPACE, type SearchSpace } from '../src/ml/search/space.js';
import { tpeSuggest, type Observation } from '../src/ml/search/tpe.js';
import { readJournal, runSearch } from '../src/ml/search/search.js';
import { crossValPredict } from '../src/ml/cv.js';
import { searchReportSection } from '../src/report/search.js';
import { LogisticRegression } from '../src/ml/logistic-regression.js';
import type { Dataset } from '../src/ml/types.js';

vi.setConfig({ testTimeout: 60_000 }); // the machine is shared; these fit real models

/** Two noisy classes, 40 artists; each artist's songs share an offset (so row-level CV would leak). */
function artists(seed: number, rows = 240): Dataset {
  const rng = new Rng(seed);
  const F = 3,
    x = new Float32Array(rows * F),
    y = new Int32Array(rows),
    groups: string[] = [];
  const offset = Array.from({ length: 40 }, () => rng.normal() * 0.5);
  for (let i = 0; i < rows; i++) {
    const a = i % 40,
      c = a % 2;
    y[i] = c;
    groups.push(`artist${a}`);
    x[i * F] = rng.normal() + c * 1.5 + offset[a];
    x[i * F + 1] = rng.normal();
    x[i * F + 2] = NaN; // all-missing column: imputed
  }
  return { x, y, rows, features: F, classes: 2, groups };
}

const space: SearchSpace = {
  C: { type: 'float', low: 1e-4, high: 10, log: true, grid: [1e-3, 1] },
  classWeight: { type: 'choice', values: [null, 'balanced'] },
};

describe('search spaces', () => {
  it('grids are the product of the axes; random points respect bounds; MLP width/depth make a funnel', () => {
    expect(gridPoints(space)).toEqual([
      { C: 1e-3, classWeight: null },
      { C: 1e-3, classWeight: 'balanced' },
      { C: 1, classWeight: null },
      { C: 1, classWeight: 'balanced' },
    ]);
    expect(gridPoints(MLP_SPACE).length).toBe(3 * 2 * 3 * 4 * 2 * 2 * 3);
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const p = sampleParams(MLP_SPACE, rng);
      expect(p.lr as number).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr as number).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(p.depth)).toBe(true);
      expect([32, 64, 128]).toContain(p.batchSize);
    }
    expect(paramsToOptions({ width: 128, depth: 3, lr: 0.01 }, { epochs: 5 })).toEqual({ hidden: [128, 64, 32], lr: 0.01, epochs: 5 });
  });
});

describe('tpeSuggest', () => {
  it('concentrates proposals where good trials were, unlike random sampling', () => {
    const s: SearchSpace = { x: { type: 'float', low: 0, high: 1 }, k: { type: 'choice', values: ['a', 'b', 'c'] } };
    const rng = new Rng(3);
    const hist: Observation[] = [];
    for (let i = 0; i < 40; i++) {
      const p = sampleParams(s, rng);
      hist.push({ params: p, score: -(((p.x as number) - 0.8) ** 2) + (p.k === 'b' ? 0.2 : 0) });
    }
    let dist = 0,
      bCount = 0;
    for (let i = 0; i < 50; i++) {
      const p = tpeSuggest(s, hist, new Rng(100 + i));
      dist += Math.abs((p.x as number) - 0.8) / 50;
      if (p.k === 'b') bCount++;
    }
    expect(dist).toBeLessThan(0.12); // uniform sampling: mean |x - 0.8| = 0.34
    expect(bCount).toBeGreaterThan(35); // uniform: ~17 of 50
    // fewer finished trials than `startup`: plain random sampling from the same Rng
    expect(tpeSuggest(s, hist.slice(0, 3), new Rng(9))).toEqual(sampleParams(s, new Rng(9)));
  });
});

describe('crossValPredict', () => {
  it('folds never share an artist and every row is predicted once', () => {
    const ds = artists(1);
    const r = crossValPredict(ds, () => new LogisticRegression(), { folds: 4, seed: 2 });
    const foldOf = new Map<string, number>();
    for (let i = 0; i < ds.rows; i++) {
      const g = ds.groups![i];
      if (foldOf.has(g)) expect(r.fold[i]).toBe(foldOf.get(g));
      else foldOf.set(g, r.fold[i]);
    }
    for (let i = 0; i < ds.rows; i++) expect(r.proba[i * 2] + r.proba[i * 2 + 1]).toBeCloseTo(1, 5);
    expect(r.foldMacroF1.length).toBe(4);
    expect(r.accuracy).toBeGreaterThan(0.7);
    // one fold only: the same model and split as fold 1 of the full run
    const one = crossValPredict(ds, () => new LogisticRegression(), { folds: 4, seed: 2, onlyFolds: [1] });
    expect(one.foldAccuracy).toEqual([r.foldAccuracy[1]]);
    expect(one.accuracy).toBe(r.foldAccuracy[1]);
    expect(Number.isNaN(one.proba[Array.from(one.fold).indexOf(-1) * 2])).toBe(true);
  });
});

describe('runSearch', () => {
  const objective = { model: 'logreg', cv: { folds: 3, seed: 1 } };

  it('is reproducible and resumes from its journal (torn last line ignored, other settings refused)', async () => {
    const ds = artists(2);
    const dir = mkdtempSync(join(tmpdir(), 'timbre-search-'));
    const fresh = await runSearch(ds, objective, { space, strategy: 'tpe', trials: 8, seed: 5, tpe: { startup: 3 } });
    expect(fresh.trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const journal = join(dir, 'j.jsonl');
    const part = await runSearch(ds, objective, { space, strategy: 'tpe', trials: 5, seed: 5, tpe: { startup: 3 }, journal });
    expect(part.resumed).toBe(0);
    appendFileSync(journal, '{"type":"trial","index":5,"par'); // a crash mid-write
    const seen: boolean[] = [];
    const resumed = await runSearch(ds, objective, {
      space,
      strategy: 'tpe',
      trials: 8,
      seed: 5,
      tpe: { startup: 3 },
      journal,
      onTrial: (_t, r) => seen.push(r),
    });
    expect(resumed.resumed).toBe(5);
    expect(seen.filter(Boolean).length).toBe(5);
    const strip = (r: typeof fresh) => r.trials.map((t) => [t.index, t.params, t.score]);
    expect(strip(resumed)).toEqual(strip(fresh));
    expect(resumed.best.score).toBe(Math.max(...fresh.trials.map((t) => t.score)));
    // the torn tail was cut before appending: the journal reads back cleanly with all 8 trials
    expect(readFileSync(journal, 'utf8')).not.toContain('"par\n');
    const j = readJournal(journal);
    expect(j.trials.size).toBe(8);
    expect(j.torn).toBe(false);
    await expect(runSearch(ds, objective, { space, strategy: 'tpe', trials: 8, seed: 6, journal })).rejects.toThrow(/different search \(its seed differs\)/);
  });

  it('runs trials on worker threads with the same results as in-process', async () => {
    const ds = artists(3);
    const opts = { space, strategy: 'random' as const, trials: 4, seed: 11 };
    const inProcess = await runSearch(ds, objective, opts);
    const threaded = await runSearch(ds, objective, { ...opts, parallel: 2 });
    expect(threaded.trials.map((t) => [t.params, t.score])).toEqual(inProcess.trials.map((t) => [t.params, t.score]));
  }, 60_000);

  it('grid search covers the grid; the report section has one dot per trial and the best first', async () => {
    const ds = artists(4);
    const r = await runSearch(ds, objective, { space, strategy: 'grid', trials: 100, seed: 0 });
    expect(r.trials.length).toBe(4);
    const sec = searchReportSection(r);
    expect(sec.html.match(/<circle/g)!.length).toBe(4);
    const firstRow = sec.html.split('<tbody>')[1].split('</tr>')[0];
    expect(firstRow).toContain(r.best.score.toFixed(4));
    expect(sec.html).toContain('<svg');
  });
});
