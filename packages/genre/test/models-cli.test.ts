// The model CLI commands (models, compare, search, fit) on a small preprocessed CSV written here.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Rng } from '@timbre/tensor';
import { buildProgram } from '../src/cli/main.js';
import { writePrepared, type PreparedData } from '../src/preprocess/preprocess.js';

vi.setConfig({ testTimeout: 60_000 }); // the machine is shared; these fit real models

const dir = mkdtempSync(join(tmpdir(), 'timbre-models-cli-'));
const csv = join(dir, 'prepared.csv');

beforeAll(async () => {
  const rng = new Rng(5),
    rows = 180,
    F = 3;
  const x = new Float64Array(rows * F),
    y = new Int32Array(rows),
    split = new Int8Array(rows);
  const groups: string[] = [];
  for (let i = 0; i < rows; i++) {
    const a = i % 30;
    y[i] = a % 3;
    groups.push(`artist${a}`);
    split[i] = a < 20 ? 0 : a < 25 ? 1 : 2; // artist-disjoint parts
    x[i * F] = rng.normal() + 2 * y[i];
    x[i * F + 1] = rng.normal() - y[i];
    x[i * F + 2] = rng.normal();
  }
  const data: PreparedData = {
    featureNames: ['f0', 'f1', 'f2'],
    featureGroups: ['song', 'song', 'song'],
    classNames: ['a', 'b', 'c'],
    rows,
    x,
    y,
    trackIds: Array.from({ length: rows }, (_, i) => `TR${String(i).padStart(6, '0')}`),
    artists: groups,
    titles: groups.map((g) => `${g} song`),
    groups,
    split,
  };
  await writePrepared(csv, data);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const program = buildProgram();
  await program.parseAsync(['node', 'timbre', ...args]);
  vi.restoreAllMocks();
  return out;
}

describe('timbre model commands', () => {
  it('models lists the registry', async () => {
    const list = JSON.parse(await run('models', '--json')) as { name: string }[];
    expect(list.map((m) => m.name)).toEqual(
      expect.arrayContaining(['logreg', 'gbdt', 'rf', 'mlp', 'bagging', 'seed-ensemble', 'samme', 'blend', 'voting', 'majority']),
    );
  });

  it('fit trains a chosen model, scores the test split beside the baseline and saves JSON', async () => {
    const out = join(dir, 'gbdt.json');
    const r = JSON.parse(await run('fit', csv, '--model', 'gbdt', '--options', '{"nRounds":40}', '-o', out, '--json'));
    expect(r.test.accuracy).toBeGreaterThan(r.baseline.accuracy + 0.2);
    expect(existsSync(out)).toBe(true);
    expect(JSON.parse(readFileSync(out, 'utf8')).model.kind).toBe('gbdt');
    await expect(run('fit', csv, '--model', 'nope')).rejects.toThrow(/unknown model "nope"/);
    await expect(run('fit', csv, '--model', 'gbdt', '--options', '{bad')).rejects.toThrow(/--options must be a JSON object/);
  });

  it('compare prints mean ± std for each model', async () => {
    const r = JSON.parse(await run('compare', csv, '--models', 'majority,logreg', '--folds', '3', '--seeds', '2', '--json'));
    expect(r.results.map((x: { model: string }) => x.model)).toEqual(['majority', 'logreg']);
    expect(r.results[1].accuracy.mean).toBeGreaterThan(r.results[0].accuracy.mean + 0.2);
    expect(r.results[1].accuracy.n).toBe(2);
  });

  it('search excludes the test split, honours --space and writes a report', async () => {
    const report = join(dir, 'search.html');
    const r = JSON.parse(
      await run(
        'search',
        csv,
        '--model',
        'logreg',
        '--space',
        '{"C":{"type":"float","low":0.001,"high":10,"log":true}}',
        '--strategy',
        'random',
        '--trials',
        '3',
        '--parallel',
        '1',
        '--report',
        report,
        '--json',
      ),
    );
    expect(r.trials.length).toBe(3);
    expect(r.source).toContain(csv);
    expect(r.rows).toBe(150); // 180 rows minus the 30 of the 5 test artists
    expect(typeof r.best.options.C).toBe('number');
    expect(readFileSync(report, 'utf8')).toContain('<svg');
  });
});
