// Streamed prediction against the in-memory path: `streamCsv` gives `readCsv`'s rows and errors, and
// `predictInputsStream` and `timbre predict` (CSV, text and --json forms) give, batch size whatever it is,
// the predictions and bytes the whole-table path gives: on the real tagtraum table, on rows that need
// imputing, lack a vital field or lie far outside training, on an empty table, and on broken files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv, writeCsvAtomic } from '../src/io/csv.js';
import { streamCsv } from '../src/io/csv-stream.js';
import { preprocess } from '../src/preprocess/preprocess.js';
import { makeDatasets } from '../src/pipeline/datasets.js';
import { MlpClassifier, mlpOptions } from '../src/ml/mlp.js';
import { loadGenreModel, saveGenreModel } from '../src/pipeline/model-file.js';
import type { Prediction } from '../src/pipeline/predict.js';
import { predictInputs, predictInputsStream } from '../src/pipeline/predict-stream.js';
import type { Classifier } from '../src/ml/types.js';
import type { ModelMeta } from '../src/pipeline/model-file.js';
import { runCli } from './cli-helpers.js';
import { DATA } from './msd-helpers.js';

const TAGTRAUM = join(DATA, 'msd10k-tagtraum-cd1-joined', 'msd10k_tagtraum_cd1.csv');
const FINAL = join(DATA, 'msd10k-timbre-pitch-means-mbgenre', 'final_song_level.csv');
const EXTENDED = join(DATA, 'msd10k-songcsv-extended', 'MsdSongAddedFeatures.csv');

