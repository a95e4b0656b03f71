import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import { loadSafetensors } from '@timbre/nn';
import type { Dataset } from '../src/ml/types.js';
import { MlpClassifier, MLP_PRESETS, classWeightsFor, mlpOptions } from '../src/ml/mlp.js';
import { loadGenreModel, saveGenreModel } from '../src/pipeline/model-file.js';
import { argmaxRows, evaluatePredictions } from '../src/ml/metrics.js';
import { fitScaler } from '../src/ml/scaler.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-mlp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Gaussian blobs: class c centred at 2.5·e_c in `features` dimensions (plus noise features). */
function blobs(rows: number, classes: number, features: number, seed: number, spread = 1): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * features),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    y[i] = c;
    for (let f = 0; f < features; f++) x[i * features + f] = rng.normal(f === c ? 2.5 : 0, spread);
  }
  return { x, y, rows, features, classes };
}

describe('MlpClassifier', () => {
  const train = blobs(300, 4, 6, 1),
    valid = blobs(120, 4, 6, 2),
    test = blobs(200, 4, 6, 3);

  it('learns separable classes; probabilities are a distribution over exactly `classes` outputs', () => {
    const m = new MlpClassifier(mlpOptions('default', { epochs: 60, seed: 3 }));
    m.fit(train, valid);
    const p = m.predictProba(test.x, test.rows);
    expect(p.length).toBe(test.rows * 4);
    for (let r = 0; r < test.rows; r++) {
      let s = 0;
      for (let c = 0; c < 4; c++) {
        expect(p[r * 4 + c]).toBeGreaterThanOrEqual(0);
        s += p[r * 4 + c];
      }
      expect(s).toBeCloseTo(1, 5);
    }
    const acc = evaluatePredictions(test.y, argmaxRows(p, 4), 4).accuracy;
    expect(acc).toBeGreaterThan(0.85);
  });

  it("the seed preset keeps the seed's design, with one output per class", () => {
    const o = MLP_PRESETS.original;
    expect([o.hidden, o.optimizer, o.lr, o.batchSize, o.dropout, o.weightDecay, o.classWeights, o.patience]).toEqual([
      [128, 64, 32],
      'adam',
      0.01,
      32,
      0,
      0,
      'none',
      null,
    ]);
    const m = new MlpClassifier(mlpOptions('original', { epochs: 2 }));
    m.fit(blobs(40, 17, 20, 4));
    const names = m.model!.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`);
    expect(names).toEqual(['0.weight:128x20', '0.bias:128', '2.weight:64x128', '2.bias:64', '4.weight:32x64', '4.bias:32', '6.weight:17x32', '6.bias:17']);
  });

  it('is reproducible from its seed (initialisation, dropout, batch order) and varies with it', () => {
    const run = (seed: number) => {
      const m = new MlpClassifier(mlpOptions('default', { epochs: 5, patience: null, seed }));
      m.fit(train);
      return Array.from(m.predictProba(test.x.slice(0, 60), 10));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('early stopping restores the weights of the best validation macro-F1 epoch', () => {
    const noisy = blobs(200, 3, 5, 8, 2.2),
      v = blobs(90, 3, 5, 9, 2.2);
    const m = new MlpClassifier(mlpOptions('default', { epochs: 80, patience: 5, seed: 2, lr: 0.01 }));
    const h = m.fit(noisy, v);
    expect(h.epochsRun).toBeLessThan(80);
    const best = Math.max(...h.validMetric);
    expect(h.validMetric[h.bestEpoch - 1]).toBe(best);
    expect(h.epochsRun - h.bestEpoch).toBe(6); // patience 5: stops on the 6th epoch without improvement
    const f1 = evaluatePredictions(v.y, argmaxRows(m.predictProba(v.x, v.rows), 3), 3).macroF1;
    expect(f1).toBe(best);
  });

  it('class weights: balanced and sqrt follow n / (C·count)', () => {
    const y = Int32Array.from([0, 0, 0, 1]);
    expect(Array.from(classWeightsFor(y, 2, 'balanced')!)).toEqual([4 / 6, 2].map(Math.fround));
    expect(Array.from(classWeightsFor(y, 2, 'sqrt')!)).toEqual([Math.sqrt(4 / 6), Math.sqrt(2)].map(Math.fround));
    expect(classWeightsFor(y, 2, 'none')).toBeNull();
  });

  it('uniform sample weights do not change training (the weighted mean is scale-free)', () => {
    const run = (w: number | null) => {
      const m = new MlpClassifier(mlpOptions('default', { epochs: 3, patience: null, seed: 1, classWeights: 'balanced' }));
      m.fit(w === null ? train : { ...train, weights: new Float32Array(train.rows).fill(w) });
      return Array.from(m.predictProba(test.x.slice(0, 30), 5));
    };
    const a = run(null),
      b = run(3);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
  });

  it('rejects bad data and options clearly', () => {
    const bad = { ...train, x: train.x.slice() };
    bad.x[7] = NaN;
    expect(() => new MlpClassifier(mlpOptions('default')).fit(bad, valid)).toThrow(/x\[row 1, feature 1\] = NaN is not finite/);
    expect(() => new MlpClassifier(mlpOptions('default')).fit(train)).toThrow(/early stopping \(patience 30\) needs a validation set/);
    expect(() => mlpOptions('huge')).toThrow(/unknown preset "huge"/);
    expect(() => mlpOptions('default', { dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(() => mlpOptions('default', { nope: 1 } as never)).toThrow(/unknown option "nope"/);
    expect(() => new MlpClassifier().predictProba(test.x, test.rows)).toThrow(/not trained/);
  });
});

describe('saved models', () => {
  it('round-trip: safetensors + JSON give identical predictions', () => {
    const train = blobs(120, 3, 4, 11),
      test = blobs(30, 3, 4, 12);
    const m = new MlpClassifier(mlpOptions('default', { epochs: 4, patience: null, seed: 9 }));
    m.fit(train);
    const names = ['a', 'b', 'c', 'd'];
    const scaler = fitScaler(Float64Array.from(train.x), train.rows, names);
    const p = saveGenreModel(join(dir, 'm'), {
      classifier: m,
      preset: 'default',
      scaler,
      featureNames: names,
      featureGroups: ['song'],
      keyEncoding: 'onehot',
      classNames: ['x', 'y', 'z'],
      metrics: { note: 1 },
    });
    expect(p.json.endsWith('m.json') && p.weights!.endsWith('m.safetensors')).toBe(true);
    const { classifier, meta } = loadGenreModel(p.weights!);
    expect(meta.classNames).toEqual(['x', 'y', 'z']);
    expect(meta.scaler).toEqual(scaler);
    expect(meta.kind).toBe('mlp');
    expect(meta.model.options).toEqual(m.options);
    expect(loadSafetensors(p.weights!).metadata.architecture).toBe(JSON.stringify(m.model!.config())); // nn's loadModel and PyTorch tools read it
    expect(Array.from(classifier.predictProba(test.x, test.rows))).toEqual(Array.from(m.predictProba(test.x, test.rows)));
  });

  it('rejects files that are not a genre model', () => {
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ format: 'something' }));
    expect(() => loadGenreModel(join(dir, 'other.json'))).toThrow(/not a timbre genre model/);
    expect(() => loadGenreModel(join(dir, 'absent.json'))).toThrow(/absent.json: cannot read the model description/);
    const m = new MlpClassifier(mlpOptions('default', { epochs: 1, patience: null, seed: 3 }));
    m.fit(blobs(30, 3, 4, 13));
    const names = ['a', 'b', 'c', 'd'];
    saveGenreModel(join(dir, 'good'), {
      classifier: m,
      preset: 'default',
      scaler: fitScaler(new Float64Array(8), 2, names),
      featureNames: names,
      featureGroups: ['song'],
      keyEncoding: 'onehot',
      classNames: ['x', 'y', 'z'],
    });
    const good = JSON.parse(readFileSync(join(dir, 'good.json'), 'utf8'));
    writeFileSync(join(dir, 'bad-scaler.json'), JSON.stringify({ ...good, scaler: { kind: 'standard', featureNames: ['a'], fill: [], shift: [], scale: [] } }));
    expect(() => loadGenreModel(join(dir, 'bad-scaler.json'))).toThrow(/invalid scaler/);
  });
});
