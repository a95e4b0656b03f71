// The whole pipeline on a small synthetic MSD corpus, predict from .h5 and CSV, and the song-level
// summaries predict computes from real .h5 files checked against numpy's.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticCorpus } from '../src/msd/synthetic.js';
import { readSongs } from '../src/msd/reader.js';
import { runPipeline, type PipelineResult } from '../src/pipeline/pipeline.js';
import { loadGenreModel } from '../src/pipeline/model-file.js';
import { songsToTable } from '../src/pipeline/predict.js';
import { predictInputs } from '../src/pipeline/predict-stream.js';

const shared = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'timbre-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let result: PipelineResult;
let corpusDir = '';

beforeAll(async () => {
  const corpus = await generateSyntheticCorpus({ dir: join(dir, 'corpus'), songs: 150, seed: 5, genres: 3 });
  corpusDir = join(dir, 'corpus');
  result = await runPipeline({
    msd: corpusDir,
    labels: corpus.labelsPath,
    out: join(dir, 'run'),
    synthetic: true,
    seeds: [1, 2],
    overrides: { epochs: 40, patience: 10 },
    minClassCount: 2,
  });
}, 180000);

describe('runPipeline on a synthetic corpus', () => {
  it('writes every artefact, labelled synthetic', () => {
    for (const k of ['songs', 'labels', 'preprocessed', 'model', 'weights', 'metrics', 'report']) expect(existsSync(result.files[k]), k).toBe(true);
    expect(readFileSync(result.files.labels, 'utf8').startsWith('# SYNTHETIC labels.')).toBe(true);
    expect(JSON.parse(readFileSync(result.files.metrics, 'utf8')).synthetic).toBe(true);
    expect(loadGenreModel(result.files.model).meta.info?.synthetic).toBe(true);
    const html = readFileSync(result.files.report, 'utf8');
    expect(html).toContain('SYNTHETIC DATA');
    expect(html).not.toMatch(/<script|<link|src=|href=|@import|url\(/i); // self-contained: nothing to fetch
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4);
    // No temp files left behind.
    expect(readdirSync(join(dir, 'run')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('learns the synthetic genres far above the majority class; the saved model is refit on every row and reloads identically', () => {
    expect(result.preprocess.kept).toBe(150);
    expect(result.classNames).toHaveLength(3);
    expect(result.summary.accuracy.mean).toBeGreaterThan(result.summary.baselineAccuracy.mean + 0.2);
    expect(result.savedModel.refit).toBe(true);
    expect(result.savedModel.fit?.rows).toBe(150);
    expect(result.savedModel.reloadsIdentically).toBe(true);
    const { meta } = loadGenreModel(result.files.model);
    expect(meta.fit?.refit).toBe(true);
    expect(meta.split).toBeUndefined(); // no split of this data is unseen by a refit model
  });

  it("with refit false, the saved model is the first seed's and scores its test rows as the evaluation did", async () => {
    const r = await runPipeline({
      songs: join(dir, 'run', 'SongCSV.extended.csv'),
      labels: join(dir, 'run', 'labels.cls'),
      out: join(dir, 'run-no-refit'),
      synthetic: true,
      seeds: [1],
      overrides: { epochs: 40, patience: 10 },
      minClassCount: 2,
      refit: false,
    });
    expect(r.savedModel.refit).toBe(false);
    expect(r.savedModel.test?.accuracy).toBe(r.runs[0].accuracy);
    expect(r.savedModel.test?.macroF1).toBe(r.runs[0].macroF1);
    expect(r.savedModel.reloadsIdentically).toBe(true);
  });

  it('predict gives the same answers from the .h5 files and from the extracted CSV', async () => {
    const { classifier, meta } = loadGenreModel(result.files.model);
    const fromH5 = await predictInputs(classifier, meta, [corpusDir]);
    const fromCsv = await predictInputs(classifier, meta, [result.files.songs]);
    expect(fromH5.errors).toEqual([]);
    expect(fromH5.predictions).toHaveLength(150);
    const byId = new Map(fromCsv.predictions.map((p) => [p.trackId, p]));
    for (const p of fromH5.predictions) {
      const q = byId.get(p.trackId)!;
      expect(q.genre).toBe(p.genre);
      expect(q.probability).toBeCloseTo(p.probability, 5);
    }
    // Labels are right for most songs (it is the training corpus, so this is a sanity check only).
    const labels = new Map(
      readFileSync(result.files.labels, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split('\t') as [string, string]),
    );
    const right = fromH5.predictions.filter((p) => labels.get(p.trackId) === p.genre).length;
    expect(right / 150).toBeGreaterThan(0.7);
  });

  it('rejects a run with both or neither input', async () => {
    await expect(runPipeline({ out: join(dir, 'x') })).rejects.toThrow(/exactly one of msd .* or songs/);
  });
});

describe('song summaries computed for predict', () => {
  it('match numpy means and population variances on real .h5 files', () => {
    const csv = readFileSync(join(shared, 'msd10k-h5/timbre_pitch_summary_BD.csv'), 'utf8').trim().split(/\r?\n/);
    const header = csv[0].split(',');
    const ref = new Map(
      csv.slice(1).map((l) => {
        const p = l.split(',');
        return [p[0], p];
      }),
    );
    const folder = join(shared, 'msd10k-h5/data/B/D/B');
    const files = readdirSync(folder)
      .filter((f) => f.endsWith('.h5'))
      .slice(0, 4)
      .map((f) => join(folder, f));
    const t = songsToTable(files.flatMap((f) => readSongs(f)));
    let checked = 0;
    for (const row of t.rows) {
      const r = ref.get(row[t.columns.indexOf('track_id')])!;
      expect(r).toBeDefined();
      for (let k = 0; k < 12; k++) {
        for (const [mine, theirs] of [
          [`timbre_mean_${k}`, `avg_timbre${k + 1}`],
          [`timbre_var_${k}`, `var_timbre${k + 1}`],
          [`pitch_mean_${k}`, `avg_pitch${k + 1}`],
        ]) {
          const a = Number(row[t.columns.indexOf(mine)]),
            b = Number(r[header.indexOf(theirs)]);
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
          checked++;
        }
      }
    }
    expect(checked).toBe(4 * 36);
  });
});
