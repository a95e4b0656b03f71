// The pipeline's seed ensembles of MLPs (`ensemble: K`, `--ensemble K`) and registry models
// (`--model gbdt|rf|logreg`): save → load gives the same probabilities, K = 1 is the single-MLP path,
// an ensemble is the average of independently trained members, files from before ensembles still
// load, and `timbre train/evaluate --model gbdt` agrees with the library.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { loadSafetensors } from '@timbre/nn';
import { runCli } from './cli-helpers.js';
import { argmaxRows, evaluatePredictions } from '../src/ml/metrics.js';
import { SeedEnsemble } from '../src/ml/ensemble.js';
import type { GBDT } from '../src/ml/gbdt.js';
import { LogisticRegression } from '../src/ml/logistic-regression.js';
import { createModel } from '../src/ml/registry.js';
import { writePrepared, type PreparedData } from '../src/preprocess/preprocess.js';
import { makeDatasets } from '../src/pipeline/datasets.js';
import { MlpClassifier, mlpOptions } from '../src/ml/mlp.js';
import { loadGenreModel, saveGenreModel } from '../src/pipeline/model-file.js';
import { ensembleSeeds, trainAndEvaluate } from '../src/pipeline/run.js';

vi.setConfig({ testTimeout: 120_000 }); // the machine is shared and the scalar backend is slower; these train real models

