// Every model of the registry, saved by `timbre fit`, is read back by `timbre evaluate` and
// `timbre predict` with the probabilities it had when it was saved.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { runCli } from './cli-helpers.js';
import { listModels } from '../src/ml/registry.js';
import { applyScaler } from '../src/ml/scaler.js';
import { loadGenreModel } from '../src/pipeline/model-file.js';
import { writePrepared, type PreparedData } from '../src/preprocess/preprocess.js';

vi.setConfig({ testTimeout: 120_000 }); // the machine is shared; every model is fitted

const dir = mkdtempSync(join(tmpdir(), 'timbre-registry-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Small, fast options for each registered model; a model missing here fails the test. */
const SMALL: Record<string, Record<string, unknown>> = {
  majority: {},
  logreg: { C: 0.5 },
  gbdt: { nRounds: 8 },
  rf: { nTrees: 5 },
  mlp: { epochs: 4, hidden: [8] },
  bagging: { nEstimators: 2, base: { model: 'mlp', options: { epochs: 3, hidden: [8] } } },
  'seed-ensemble': { nEstimators: 2, base: { model: 'mlp', options: { epochs: 3, hidden: [8] } } },
  samme: { nEstimators: 2, base: { model: 'logreg' } },
  snapshot: { count: 2, epochsPerCycle: 2, hidden: [8] },
  blend: { members: [{ model: 'logreg' }, { model: 'gbdt', options: { nRounds: 5 } }] },
  voting: { members: [{ model: 'rf', options: { nTrees: 3 } }, { model: 'logreg' }] },
};

function prepared(rows = 240): PreparedData {
  const rng = new Rng(3);
  const F = 4,
    x = new Float64Array(rows * F),
    y = new Int32Array(rows),
    split = new Int8Array(rows),
    groups: string[] = [];
  for (let i = 0; i < rows; i++) {
    const artist = i % 40;
    y[i] = artist % 3;
    groups.push(`AR${artist}`);
    split[i] = artist < 28 ? 0 : artist < 34 ? 1 : 2;
    for (let f = 0; f < F; f++) x[i * F + f] = rng.normal(f === y[i] ? 1.5 : 0, 1);
  }
  return {
    featureNames: Array.from({ length: F }, (_, f) => `timbre_mean_${f}`),
    featureGroups: ['timbre'],
    classNames: ['Blues', 'Jazz', 'Rock'],
    rows,
    x,
    y,
    trackIds: Array.from({ length: rows }, (_, i) => `TR${String(i).padStart(6, '0')}`),
    artists: groups,
    titles: groups.map((g, i) => `${g} ${i}`),
    groups,
    split,
  };
}

const cli = runCli;

describe('model files of every registered model', () => {
  const data = prepared();
  const csv = join(dir, 'prepared.csv');
  const table = join(dir, 'songs.csv'); // a song table as `predict` reads one: ids, artist, title, the feature columns
  const F = data.featureNames.length;

  it('the test covers every registered model', () => {
    expect(
      listModels()
        .map((m) => m.name)
        .sort(),
    ).toEqual(Object.keys(SMALL).sort());
  });

  for (const name of Object.keys(SMALL)) {
    it(`${name}: fit -o saves a model that evaluate and predict accept, with the same probabilities`, async () => {
      await writePrepared(csv, data);
      const header = ['track_id', 'artist_name', 'title', ...data.featureNames];
      writeFileSync(
        table,
        [
          header.join(','),
          ...Array.from({ length: data.rows }, (_, i) =>
            [data.trackIds[i], data.artists[i], data.titles[i], ...Array.from(data.x.subarray(i * F, (i + 1) * F), String)].join(','),
          ),
        ].join('\n') + '\n',
      );
      const base = join(dir, name);
      const fit = await cli('fit', csv, '--model', name, '--options', JSON.stringify(SMALL[name]), '--seed', '1', '-o', base, '--json');
      expect(fit.code, fit.err).toBe(0);
      const fitted = JSON.parse(fit.out);

      const ev = await cli('evaluate', `${base}.json`, csv, '--json');
      expect(ev.code, ev.err).toBe(0);
      expect(JSON.parse(ev.out).metrics.accuracy).toBeCloseTo(fitted.test.accuracy, 12);

      const pr = await cli('predict', `${base}.json`, table, '--json');
      expect(pr.code, pr.err).toBe(0);
      const predictions = JSON.parse(pr.out).predictions as { trackId: string; genre: string; probabilities: number[] }[];
      expect(predictions.length).toBe(data.rows);
      // The same numbers from the file's own scaler and the model read back by hand.
      const { classifier, meta } = loadGenreModel(`${base}.json`);
      expect(meta.kind).toBe(JSON.parse(readFileSync(`${base}.json`, 'utf8')).model.kind);
      const proba = classifier.predictProba(applyScaler(meta.scaler, data.x, data.rows), data.rows);
      predictions.forEach((p, i) => {
        expect(p.trackId).toBe(data.trackIds[i]);
        p.probabilities.forEach((v, c) => expect(v).toBeCloseTo(proba[i * 3 + c], 6));
      });
    });
  }
});
