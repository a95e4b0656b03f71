// `timbre train` chooses its model by default (the auto preset): the saved model is calibrated and
// `timbre predict` labels every row of a new table with its temperature-scaled probability; MLP
// flags without --preset select the default preset; `run` keeps the MLP preset; a budget too small
// for the nested estimate drops it and still leaves a model.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { runCli } from './cli-helpers.js';
import { writePrepared, type PreparedData } from '../src/preprocess/preprocess.js';
import { loadGenreModel } from '../src/pipeline/model-file.js';
import { applyScaler } from '../src/ml/scaler.js';
import { CalibratedClassifier } from '../src/ml/calibration.js';
import { chooseModel, type CandidateSpec } from '../src/ml/select.js';
import { defaultAutoBudget, trainAuto } from '../src/pipeline/auto.js';
import { rawDataset } from '../src/pipeline/datasets.js';

vi.setConfig({ testTimeout: 60_000 }); // the machine is shared; each train here is bounded by a few seconds of budget

const dir = mkdtempSync(join(tmpdir(), 'timbre-auto-default-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Prepared data: 3 overlapping Gaussian classes in 4 features, 30 artists, a stored 70/15/15 artist split. */
function prepared(rows = 180): PreparedData {
  const rng = new Rng(5);
  const F = 4,
    C = 3;
  const x = new Float64Array(rows * F),
    y = new Int32Array(rows),
    split = new Int8Array(rows);
  const groups: string[] = [];
  for (let i = 0; i < rows; i++) {
    const artist = i % 30;
    y[i] = artist % C;
    for (let f = 0; f < F; f++) x[i * F + f] = rng.normal(f === y[i] ? 1.5 : 0, 1);
    groups.push(`AR${artist}`);
    split[i] = artist < 21 ? 0 : artist < 25 ? 1 : 2;
  }
  return {
    x,
    y,
    rows,
    featureNames: Array.from({ length: F }, (_, f) => `timbre_mean_${f}`),
    featureGroups: ['timbre'],
    classNames: ['blues', 'jazz', 'rock'],
    split,
    groups,
    trackIds: Array.from({ length: rows }, (_, i) => `TR${String(i).padStart(6, '0')}`),
    artists: groups,
    titles: Array.from({ length: rows }, (_, i) => `song ${i}`),
  };
}

const data = prepared();

describe('timbre train: auto is the default preset', () => {
  it('without --preset it chooses, saves a calibrated model, and predict labels every row with its calibrated probability', async () => {
    const csv = join(dir, 'd.csv');
    await writePrepared(csv, data);
    const base = join(dir, 'm');
    const t = await runCli('--json', 'train', csv, '--budget', '4', '-o', base, '--report', join(dir, 'm.html'));
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    // the report lists every candidate with its cross-validated macro-F1 (or says it was skipped)
    const html = readFileSync(join(dir, 'm.html'), 'utf8');
    expect(html).toContain('Model choice (auto preset)');
    const rows = [...html.matchAll(/<tr class="candidate[^"]*" data-name="([^"]+)"[^>]*>(.*?)<\/tr>/g)];
    expect(rows.map((r) => r[1])).toEqual(tj.candidates.map((c: { name: string }) => c.name));
    for (const c of tj.candidates as { name: string; status: string; foldMacroF1: { mean: number; std: number } | null }[]) {
      const row = rows.find((r) => r[1] === c.name)![2];
      if (c.status === 'scored' && c.foldMacroF1)
        expect(row).toContain(`<td>${(100 * c.foldMacroF1.mean).toFixed(1)} ± ${(100 * c.foldMacroF1.std).toFixed(1)}</td>`);
      else expect(row).toMatch(/skipped/);
    }
    expect(tj.preset).toBe('auto');
    expect(tj.budgetSeconds).toBe(4);
    expect(tj.candidates[0].name).toBe('logreg');
    expect(tj.candidates[0].status).toBe('scored'); // the first candidate always runs
    const { classifier, meta } = loadGenreModel(`${base}.json`);
    expect(classifier).toBeInstanceOf(CalibratedClassifier);
    const cal = classifier as CalibratedClassifier;
    expect(cal.temperature).toBeCloseTo(tj.temperature, 6);

    // A new table of 20 songs: predict must label every one, with softmax(log p / T) of the wrapped model's p.
    const rng = new Rng(77),
      n = 20,
      F = data.featureNames.length;
    const x = new Float64Array(n * F);
    for (let j = 0; j < x.length; j++) x[j] = rng.normal(0, 1.5);
    const table = join(dir, 'new.csv');
    writeFileSync(
      table,
      [
        ['track_id', 'artist_name', 'title', ...data.featureNames].join(','),
        ...Array.from({ length: n }, (_, i) =>
          [`TRNEW${i}`, `new artist ${i}`, `new ${i}`, ...Array.from(x.subarray(i * F, (i + 1) * F), (v) => v.toFixed(6))].join(','),
        ),
      ].join('\n') + '\n',
    );
    const p = await runCli('--json', 'predict', `${base}.json`, table);
    expect(p.code, p.err).toBe(0);
    const preds = JSON.parse(p.out).predictions as { trackId: string; genre: string; probability: number }[];
    expect(preds.map((q) => q.trackId)).toEqual(Array.from({ length: n }, (_, i) => `TRNEW${i}`));
    const xs = applyScaler(
      meta.scaler,
      Float64Array.from(x, (v) => Number(v.toFixed(6))),
      n,
    );
    const raw = cal.base.predictProba(xs, n);
    const K = data.classNames.length,
      T = cal.temperature;
    for (let i = 0; i < n; i++) {
      // reference: tempered softmax in float64, written out here
      const z = Array.from({ length: K }, (_, k) => Math.log(Math.max(1e-12, raw[i * K + k])) / T);
      const m = Math.max(...z),
        e = z.map((v) => Math.exp(v - m)),
        s = e.reduce((a, b) => a + b, 0);
      const best = e.indexOf(Math.max(...e));
      expect(preds[i].genre).toBe(data.classNames[best]);
      expect(preds[i].probability).toBeCloseTo(e[best] / s, 4);
      expect(preds[i].probability).toBeGreaterThanOrEqual(1 / K - 1e-6);
      expect(preds[i].probability).toBeLessThanOrEqual(1);
    }
  });

  it('MLP flags or --model without --preset select the default preset; with --preset auto they are refused', async () => {
    const csv = join(dir, 'd2.csv');
    await writePrepared(csv, data);
    const t = await runCli('--json', 'train', csv, '--epochs', '3', '--ensemble', '1', '--seeds', '1', '--no-refit', '-o', join(dir, 'mlp'));
    expect(t.code, t.err).toBe(0);
    expect(JSON.parse(t.out).preset).toBe('default');
    const g = await runCli('--json', 'train', csv, '--model', 'logreg', '--seeds', '1', '--no-refit', '-o', join(dir, 'lr'));
    expect(g.code, g.err).toBe(0);
    expect(JSON.parse(g.out).modelName).toBe('logreg');
    const e = await runCli('train', csv, '--preset', 'auto', '--model', 'logreg', '-o', join(dir, 'x'));
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/--preset auto chooses the model and its settings itself; drop --model/);
  });

  it('--nested 0 skips the nested estimate; --nested takes 0 or at least 2, and only with auto', async () => {
    const csv = join(dir, 'd3.csv');
    await writePrepared(csv, data);
    const t = await runCli('--json', 'train', csv, '--budget', '2', '--nested', '0', '-o', join(dir, 'n0'));
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    expect(tj.preset).toBe('auto');
    expect(tj.nested).toBeUndefined();
    expect(tj.nestedNote).toBeUndefined();
    const bad = await runCli('train', csv, '--nested', '1', '-o', join(dir, 'n1'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--nested: expected 0 or an integer >= 2, got "1"/);
    const other = await runCli('train', csv, '--preset', 'default', '--nested', '2', '-o', join(dir, 'n2'));
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/--nested applies to the auto preset, not to --preset default/);
  });

  it('the help says so: train defaults to auto and explains --budget; run keeps the default preset and says why', async () => {
    const tr = await runCli('train', '--help');
    const trHelp = tr.out.replace(/\s+/g, ' ');
    expect(trHelp).toMatch(/auto \(the default: choose among/);
    expect(trHelp).toMatch(/--budget <seconds>.*fitted once, in that order, before further C values and MLP seeds/);
    expect(trHelp).toMatch(/\(choices: "auto", "default", "original", default: "auto"\)/);
    const run = await runCli('run', '--help');
    const runHelp = run.out.replace(/\s+/g, ' ');
    expect(runHelp).toMatch(/default: "default"\)/);
    expect(runHelp).toMatch(/auto preset chooses on all rows by cross-validation instead, so it is a train option/);
  });
});

describe('the auto budget', () => {
  it('grows with the rows between 50 and 170 seconds', () => {
    expect(defaultAutoBudget(100)).toBe(55);
    expect(defaultAutoBudget(2000)).toBe(55);
    expect(defaultAutoBudget(4000)).toBe(105);
    expect(defaultAutoBudget(7000)).toBe(170);
    expect(defaultAutoBudget(1e6)).toBe(170);
  });

  it("fits every candidate's first variant once before any grid point or further seed", () => {
    const ds = rawDataset(data);
    const candidates: CandidateSpec[] = [
      { name: 'logreg', model: 'logreg', grid: [{ C: 1 }, { C: 0.1 }] },
      { name: 'maj', model: 'majority', seeds: 2 },
    ];
    const order: string[] = [];
    chooseModel(ds, { candidates, innerFolds: 3, seed: 1, onFit: (f) => order.push(f.candidate) });
    // 3 inner folds per run: logreg C=1, majority seed 1, then logreg C=0.1, majority seed 2
    expect(order).toEqual([...Array(3).fill('logreg'), ...Array(3).fill('maj'), ...Array(3).fill('logreg'), ...Array(3).fill('maj')]);
  });

  it('a budget too small for anything still scores the first candidate once, drops the nested estimate with a note, and trainAuto saves a model', () => {
    const ds = rawDataset(data);
    const candidates: CandidateSpec[] = [
      { name: 'logreg', model: 'logreg', grid: [{ C: 0.1 }, { C: 1 }] },
      { name: 'gbdt', model: 'gbdt', options: { nRounds: 20 } },
    ];
    const r = chooseModel(ds, { candidates, outerFolds: 3, budgetSeconds: 1e-9, seed: 1 });
    expect(r.candidates.map((c) => [c.name, c.status])).toEqual([
      ['logreg', 'scored'],
      ['gbdt', 'skipped'],
    ]);
    expect(r.candidates[0].variants.map((v) => v.options.C)).toEqual([0.1]); // only the first variant
    expect(r.chosen.name).toBe('logreg');
    expect(r.outer).toBeNull();
    expect(r.outerNote).toMatch(/nested estimate dropped: 3 of 3 outer folds left/);
    expect(() => chooseModel(ds, { candidates, choiceShare: 0 })).toThrow(/chooseModel: choiceShare must be in \(0, 1\], got 0/);
    const a = trainAuto(data, { budgetSeconds: 1e-9, seed: 1 });
    expect(a.choice.chosen.name).toBe('logreg');
    expect(a.model.predictProba(new Float32Array(4), 1)).toHaveLength(3);
  });
});