const dir = mkdtempSync(join(tmpdir(), 'timbre-ens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Prepared data: 3 overlapping Gaussian classes in 5 features, 60 artists, a stored 70/15/15 artist split. */
function prepared(rows = 360): PreparedData {
  const rng = new Rng(21);
  const F = 5,
    C = 3;
  const x = new Float64Array(rows * F),
    y = new Int32Array(rows),
    split = new Int8Array(rows);
  const groups: string[] = [];
  for (let i = 0; i < rows; i++) {
    const artist = i % 60;
    y[i] = artist % C;
    for (let f = 0; f < F; f++) x[i * F + f] = rng.normal(f === y[i] ? 1.2 : 0, 1);
    groups.push(`AR${artist}`);
    split[i] = artist < 42 ? 0 : artist < 51 ? 1 : 2;
  }
  const names = Array.from({ length: F }, (_, f) => `timbre_mean_${f}`);
  return {
    featureNames: names,
    featureGroups: ['timbre'],
    classNames: ['Blues', 'Jazz', 'Rock'],
    rows,
    x,
    y,
    trackIds: Array.from({ length: rows }, (_, i) => `TR${String(i).padStart(6, '0')}`),
    artists: groups,
    titles: groups.map((g, i) => `${g} song ${i}`),
    groups,
    split,
  };
}

const data = prepared();
const small = { epochs: 25, patience: 5 };
const common = { featureNames: data.featureNames, featureGroups: data.featureGroups, keyEncoding: 'onehot' as const, classNames: data.classNames };

describe('seed ensemble of MLPs in the pipeline', () => {
  it('K = 1 is exactly the single-MLP path (same probabilities as an MlpClassifier trained by hand)', () => {
    const r = trainAndEvaluate(data, { preset: 'default', overrides: small, seeds: [4], ensemble: 1 });
    expect(r.ensemble).toBe(1);
    expect(r.model).toBeInstanceOf(MlpClassifier);
    const ds = makeDatasets(data, {});
    const byHand = new MlpClassifier(mlpOptions('default', { ...small, seed: 4 }));
    byHand.fit(ds.train, ds.valid);
    expect(Array.from(r.model.predictProba(ds.test.x, ds.test.rows))).toEqual(Array.from(byHand.predictProba(ds.test.x, ds.test.rows)));
    expect(r.runs[0].members).toEqual([{ seed: 4, epochsRun: byHand.history!.epochsRun, bestEpoch: byHand.history!.bestEpoch }]);
  });

  it('K = 3 averages three independently trained MLPs (seeds s, s+1000, s+2000), and member 0 is the K = 1 model', () => {
    const r = trainAndEvaluate(data, { preset: 'default', overrides: small, seeds: [4], ensemble: 3 });
    expect(r.model).toBeInstanceOf(SeedEnsemble);
    expect(ensembleSeeds(4, 3)).toEqual([4, 1004, 2004]);
    const ds = makeDatasets(data, {});
    const probs = ensembleSeeds(4, 3).map((s) => {
      const m = new MlpClassifier(mlpOptions('default', { ...small, seed: s }));
      m.fit(ds.train, ds.valid);
      return m.predictProba(ds.test.x, ds.test.rows);
    });
    const got = r.model.predictProba(ds.test.x, ds.test.rows);
    expect(got.length).toBe(ds.test.rows * 3);
    let maxErr = 0,
      spread = 0;
    for (let j = 0; j < got.length; j++) {
      const mean = (probs[0][j] + probs[1][j] + probs[2][j]) / 3;
      maxErr = Math.max(maxErr, Math.abs(got[j] - mean));
      spread = Math.max(spread, Math.abs(probs[0][j] - probs[1][j]));
    }
    expect(maxErr).toBeLessThan(1e-6);
    expect(spread).toBeGreaterThan(1e-3); // the members really differ, so the average is not trivially one of them
    const member0 = (r.model as SeedEnsemble).members[0];
    expect(Array.from(member0.predictProba(ds.test.x, ds.test.rows))).toEqual(Array.from(probs[0]));
    // the test metrics trainAndEvaluate reports are those of the averaged probabilities
    expect(r.runs[0].test).toEqual(evaluatePredictions(ds.test.y, argmaxRows(got, 3), 3));
  });

  it('save → load: one safetensors file with members.<i>.<PyTorch name>, identical probabilities', () => {
    const r = trainAndEvaluate(data, { preset: 'default', overrides: small, seeds: [2], ensemble: 3 });
    const p = saveGenreModel(join(dir, 'ens'), { classifier: r.model, preset: 'default', scaler: r.scaler, ...common });
    expect(p.weights).not.toBeNull();
    const { tensors, metadata } = loadSafetensors(p.weights!);
    expect(Object.keys(tensors).sort()).toEqual(
      [0, 1, 2].flatMap((i) => ['0.weight', '0.bias', '3.weight', '3.bias', '6.weight', '6.bias'].map((k) => `members.${i}.${k}`)).sort(),
    );
    expect(metadata.members).toBe('3');
    expect(JSON.parse(metadata.architecture).type).toBe('Sequential');
    const { classifier, meta } = loadGenreModel(p.json);
    expect(meta.kind).toBe('seed-ensemble');
    expect(meta.model.seeds).toEqual([2, 1002, 2002]);
    const x = r.datasets.test.x,
      n = r.datasets.test.rows;
    expect(Array.from(classifier.predictProba(x, n))).toEqual(Array.from(r.model.predictProba(x, n)));
    // and each member's weights went to its own prefix (not three copies of one member)
    const members = (classifier as SeedEnsemble).members;
    expect(Array.from(members[1].predictProba(x, n))).toEqual(Array.from((r.model as SeedEnsemble).members[1].predictProba(x, n)));
    expect(Array.from(members[1].predictProba(x, n))).not.toEqual(Array.from(members[0].predictProba(x, n)));
  });

  it('a weights file missing a member, or with a stray tensor, is refused with the file named', () => {
    const r = trainAndEvaluate(data, { preset: 'default', overrides: small, seeds: [1], ensemble: 2 });
    const p = saveGenreModel(join(dir, 'ens2'), { classifier: r.model, preset: 'default', scaler: r.scaler, ...common });
    const meta = JSON.parse(readFileSync(p.json, 'utf8'));
    const member = (i: number) => JSON.parse(JSON.stringify(meta.model.members[0]).replaceAll('"members.0.', `"members.${i}.`));
    writeFileSync(join(dir, 'ens3.json'), JSON.stringify({ ...meta, model: { ...meta.model, seeds: [1, 1001, 2001], members: [0, 1, 2].map(member) } }));
    expect(() => loadGenreModel(join(dir, 'ens3.json'))).toThrow(/ens2\.safetensors has no tensor "members\.2\.0\.weight"/);
    writeFileSync(join(dir, 'ens4.json'), JSON.stringify({ ...meta, model: { ...meta.model, seeds: [1], members: [member(0)] } }));
    expect(() => loadGenreModel(join(dir, 'ens4.json'))).toThrow(/ens2\.safetensors: 6 tensor\(s\) belong to no part of the model.*members\.1\./);
  });

  it('loads a single-MLP file saved before ensembles existed, with the same probabilities', () => {
    const { classifier, meta } = loadGenreModel(join(fixtures, 'genre-model-v1.json'));
    expect(meta.kind).toBe('mlp');
    expect(classifier).toBeInstanceOf(MlpClassifier);
    const expected = JSON.parse(readFileSync(join(fixtures, 'genre-model-v1.expected.json'), 'utf8')) as { x: number[]; rows: number; proba: number[] };
    expect(Array.from(classifier.predictProba(Float32Array.from(expected.x), expected.rows))).toEqual(expected.proba);
  });

  it('the ensemble option is checked', () => {
    expect(() => trainAndEvaluate(data, { seeds: [1], ensemble: 0 })).toThrow(/integer in 1\.\.100, got 0/);
    expect(() => trainAndEvaluate(data, { seeds: [1], model: 'gbdt', ensemble: 3 })).toThrow(/applies to the MLP only/);
  });
});

describe('registry models in the pipeline', () => {
  it('logreg and rf: save → load (JSON only) gives identical probabilities', () => {
    for (const name of ['logreg', 'rf'] as const) {
      const opts = name === 'rf' ? { nTrees: 10 } : { C: 0.5 };
      const r = trainAndEvaluate(data, { model: name, modelOptions: opts, seeds: [3] });
      expect(r.modelName).toBe(name);
      const p = saveGenreModel(join(dir, name), { classifier: r.model, preset: 'default', scaler: r.scaler, modelOptions: opts, ...common });
      expect(p.weights).toBeNull();
      const { classifier, meta } = loadGenreModel(p.json);
      expect(meta.kind).toBe(name);
      expect(meta.modelOptions).toEqual(opts);
      const x = r.datasets.test.x,
        n = r.datasets.test.rows;
      expect(Array.from(classifier.predictProba(x, n))).toEqual(Array.from(r.model.predictProba(x, n)));
    }
    expect(LogisticRegression.fromJSON.bind(null, { classes: 2, features: 3, coef: [1, 2], intercept: [0, 0] })).toThrow(/coef of classes\*features = 2\*3/);
  });

  it('timbre train --model gbdt → evaluate agrees with a GBDT trained by the library; predict uses it', async () => {
    const csv = join(dir, 'pp.csv'),
      base = join(dir, 'gbdt');
    await writePrepared(csv, data);
    const opts = { nRounds: 15, maxDepth: 3 };
    const t = await cli('--json', 'train', csv, '--model', 'gbdt', '--model-options', JSON.stringify(opts), '--seeds', '1', '--no-refit', '-o', base);
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    expect(tj.modelName).toBe('gbdt');
    expect(tj.model.weights).toBeNull();
    const saved = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    expect(saved.kind).toBe('gbdt');

    // the same model by hand: stored split, seed 1, the registry's factory
    const ds = makeDatasets(data, {});
    const byHand = createModel('gbdt', opts, 1) as GBDT;
    byHand.fit(ds.train, ds.valid);
    const { classifier } = loadGenreModel(`${base}.json`);
    expect(Array.from(classifier.predictProba(ds.test.x, ds.test.rows))).toEqual(Array.from(byHand.predictProba(ds.test.x, ds.test.rows)));

    const e = await cli('--json', 'evaluate', `${base}.json`, csv);
    expect(e.code, e.err).toBe(0);
    const expected = evaluatePredictions(ds.test.y, argmaxRows(byHand.predictProba(ds.test.x, ds.test.rows), 3), 3);
    expect(JSON.parse(e.out).metrics.macroF1).toBeCloseTo(expected.macroF1, 12);
    expect(JSON.parse(e.out).metrics.accuracy).toBeCloseTo(expected.accuracy, 12);

    // predict on a song table with the model's columns
    const table = join(dir, 'songs.csv');
    const rows = [0, 1, 2].map((i) => [data.trackIds[i], data.artists[i], data.titles[i], ...Array.from(data.x.subarray(i * 5, i * 5 + 5), String)].join(','));
    writeFileSync(table, ['track_id,artist_name,title,' + data.featureNames.join(','), ...rows].join('\n') + '\n');
    const pr = await cli('--json', 'predict', `${base}.json`, table);
    expect(pr.code, pr.err).toBe(0);
    const preds = JSON.parse(pr.out).predictions as { trackId: string; probabilities: number[] }[];
    expect(preds.map((q) => q.trackId)).toEqual(data.trackIds.slice(0, 3));
    const sc = saved.scaler as { shift: number[]; scale: number[] };
    const x0 = Float32Array.from(data.x.subarray(0, 5), (v, f) => (v - sc.shift[f]) / sc.scale[f]);
    const p0 = byHand.predictProba(x0, 1);
    preds[0].probabilities.forEach((v, c) => expect(v).toBeCloseTo(p0[c], 6));
  });

  it('timbre train --ensemble 2 saves an ensemble that evaluate scores as trainAndEvaluate did', async () => {
    const csv = join(dir, 'pp.csv'),
      base = join(dir, 'ens-cli');
    await writePrepared(csv, data);
    const t = await cli('--json', 'train', csv, '--ensemble', '2', '--epochs', '25', '--patience', '5', '--seeds', '2,9', '--no-refit', '-o', base);
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    expect(tj.ensemble).toBe(2);
    const e = await cli('--json', 'evaluate', `${base}.json`, csv);
    expect(e.code, e.err).toBe(0);
    // the saved model is the first seed's: evaluate must reproduce that run's test score
    expect(tj.runs.map((x: { seed: number }) => x.seed)).toEqual([2, 9]);
    expect(JSON.parse(e.out).metrics.macroF1).toBeCloseTo(tj.runs[0].macroF1, 12);
    expect(JSON.parse(e.out).metrics.accuracy).toBeCloseTo(tj.runs[0].accuracy, 12);
    expect(JSON.parse(readFileSync(`${base}.json`, 'utf8')).model.seeds).toEqual([2, 1002]);
  });

  it("after train --resplit, evaluate scores the test rows of the model's own split (not the stored split it partly trained on)", async () => {
    const csv = join(dir, 'pp-resplit.csv'),
      base = join(dir, 'resplit-cli');
    await writePrepared(csv, data);
    const t = await cli(
      '--json',
      'train',
      csv,
      '--resplit',
      '--ensemble',
      '1',
      '--epochs',
      '25',
      '--patience',
      '5',
      '--seeds',
      '3,8',
      '--no-refit',
      '-o',
      base,
    );
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    expect(JSON.parse(readFileSync(`${base}.json`, 'utf8')).split).toEqual({ resplitSeed: 3, random: false, rows: data.rows });
    const e = await cli('--json', 'evaluate', `${base}.json`, csv);
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).metrics.macroF1).toBeCloseTo(tj.runs[0].macroF1, 12);
    expect(JSON.parse(e.out).metrics.accuracy).toBeCloseTo(tj.runs[0].accuracy, 12);
    // On data with another row count the split cannot be redrawn: a clear error, not a leaky score.
    const fewer = join(dir, 'pp-fewer.csv');
    await writePrepared(fewer, prepared(300));
    const f = await cli('evaluate', `${base}.json`, fewer);
    expect(f.code).toBe(1);
    expect(f.err).toMatch(/re-split \(seed 3\) of 360 rows.*has 300/);
  });

  it('train refits the saved model on every labelled row, for the median best epoch of the evaluation', async () => {
    const csv = join(dir, 'refit.csv');
    await writePrepared(csv, data);
    const base = join(dir, 'refit');
    const t = await cli('--json', 'train', csv, '--ensemble', '2', '--epochs', '25', '--patience', '5', '--seeds', '2,9', '-o', base);
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    const { classifier, meta } = loadGenreModel(`${base}.json`);
    const best =
      (tj.runs as unknown[]).length === 2
        ? trainAndEvaluate(data, { preset: 'default', overrides: { epochs: 25, patience: 5 }, seeds: [2, 9], ensemble: 2 })
            .runs.flatMap((r) => r.members.map((m) => m.bestEpoch))
            .sort((a, b) => a - b)
        : [];
    expect(meta.fit).toEqual({
      refit: true,
      rows: data.rows,
      epochs: Math.round((best[1] + best[2]) / 2),
      from: "the median best epoch of the evaluation's 4 fits",
    });
    expect(meta.split).toBeUndefined();
    expect((classifier as SeedEnsemble).members).toHaveLength(2);
    expect(meta.history?.epochsRun).toBe(meta.fit!.epochs); // trained for exactly that many epochs, no early stop
    // Its evaluation is the artist-disjoint one, kept in the file; scoring a split of its own data is refused.
    expect((meta.metrics as { summary: unknown }).summary).toEqual(tj.summary);
    const e = await cli('--json', 'evaluate', `${base}.json`, csv);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/was refit on all 360 labelled rows.*--part all/);
    expect(JSON.parse(e.out).error).toMatch(/was refit/); // --json errors are JSON on stdout too
    expect((await cli('evaluate', `${base}.json`, csv, '--part', 'all')).code).toBe(0);
  });

  it('evaluate names the features the input lacks', async () => {
    const base = join(dir, 'named');
    await writePrepared(join(dir, 'named.csv'), data);
    expect((await cli('fit', join(dir, 'named.csv'), '--model', 'logreg', '-o', base)).code).toBe(0);
    const other = join(dir, 'other-features.csv');
    await writePrepared(other, { ...data, featureNames: data.featureNames.map((f) => (f === 'timbre_mean_4' ? 'loudness' : f)) });
    const e = await cli('evaluate', `${base}.json`, other);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/does not have the model's features: it lacks timbre_mean_4 and has loudness the model does not use/);
  });

  it('with no test rows (--test 0), train fits the final model only and says it is not evaluated', async () => {
    const csv = join(dir, 'no-test.csv');
    await writePrepared(csv, { ...data, split: data.split.map((p) => (p === 2 ? 0 : p)) as Int8Array });
    const t = await cli('--json', 'train', csv, '--epochs', '20', '--patience', '4', '--ensemble', '1', '-o', join(dir, 'no-test'));
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    expect(tj.evaluated).toBe(false);
    expect(tj.fit.refit).toBe(true);
    expect(tj.fit.from).toMatch(/early-stopped on the validation split/);
    expect(loadGenreModel(join(dir, 'no-test.json')).meta.fit?.rows).toBe(data.rows);
    const n = await cli('train', csv, '--no-refit', '-o', join(dir, 'no-test2'));
    expect(n.code).toBe(1);
    expect(n.err).toMatch(/has no test rows, so there is nothing to evaluate/);
  });

  it('--patience none trains every epoch (no early stopping)', async () => {
    const csv = join(dir, 'pp-none.csv');
    await writePrepared(csv, data);
    const t = await cli('--json', 'train', csv, '--patience', 'none', '--epochs', '6', '--ensemble', '1', '--seeds', '1', '-o', join(dir, 'pn'));
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    expect(tj.options.patience).toBeNull();
    expect(tj.runs[0].epochs).toBe(6);
  });

  it('refuses --ensemble with --model, MLP flags with --model, and unknown models', async () => {
    const csv = join(dir, 'pp.csv');
    await writePrepared(csv, data);
    const a = await cli('train', csv, '--model', 'gbdt', '--ensemble', '3', '-o', join(dir, 'x'));
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/--ensemble applies to the MLP only/);
    const d = await cli('train', csv, '--model', 'gbdt', '--weight-decay', '0.1', '-o', join(dir, 'x'));
    expect(d.err).toMatch(/--weight-decay is an MLP setting/);
    const c = await cli('train', csv, '--model', 'nope', '-o', join(dir, 'x'));
    expect(c.err).toMatch(/unknown model "nope"/);
  });
});

