// A genre model file is checked before any network is allocated from it (architecture against the
// tensors and the model's sizes), its class names against what the model predicts, for every kind; and
// saveGenreModel never writes a model that would not load.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import type { Dataset } from '../src/ml/types.js';
import { MlpClassifier, mlpOptions } from '../src/ml/mlp.js';
import { MajorityClassifier } from '../src/ml/majority.js';
import { loadGenreModel, saveGenreModel, type SaveModelArgs } from '../src/pipeline/model-file.js';
import { fitScaler } from '../src/ml/scaler.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-model-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function blobs(rows: number, classes: number, features: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * features),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = i % classes;
    for (let f = 0; f < features; f++) x[i * features + f] = rng.normal(f === y[i] ? 2.5 : 0, 1);
  }
  return { x, y, rows, features, classes };
}

const train = blobs(60, 3, 4, 1);
const names = ['a', 'b', 'c', 'd'];
const common = (): Omit<SaveModelArgs, 'classifier'> => ({
  preset: 'default',
  scaler: fitScaler(Float64Array.from(train.x), train.rows, names),
  featureNames: names,
  featureGroups: ['song'],
  keyEncoding: 'onehot',
  classNames: ['x', 'y', 'z'],
});
const mlp = (): MlpClassifier => {
  const m = new MlpClassifier(mlpOptions('default', { epochs: 2, patience: null, seed: 3, hidden: [5] }));
  m.fit(train);
  return m;
};
const edit = (json: string, out: string, change: (meta: Record<string, any>) => void): string => {
  const meta = JSON.parse(readFileSync(json, 'utf8'));
  change(meta);
  const path = join(dir, out);
  writeFileSync(path, JSON.stringify(meta));
  return path;
};

describe('loadGenreModel checks before allocating', () => {
  it('an architecture of Linear(1e5, …) against small tensors is named with both shapes, not "Invalid typed array length"', () => {
    const p = saveGenreModel(join(dir, 'm'), { classifier: mlp(), ...common() });
    const bad = edit(p.json, 'huge.json', (meta) => {
      meta.model.architecture.layers[0].inFeatures = 1e5;
      meta.model.features = 1e5;
      meta.featureNames = Array.from({ length: 1e5 }, (_, i) => `f${i}`);
      meta.scaler = {
        ...meta.scaler,
        featureNames: meta.featureNames,
        fill: meta.featureNames.map(() => 0),
        shift: meta.featureNames.map(() => 0),
        scale: meta.featureNames.map(() => 1),
      };
    });
    expect(() => loadGenreModel(bad)).toThrow(/Linear\(100000, 5\) needs tensor 0\.weight \[5, 100000\], the file holds 0\.weight \[5, 4\]/);
  });

  it("an architecture whose sizes disagree with the model's features and classes is named before building", () => {
    const p = saveGenreModel(join(dir, 'm2'), { classifier: mlp(), ...common() });
    const bad = edit(p.json, 'io.json', (meta) => {
      meta.model.features = 7;
    });
    expect(() => loadGenreModel(bad)).toThrow(/architecture maps 4 inputs to 3 outputs, the model says 7 features and 3 classes/);
  });

  it("class names shorter than the model's output are refused, for a network and for the majority baseline", () => {
    const p = saveGenreModel(join(dir, 'm3'), { classifier: mlp(), ...common() });
    expect(() =>
      loadGenreModel(
        edit(p.json, 'short.json', (meta) => {
          meta.classNames = ['x', 'y'];
        }),
      ),
    ).toThrow(/the mlp model predicts 3 classes, the description names 2 \(x, y\)/);
    const base = new MajorityClassifier();
    base.fit(train);
    const q = saveGenreModel(join(dir, 'base'), { classifier: base, ...common() });
    expect(() =>
      loadGenreModel(
        edit(q.json, 'base-short.json', (meta) => {
          meta.classNames = ['x', 'y'];
        }),
      ),
    ).toThrow(/the majority model predicts 3 classes, the description names 2 \(x, y\)/);
  });
});

describe('saveGenreModel writes only models that load', () => {
  it('a network with a NaN weight is refused, naming the tensor, and nothing is written', () => {
    const m = mlp();
    m.model!.stateDict()['0.weight'].data[2] = NaN;
    expect(() => saveGenreModel(join(dir, 'nan'), { classifier: m, ...common() })).toThrow(
      /saveGenreModel: the model would not load, so nothing was written: .*tensor 0\.weight holds NaN at index 2/,
    );
    expect(existsSync(join(dir, 'nan.json')) || existsSync(join(dir, 'nan.safetensors'))).toBe(false);
  });

  it('an existing model is left as it was when the new one would not load', () => {
    const p = saveGenreModel(join(dir, 'keep'), { classifier: mlp(), ...common() });
    const before = readFileSync(p.weights!);
    const m = mlp();
    const last = Object.keys(m.model!.stateDict()).pop()!;
    m.model!.stateDict()[last].data[0] = Infinity;
    expect(() => saveGenreModel(join(dir, 'keep'), { classifier: m, ...common() })).toThrow(new RegExp(`tensor ${last.replace('.', '\\.')} holds Infinity`));
    expect(readFileSync(p.weights!)).toEqual(before);
    expect(() => loadGenreModel(p.json)).not.toThrow();
  });
});
