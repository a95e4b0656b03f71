// The training data path without copies: readPrepared streams the file (into an array sized by the line
// count, whatever the line endings; genres numbered in sorted order; the same errors), fitScalerRows / applyScalerRows equal fitScaler / applyScaler on the
// gathered rows, and makeDatasets' datasets equal those built from copied, scaled rows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import { readPrepared } from '../src/preprocess/preprocess.js';
import { applyScaler, applyScalerRows, fitScaler, fitScalerRows } from '../src/ml/scaler.js';
import { makeDatasets } from '../src/pipeline/datasets.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-train-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GENRES = ['rock', 'jazz', 'pop', 'blues'];
/** A preprocessed table of `n` rows written as text here (the reference values come from the same rng walk). */
function table(name: string, n: number): { path: string; x: number[][]; genres: string[]; splits: string[] } {
  const rng = new Rng(11);
  const lines = ['track_id,artist,title,group,split,genre,f_a,f_b,f_c'];
  const x: number[][] = [],
    genres: string[] = [],
    splits: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = [Math.round(rng.normal() * 1000) / 100, i % 17 === 0 ? NaN : Math.round(rng.uniform() * 1e4) / 1e3, i];
    const g = GENRES[(i * 7 + (i >> 3)) % 4],
      sp = ['train', 'valid', 'test'][i % 5 === 0 ? 1 : i % 5 === 1 ? 2 : 0];
    x.push(row);
    genres.push(g);
    splits.push(sp);
    lines.push(`T${i},artist ${i % 50},t${i},AR${i % 50},${sp},${g},${row.map((v) => (Number.isNaN(v) ? '' : String(v))).join(',')}`);
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, x, genres, splits };
}

describe('readPrepared streams', () => {
  it('reads every row of a 20,000-row table, genres numbered in sorted order', async () => {
    const t = table('big.csv', 20_000);
    const d = await readPrepared(t.path);
    expect(d.rows).toBe(20_000);
    expect(d.classNames).toEqual([...GENRES].sort());
    for (const i of [0, 1, 16383, 16384, 16385, 19999]) {
      expect(d.trackIds[i]).toBe(`T${i}`);
      expect(d.classNames[d.y[i]]).toBe(t.genres[i]);
      expect(['train', 'valid', 'test'][d.split[i]]).toBe(t.splits[i]);
      for (let f = 0; f < 3; f++) {
        if (Number.isNaN(t.x[i][f])) expect(d.x[i * 3 + f]).toBeNaN();
        else expect(d.x[i * 3 + f]).toBe(t.x[i][f]);
      }
    }
    expect(d.x.length).toBe(20_000 * 3);
  });

  it('the same data whatever the line endings: \\r\\n, a lone \\r, blank lines', async () => {
    const t = table('endings.csv', 60);
    const text = readFileSync(t.path, 'utf8');
    const want = await readPrepared(t.path);
    expect(want.rows).toBe(60);
    for (const [name, body] of [
      ['crlf.csv', text.replace(/\n/g, '\r\n')],
      ['cr.csv', text.replace(/\n/g, '\r')],
      ['blank.csv', text.replace(/\n/g, '\n\n')],
    ]) {
      const p = join(dir, name);
      writeFileSync(p, body);
      const got = await readPrepared(p);
      expect(got.rows, name).toBe(60);
      expect(got.x, name).toEqual(want.x);
      expect(Array.from(got.y), name).toEqual(Array.from(want.y));
    }
  });

  it('keeps given class names, and refuses a genre outside them naming the row', async () => {
    const t = table('small.csv', 30);
    const d = await readPrepared(t.path, { classNames: ['blues', 'jazz', 'pop', 'rock', 'soul'] });
    expect(d.classNames[d.y[3]]).toBe(t.genres[3]);
    await expect(readPrepared(t.path, { classNames: ['jazz', 'rock'] })).rejects.toThrow(
      /small\.csv: row \d+: genre "(pop|blues)" is not one of the model's classes \(jazz, rock\)/,
    );
  });

  it('the errors: no data rows, a header not written by preprocess, a short row, a bad split', async () => {
    const at = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    await expect(readPrepared(at('head.csv', 'track_id,artist,title,group,split,genre,f\n'))).rejects.toThrow(/head\.csv: no data rows/);
    await expect(readPrepared(at('wrong.csv', 'id,genre\nT1,rock\n'))).rejects.toThrow(/wrong\.csv: column 1 is "id", expected "track_id"/);
    await expect(readPrepared(at('short.csv', 'track_id,artist,title,group,split,genre,f\nT1,a,t,g,train,rock,1\nT2,a,t,g,train\n'))).rejects.toThrow(
      /short\.csv: row 2 has 5 fields, expected 7/,
    );
    await expect(readPrepared(at('split.csv', 'track_id,artist,title,group,split,genre,f\nT1,a,t,g,holdout,rock,1\n'))).rejects.toThrow(
      /split\.csv: row 1: split "holdout" is not train\/valid\/test/,
    );
  });
});

describe('scaling by row index', () => {
  const rng = new Rng(5);
  const n = 200,
    F = 4,
    names = ['a', 'b', 'c', 'd'];
  const x = new Float64Array(n * F);
  for (let i = 0; i < x.length; i++) x[i] = i % 13 === 0 ? NaN : rng.normal() * (1 + (i % F)) + (i % F) * 10;
  const idx = Int32Array.from({ length: 90 }, (_, k) => (k * 37) % n);
  const gathered = new Float64Array(idx.length * F);
  for (let r = 0; r < idx.length; r++) for (let f = 0; f < F; f++) gathered[r * F + f] = x[idx[r] * F + f];

  it('fitScalerRows and applyScalerRows equal fitScaler and applyScaler on the gathered rows', () => {
    for (const kind of ['standard', 'minmax'] as const) {
      const s = fitScalerRows(x, idx, names, kind);
      expect(s).toEqual(fitScaler(gathered, idx.length, names, kind));
      expect(applyScalerRows(s, x, idx)).toEqual(applyScaler(s, gathered, idx.length));
    }
  });

  it('errors name the row as the fit sees it, and refuse an index outside x', () => {
    const bad = x.slice();
    bad[idx[7] * F + 2] = 1e39;
    expect(() => fitScalerRows(bad, idx, names, 'standard', { rowLabel: (r) => `fit row ${r}` })).toThrow(/feature "c" .*fit row 7 \(1e\+39\)/);
    expect(() => fitScalerRows(x, [0, n], names)).toThrow(/index\[1\] = 200 is not a row of x \(200 rows\)/);
    expect(() => applyScalerRows(fitScaler(gathered, idx.length, names), x, [-1])).toThrow(/index\[0\] = -1/);
  });

  it('makeDatasets gives the datasets of copied, scaled rows', async () => {
    const t = table('sets.csv', 500);
    const data = await readPrepared(t.path);
    const ds = makeDatasets(data);
    const copy = (ix: Int32Array) => {
      const o = new Float64Array(ix.length * 3);
      ix.forEach((i, r) => o.set(data.x.subarray(i * 3, i * 3 + 3), r * 3));
      return o;
    };
    const s = fitScaler(copy(ds.indices.train), ds.indices.train.length, data.featureNames, 'standard');
    expect(ds.scaler).toEqual(s);
    for (const part of ['train', 'valid', 'test'] as const) {
      expect(ds[part].x).toEqual(applyScaler(s, copy(ds.indices[part]), ds.indices[part].length));
      expect(Array.from(ds[part].y)).toEqual(Array.from(ds.indices[part], (i) => data.y[i]));
    }
  });
});
