// Numbers as a CSV user means them: preprocessing parses feature cells strictly (no hexadecimal, no
// Infinity, nothing beyond float32, no negative durations, "abc" is not a number — each error names
// the file, data row and column), refuses duplicated column names and bytes that are not UTF-8 (naming
// the line); the scaler refuses training values that float32 cannot hold, naming the feature and rows;
// prediction refuses rows far outside the training data, naming the feature.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { preprocess } from '../src/preprocess/preprocess.js';
import { fitScaler } from '../src/ml/scaler.js';
import { makeDatasets } from '../src/pipeline/datasets.js';
import { readSongTable } from '../src/preprocess/table.js';
import { MlpClassifier, mlpOptions } from '../src/ml/mlp.js';
import { predictTable } from '../src/pipeline/predict.js';
import type { ModelMeta } from '../src/pipeline/model-file.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-strict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 'track_id,artist_name,title,genre,duration,tempo,loudness,key,mode,time_signature,year';
/** A small song table: 24 songs, two genres, 8 artists; `cell(row, column)` may replace a value (row 1 = first data row). */
function table(name: string, cell: (row: number, column: string) => string | undefined = () => undefined, header = HEADER): string {
  const cols = header.split(',');
  const lines = [header];
  for (let i = 1; i <= 24; i++) {
    const base: Record<string, string> = {
      track_id: `TR${String(i).padStart(4, '0')}`,
      artist_name: `artist ${i % 8}`,
      title: `song ${i}`,
      genre: i % 2 === 0 ? 'rock' : 'jazz',
      duration: String(180 + i),
      tempo: String(90 + 3 * i),
      loudness: String(-10 - (i % 5)),
      key: String(i % 12),
      mode: String(i % 2),
      time_signature: '4',
      year: String(1980 + i),
    };
    lines.push(cols.map((c) => cell(i, c) ?? base[c] ?? '1').join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
const run = (input: string) => preprocess({ input, minClassCount: 1, split: 'random', validFraction: 0.2, testFraction: 0.2 });

describe('preprocess parses numbers strictly', () => {
  it('reads the clean table', async () => {
    const { data } = await run(table('clean.csv'));
    expect(data.rows).toBe(24);
  });

  it('"abc" in a numeric column is "not a number", naming file, row and column (not "missing")', async () => {
    const path = table('abc.csv', (r, c) => (r === 5 && c === 'tempo' ? 'abc' : undefined));
    await expect(run(path)).rejects.toThrow(/abc\.csv: data row 5, column "tempo": "abc" is not a number/);
  });

  it('refuses hexadecimal and Infinity', async () => {
    await expect(run(table('hex.csv', (r, c) => (r === 3 && c === 'loudness' ? '0x1A' : undefined)))).rejects.toThrow(
      /hex\.csv: data row 3, column "loudness": "0x1A" is not a number/,
    );
    await expect(run(table('inf.csv', (r, c) => (r === 7 && c === 'duration' ? 'Infinity' : undefined)))).rejects.toThrow(
      /inf\.csv: data row 7, column "duration": "Infinity" is not a number/,
    );
  });

  it('refuses a negative duration and a value beyond float32', async () => {
    await expect(run(table('neg.csv', (r, c) => (r === 2 && c === 'duration' ? '-180.5' : undefined)))).rejects.toThrow(
      /neg\.csv: data row 2, column "duration": -180\.5 is negative; duration cannot be/,
    );
    await expect(run(table('huge.csv', (r, c) => (r === 9 && c === 'loudness' ? '1e300' : undefined)))).rejects.toThrow(
      /huge\.csv: data row 9, column "loudness": 1e300 is outside the range features can hold/,
    );
  });

  it('refuses duplicated column names, naming them', async () => {
    const path = table('dup.csv', undefined, `${HEADER},tempo`);
    await expect(run(path)).rejects.toThrow(/dup\.csv: column "tempo" appears twice in the header \(columns 6 and 12\)/);
  });

  it('reports bytes that are not UTF-8 with their line', async () => {
    const path = table('latin1.csv');
    const text = readFileSync(path);
    const at = text.indexOf('song 4,');
    const bytes = Buffer.concat([text.subarray(0, at), Buffer.from([0x73, 0xe9]), text.subarray(at + 1)]); // "sé" in Latin-1
    writeFileSync(path, bytes);
    await expect(run(path)).rejects.toThrow(/latin1\.csv: line 5 \(data row 4\) holds bytes that are not UTF-8/);
  });
});

describe('the scaler refuses values float32 cannot hold', () => {
  it('names the feature and the rows (fitScaler), and the track (makeDatasets)', () => {
    const x = Float64Array.from([1, 2, 3, 1e300, 5, 6]);
    expect(() => fitScaler(x, 3, ['tempo', 'loudness'])).toThrow(/feature "loudness" has 1 value\(s\) outside float32's range .*row 1 \(1e\+300\)/);
    expect(() => fitScaler(Float64Array.from([1, -Infinity, 3, 4]), 4, ['tempo'])).toThrow(/feature "tempo" .*row 1 \(-Infinity\)/);
    const data = {
      featureNames: ['tempo'],
      featureGroups: [],
      classNames: ['a', 'b'],
      rows: 4,
      x: Float64Array.from([1, 2, 4e38, 3]),
      y: Int32Array.from([0, 1, 0, 1]),
      trackIds: ['T1', 'T2', 'T3', 'T4'],
      artists: ['', '', '', ''],
      titles: ['', '', '', ''],
      groups: ['', '', '', ''],
      split: Int8Array.from([0, 0, 0, 0]),
    };
    expect(() => makeDatasets(data)).toThrow(/feature "tempo" .*track T3 \(4e\+38\)/);
  });
});

describe('predictions far outside the training data', () => {
  it('a row with a value many orders of magnitude beyond training gets no class and a reason naming the feature', async () => {
    const { data } = await run(table('train.csv'));
    const { train, valid, scaler } = makeDatasets(data);
    const model = new MlpClassifier(mlpOptions('default', { epochs: 3, patience: null, seed: 1, hidden: [4] }));
    model.fit(train, valid);
    const meta = {
      featureNames: data.featureNames,
      featureGroups: data.featureGroups,
      keyEncoding: 'onehot',
      classNames: data.classNames,
      scaler,
    } as unknown as ModelMeta;
    const t = await readSongTable(table('new.csv', (r, c) => (r === 4 && c === 'loudness' ? '1e300' : r === 6 && c === 'tempo' ? '5e6' : undefined)));
    const out = predictTable(model, meta, { columns: t.columns, rows: t.rows });
    expect(out).toHaveLength(24);
    expect(out[3].genre).toBeNull();
    expect(out[3].reason).toMatch(/far outside the training data .*loudness = 1e\+300/);
    expect(out[5].genre).toBeNull();
    expect(out[5].reason).toMatch(/tempo = 5000000/);
    expect(out.filter((p) => p.genre !== null)).toHaveLength(22);
    expect(out[0].reason).toBeUndefined();
  });
});