const cli = runCli;

describe('train --preset auto and predict --explain', () => {
  it('auto chooses among the candidates on the data, saves the calibrated winner, and predict explains each song', async () => {
    const csv = join(dir, 'auto.csv');
    await writePrepared(csv, data);
    const base = join(dir, 'auto');
    const t = await cli('--json', 'train', csv, '--preset', 'auto', '--budget', '30', '--seeds', '3', '-o', base, '--report', `${base}.html`);
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    expect(tj.preset).toBe('auto');
    expect(tj.candidates.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['logreg', 'rf', 'gbdt']));
    const scored = tj.candidates.filter((c: { status: string }) => c.status === 'scored');
    expect(scored.length).toBeGreaterThan(0);
    // the chosen candidate is the scored one with the best cross-validated macro-F1
    const best = scored.reduce((a: { macroF1: number }, b: { macroF1: number }) => (b.macroF1 > a.macroF1 ? b : a));
    expect(tj.chosen.name).toBe(best.name);
    // the report shows the same candidates with the --json's fold scores
    const html = readFileSync(`${base}.html`, 'utf8');
    // the nested estimate (2 outer folds by default) runs when the choice left time for it; else the output says why not
    if (tj.nested !== undefined) {
      expect(tj.nested.folds).toBe(2);
      expect(tj.nested.accuracy).toBeGreaterThan(tj.nested.majorityAccuracy);
      // the report shows both calibration errors
      expect(html).toContain(`ECE ${(100 * tj.nested.ece).toFixed(1)} %`);
      expect(html).toContain(`ECE ${(100 * tj.nested.eceCalibrated).toFixed(1)} %`);
    } else {
      expect(tj.nestedNote).toMatch(/^nested estimate dropped: \d of 2 outer folds left/);
    }
    const rows = [...html.matchAll(/<tr class="candidate[^"]*" data-name="([^"]+)"[^>]*>(.*?)<\/tr>/g)];
    expect(rows.map((r) => r[1])).toEqual(tj.candidates.map((c: { name: string }) => c.name));
    for (const c of scored as { name: string; foldMacroF1: { mean: number; std: number } }[]) {
      const row = rows.find((r) => r[1] === c.name)![2];
      expect(row).toContain(`<td>${(100 * c.foldMacroF1.mean).toFixed(1)} ± ${(100 * c.foldMacroF1.std).toFixed(1)}</td>`);
    }
    const { classifier, meta } = loadGenreModel(`${base}.json`);
    expect(classifier.kind).toBe('calibrated');
    expect(meta.fit?.rows).toBe(data.rows);
    // predict --explain on a song table of the same features
    const table = join(dir, 'auto-songs.csv');
    const F = data.featureNames.length;
    writeFileSync(
      table,
      [
        ['track_id', 'artist_name', 'title', ...data.featureNames].join(','),
        ...Array.from({ length: 12 }, (_, i) =>
          [data.trackIds[i], data.artists[i], data.titles[i], ...Array.from(data.x.subarray(i * F, (i + 1) * F), String)].join(','),
        ),
      ].join('\n') + '\n',
    );
    const p = await cli('--json', 'predict', `${base}.json`, table, '--explain', '2');
    expect(p.code, p.err).toBe(0);
    const preds = JSON.parse(p.out).predictions as { genre: string; explanation: { feature: string; effect: number }[] }[];
    expect(preds).toHaveLength(12);
    for (const q of preds) {
      // the five timbre columns read as one group, the song's timbre summary
      expect(q.explanation).toEqual([{ feature: 'timbre', effect: expect.any(Number) }]);
      expect(Number.isFinite(q.explanation[0].effect)).toBe(true);
    }
  });

  it('auto refuses the MLP flags and --model, naming the flag', async () => {
    const csv = join(dir, 'auto2.csv');
    await writePrepared(csv, data);
    const e = await cli('train', csv, '--preset', 'auto', '--epochs', '3', '-o', join(dir, 'auto2'));
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/--preset auto chooses the model and its settings itself; drop --epochs/);
  });
});
