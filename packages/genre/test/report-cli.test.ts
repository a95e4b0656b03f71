// The HTML report (self-contained, escaped, extra sections) and the `timbre` CLI run in-process.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/report/html.js';
import { heatmap, lineChart, niceTicks } from '../src/report/svg.js';
import { evaluatePredictions } from '../src/ml/metrics.js';
import { runCli } from './cli-helpers.js';

const shared = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const TAGTRAUM = join(shared, 'msd10k-tagtraum-cd1-joined/msd10k_tagtraum_cd1.csv');
const CLS = join(shared, 'tagtraum-cd1/msd_tagtraum_cd1.cls');
const dir = mkdtempSync(join(tmpdir(), 'timbre-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report', () => {
  const classes = ['rock', 'R&B <live>', 'jazz'];
  const test = evaluatePredictions([0, 0, 1, 2, 2, 1], [0, 1, 1, 2, 0, 1], 3);
  it('is one self-contained HTML file with escaped labels, charts and extra sections', () => {
    const html = renderReport({
      title: 'T & <b>',
      classNames: classes,
      test,
      baseline: evaluatePredictions([0, 0, 1, 2, 2, 1], [0, 0, 0, 0, 0, 0], 3),
      history: { trainLoss: [1, 0.8, 0.7], validLoss: [1.1, 0.9, 0.95], validMetric: [0.3, 0.5, 0.45], bestEpoch: 2 },
      settings: { lr: 0.001 },
      sections: [{ title: 'Search', html: '<p id="hp">trials</p>' }],
    });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('T &amp; &lt;b&gt;');
    expect(html).toContain('R&amp;B &lt;live&gt;');
    expect(html).not.toContain('R&B <live>');
    expect(html).toContain('<h2>Search</h2><p id="hp">trials</p>');
    expect(html).not.toMatch(/<script|<link|src=|href=|@import|url\(/i);
    expect(html).toContain('best (2)');
  });

  it('heat map has one cell per matrix entry; ticks are round and cover the range', () => {
    const svg = heatmap(
      [
        [2, 1],
        [0, 3],
      ],
      ['a', 'b'],
    );
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(4);
    expect(svg).toContain('>3</text>');
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.37, 2.1, 4)).toEqual([0.5, 1, 1.5, 2]);
    expect(lineChart([{ name: 'x', values: [NaN] }], { title: 'empty' })).toContain('no data');
  });
});

const cli = runCli;

describe('timbre CLI', { timeout: 120000 }, () => {
  const pp = join(dir, 'pp.csv'),
    model = join(dir, 'model');

  it('labels → preprocess → train → evaluate → predict with --json', async () => {
    const labels = join(dir, 'labels.cls');
    const l = await cli('--json', 'labels', '--tagtraum', CLS, '--songs', TAGTRAUM, '-o', labels);
    expect(l.code, l.err).toBe(0);
    const lj = JSON.parse(l.out);
    const rows = readFileSync(TAGTRAUM, 'utf8').trim().split('\n').length - 1;
    expect(Object.values(lj.genres as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(rows);

    const p = await cli('--json', 'preprocess', TAGTRAUM, '--features', 'original6', '-o', pp);
    expect(p.code, p.err).toBe(0);
    const pj = JSON.parse(p.out);
    expect(pj.features).toEqual(['duration', 'key', 'key_confidence', 'tempo', 'time_signature', 'time_signature_confidence']);

    const t = await cli(
      '--json',
      'train',
      pp,
      '--preset',
      'original',
      '--epochs',
      '3',
      '--seeds',
      '2',
      '--no-refit',
      '-o',
      model,
      '--report',
      join(dir, 'r.html'),
    );
    expect(t.code, t.err).toBe(0);
    const tj = JSON.parse(t.out);
    expect(tj.runs).toHaveLength(2);
    expect(tj.options.hidden).toEqual([128, 64, 32]);
    expect(existsSync(`${model}.json`) && existsSync(`${model}.safetensors`) && existsSync(join(dir, 'r.html'))).toBe(true);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain(`Training curves of the MLP of the run with seed ${tj.runs[0].seed}.`);

    const e = await cli('--json', 'evaluate', `${model}.json`, pp);
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).metrics.accuracy).toBeCloseTo(tj.runs[0].test?.accuracy ?? tj.runs[0].accuracy, 12);

    const out = join(dir, 'pred.csv');
    const pr = await cli('--json', 'predict', `${model}.json`, TAGTRAUM, '-o', out);
    expect(pr.code, pr.err).toBe(0);
    expect(JSON.parse(pr.out).predictions).toHaveLength(rows);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('track_id,artist,title,genre,probability,reason');
  });

  it('bad input: a clear message, exit code 1, nothing written', async () => {
    const target = join(dir, 'never.csv');
    const r = await cli('preprocess', join(dir, 'missing.csv'), '-o', target);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/timbre: error: preprocess: .*missing.csv: cannot read the file/);
    expect(existsSync(target)).toBe(false);
    const bad = await cli('train', pp, '--lr', 'fast');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--lr must be a number, got "fast"/);
    const two = await cli('labels', '--tagtraum', CLS, '--lastfm-json', 'x.json', '-o', target);
    expect(two.err).toMatch(/exactly one of --lastfm, --lastfm-json or --tagtraum/);
    writeFileSync(join(dir, 'wrong.json'), '{"format": "nope"}');
    const ev = await cli('evaluate', join(dir, 'wrong.json'), pp);
    expect(ev.err).toMatch(/not a timbre genre model/);
    const nokey = await cli('labels', '--lastfm', '--songs', TAGTRAUM, '--lastfm-key', '', '-o', target);
    expect(nokey.code).toBe(1);
    expect(existsSync(target)).toBe(false);
  });
});