const dir = mkdtempSync(join(tmpdir(), 'timbre-predict-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

let classifier: Classifier, meta: ModelMeta, modelJson: string;
let edges: string;

beforeAll(async () => {
  // A small network on the real table joined with timbre and pitch means: songs the join misses lack
  // their audio summaries, so the model has timbre_missing / pitch_missing and imputes them.
  const { data, report } = await preprocess({ input: TAGTRAUM, joins: [FINAL], minClassCount: 10 });
  expect(data.featureNames).toContain('timbre_missing');
  const { train, valid, scaler } = makeDatasets(data);
  const model = new MlpClassifier(mlpOptions('default', { epochs: 2, patience: null, seed: 3, hidden: [16] }));
  model.fit(train, valid);
  modelJson = saveGenreModel(join(dir, 'model'), {
    classifier: model,
    preset: 'default',
    scaler,
    featureNames: data.featureNames,
    featureGroups: data.featureGroups,
    keyEncoding: report.keyEncoding,
    classNames: data.classNames,
  }).json;
  ({ classifier, meta } = loadGenreModel(modelJson));
  // The first 40 real rows, then rows that test every branch: no timbre cells (imputed), no duration (vital:
  // not predicted), a loudness far outside training, no track id, and a row with too few fields (left out).
  const lines = readFileSync(TAGTRAUM, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const header = lines[0].split(',');
  const at = (name: string) => header.indexOf(name);
  const edit = (line: string, name: string, v: string) => {
    const c = line.split(',');
    c[at(name)] = v;
    return c.join(',');
  };
  const body = lines.slice(1, 41);
  body.push(edit(lines[41], 'duration', ''), edit(lines[42], 'loudness', '1e300'), edit(lines[43], 'track_id', ''), 'TRX,SOX,too,few');
  edges = file('edges.csv', [lines[0], ...body].join('\n') + '\n');
}, 60_000);

/** Every batch of the streamed path, concatenated. */
async function streamed(inputs: string[], batchRows?: number, explain = 0): Promise<{ predictions: Prediction[]; errors: unknown[] }> {
  const predictions: Prediction[] = [];
  const { errors } = await predictInputsStream(
    classifier,
    meta,
    inputs,
    (b) => {
      for (const p of b) predictions.push(p);
    },
    { batchRows, explain },
  );
  return { predictions, errors };
}

async function allRows(path: string): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const r of streamCsv(path, 'preprocess')) rows.push(r);
  return rows;
}

describe('streamCsv reads what readCsv reads', () => {
  it('the same rows from real tables, strict and tolerant', async () => {
    // The extended SongCSV's first 300 lines: bytes reprs and broken quoting, read by the tolerant tokenizer.
    const extended = file('extended-head.csv', readFileSync(EXTENDED, 'utf8').split('\n').slice(0, 300).join('\n'));
    for (const path of [TAGTRAUM, extended]) {
      const whole = await readCsv(path, 'preprocess');
      expect(await allRows(path), path).toEqual(whole.rows);
    }
    expect((await readCsv(extended, 'preprocess')).tolerant).toBe(true);
  });

  it('the same rows with a BOM, CRLF, quoted newlines, blank lines and an unescaped quote', async () => {
    const cases = ['\ufeffa,b\r\n1,2\r\n\r\n3,"x\ny"\r\n', 'a,b\n1,"He said "hi""\n2,"ok"\n', 'a,b\n1,"\u00e9t\u00e9"\n2,3'];
    for (const [i, text] of cases.entries()) {
      const path = file(`case${i}.csv`, text);
      expect(await allRows(path), JSON.stringify(text)).toEqual((await readCsv(path, 'preprocess')).rows);
    }
  });

  it('the same errors: bytes that are not UTF-8 (before any row), a broken quote, a missing file', async () => {
    const latin = file('latin1.csv', Buffer.concat([Buffer.from('a,b\n1,2\n3,'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const broken = file('broken.csv', 'a,b\n1,2\n3,"open\n');
    for (const path of [latin, broken, join(dir, 'nothing.csv')]) {
      const expected = await readCsv(path, 'preprocess').then(
        () => 'no error',
        (e: Error) => e.message,
      );
      expect(expected).not.toBe('no error');
      await expect(allRows(path), path).rejects.toThrow(expected);
    }
    const seen: string[][] = [];
    await expect(
      (async () => {
        for await (const r of streamCsv(latin, 'preprocess')) seen.push(r);
      })(),
    ).rejects.toThrow(/line 3 \(data row 2\).*not UTF-8/);
    expect(seen).toEqual([]);
  });
});

describe("predictInputsStream gives predictInputs' predictions", () => {
  it('on the real table and on edge rows, for batches of 1, 7, 64 and the default', async () => {
    for (const input of [TAGTRAUM, edges]) {
      const whole = await predictInputs(classifier, meta, [input]);
      for (const batchRows of [1, 7, 64, undefined]) {
        if (input === TAGTRAUM && (batchRows === 1 || batchRows === 64)) continue; // time, not coverage
        expect(await streamed([input], batchRows), `${input} ${batchRows}`).toEqual(whole);
      }
    }
  });

  it('edge rows: imputed, not predicted (vital field, far outside), named by place, short row left out', async () => {
    const { predictions } = await streamed([edges], 7);
    expect(predictions).toHaveLength(43);
    expect(predictions.some((p) => p.imputed?.includes('timbre'))).toBe(true);
    expect(predictions[40].genre).toBeNull();
    expect(predictions[40].reason).toMatch(/missing duration/);
    expect(predictions[41].reason).toMatch(/far outside the training data .*loudness = 1e\+300/);
    expect(predictions[42].trackId).toMatch(/^SO/); // no track id: its song id
  });

  it('explanations are the same in batches', async () => {
    const whole = await predictInputs(classifier, meta, [edges], undefined, { explain: 2 });
    expect(whole.predictions[0].explanation).toHaveLength(2);
    expect(await streamed([edges], 5, 2)).toEqual(whole);
  });

  it('rows without any id are named by their place in the whole table', async () => {
    const noIds = file(
      'no-ids.csv',
      readFileSync(edges, 'utf8')
        .split('\n')
        .map((l) => l.split(',').slice(2).join(','))
        .join('\n'),
    );
    const whole = await predictInputs(classifier, meta, [noIds]);
    expect(whole.predictions[12].trackId).toBe('row13');
    expect(await streamed([noIds], 5)).toEqual(whole);
  });

  it('.h5 songs after the tables, unreadable files listed, in batches of 3', async () => {
    const inputs = [join(DATA, 'msd10k-h5', 'data', 'B', 'D', 'C'), join(DATA, 'msd10k-h5', 'data', 'B', 'D', 'Z'), edges, join(DATA, 'msd-h5-bad')];
    const whole = await predictInputs(classifier, meta, inputs);
    expect(whole.predictions).toHaveLength(43 + 10);
    expect(whole.errors.length).toBeGreaterThan(0);
    expect(await streamed(inputs, 3)).toEqual(whole);
  });

  it('the same error for a table that lacks a feature, and for a missing input', async () => {
    const lacking = file('lacking.csv', 'track_id,title\nTR1,a\n');
    for (const input of [lacking, join(dir, 'absent.csv')]) {
      const expected = await predictInputs(classifier, meta, [input]).then(
        () => 'no error',
        (e: Error) => e.message,
      );
      expect(expected).not.toBe('no error');
      await expect(streamed([input], 7)).rejects.toThrow(expected);
    }
  });
});

/** What `timbre predict` wrote before it streamed, rebuilt from predictInputs: the CSV, the text and the JSON. */
async function reference(inputs: string[], explain: number, output: string | null): Promise<{ csv: string | null; text: string; json: string }> {
  const res = await predictInputs(classifier, meta, inputs, undefined, { explain });
  const because = (e: Prediction['explanation']) =>
    (e ?? []).map((x) => `${x.feature} (${x.effect >= 0 ? '+' : '−'}${Math.abs(x.effect).toFixed(2)})`).join(', ');
  let csv: string | null = null;
  if (output !== null) {
    const ref = join(dir, 'reference.csv');
    await writeCsvAtomic(
      ref,
      ['track_id', 'artist', 'title', 'genre', 'probability', 'reason', ...(explain ? ['explanation'] : [])],
      res.predictions.map((p) => [
        p.trackId,
        p.artist,
        p.title,
        p.genre ?? '',
        Number.isFinite(p.probability) ? p.probability.toFixed(4) : '',
        p.reason ?? (p.imputed ? `imputed: ${p.imputed.join(', ')}` : ''),
        ...(explain ? [because(p.explanation)] : []),
      ]),
    );
    csv = readFileSync(ref, 'utf8');
  }
  const counts = new Map<string, number>();
  for (const p of res.predictions) for (const g of p.imputed ?? []) counts.set(g, (counts.get(g) ?? 0) + 1);
  const text =
    [
      ...res.predictions
        .slice(0, output !== null ? 10 : Infinity)
        .map(
          (p) =>
            `${p.trackId}\t${p.genre ?? '?'}\t${Number.isFinite(p.probability) ? p.probability.toFixed(3) : p.reason}\t${p.artist} — ${p.title}` +
            (p.explanation ? `\n\t  because of ${because(p.explanation)}` : ''),
        ),
      ...(output !== null ? [`… ${res.predictions.length} predictions written to ${output}`] : []),
      ...[...counts].map(([g, n]) => `imputed ${g} (training medians) for ${n} of ${res.predictions.length} songs`),
    ].join('\n') + '\n';
  const json =
    JSON.stringify(
      { synthetic: false, predictions: res.predictions, errors: res.errors },
      (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      1,
    ) + '\n';
  return { csv, text, json };
}

describe('timbre predict streams the bytes it wrote for the whole table', () => {
  it('-o CSV and its text, the text alone, and --json, with and without --explain', async () => {
    for (const explain of [0, 2]) {
      const flags = explain ? ['--explain', String(explain)] : [];
      const out = join(dir, `out-${explain}.csv`);
      const ref = await reference([edges], explain, out);
      const withFile = await runCli('predict', modelJson, edges, '-o', out, ...flags);
      expect(withFile.code, withFile.err).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(ref.csv);
      expect(withFile.out).toBe(ref.text);
      const refText = await reference([edges], explain, null);
      expect((await runCli('predict', modelJson, edges, ...flags)).out).toBe(refText.text);
      expect((await runCli('--json', 'predict', modelJson, edges, ...flags)).out).toBe(ref.json);
    }
  });

  it('an empty table: a header-only CSV, an empty line, and an empty predictions list', async () => {
    const empty = file('empty.csv', readFileSync(TAGTRAUM, 'utf8').split('\n')[0] + '\n');
    const out = join(dir, 'empty-out.csv');
    const ref = await reference([empty], 0, out);
    expect((await runCli('predict', modelJson, empty, '-o', out)).out).toBe(ref.text);
    expect(readFileSync(out, 'utf8')).toBe(ref.csv);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1);
    expect((await runCli('predict', modelJson, empty)).out).toBe('\n');
    expect((await runCli('--json', 'predict', modelJson, empty)).out).toBe(ref.json);
  });

  it('a broken table: the error names the file and row, and no output file appears', async () => {
    const broken = file('broken-table.csv', readFileSync(edges, 'utf8') + 'TRZ,"open\n');
    const expected = await predictInputs(classifier, meta, [broken]).then(
      () => 'no error',
      (e: Error) => e.message,
    );
    expect(expected).toMatch(/broken-table\.csv: CSV parse error near row \d+/);
    const out = join(dir, 'never.csv');
    const r = await runCli('predict', modelJson, broken, '-o', out);
    expect(r.code).toBe(1);
    expect(r.err).toContain(expected);
    expect(() => readFileSync(out)).toThrow();
  });
});
