// The streamed preprocess (one pass into typed columns, joins as key → row maps) against the in-memory reference
// (test/preprocess-reference.ts: the earlier whole-table code on fast-csv): same preprocessed_data.csv bytes from
// `preprocess` and from `preprocessToFile`, same report, same data, same errors, on seeded synthetic tables full of
// awkward cells and on the small real tables; and the byte-level number reader against `Number`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import { csvRecords } from '../src/io/csv.js';
import { preprocess, preprocessToFile, type PreprocessOptions } from '../src/preprocess/preprocess.js';
import { tableNumber } from '../src/preprocess/table.js';
import { preprocessReference } from './preprocess-reference.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-prestream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shared = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];
const csvQuote = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

const TITLES = ['Plain', 'A, B', 'say "hi"', 'x|y', 'multi\nline', 'tab\there', 'café', '  padded  ', '', 'nan', 'ﬁne ﬁsh'];
const ARTISTS = ['Abba', 'Björk', 'AC/DC', 'The "Band"', 'Zoë, Ltd', '', 'ＡＢＢＡ'];
const GENRES = ['Rock', 'Jazz', 'Pop', 'Folk', 'Rare', ' Rock ', ''];
const ODD_NUMBERS = ['1e2', '-0', '0.000', '  12 ', '"12.5"', '0.12345678901234567', '+3', '.5', '5.', '1E-3', 'NaN', 'nan', 'None', ''];

/** A seeded song table: quoted titles, Unicode artists, odd but valid numbers, gaps, duplicates, truncated rows. */
function songTable(seed: number, rows: number, crlf: boolean): string {
  const rng = new Rng(seed);
  const header = [
    'track_id',
    'song_id',
    'artist_id',
    'artist_name',
    'title',
    'genre',
    'duration',
    'tempo',
    'loudness',
    'key',
    'key_confidence',
    'mode',
    'mode_confidence',
    'time_signature',
    'time_signature_confidence',
    'end_of_fade_in',
    'start_of_fade_out',
    'year',
    'artist_familiarity',
    'song_hotttnesss',
    'timbre_mean_0',
  ];
  const eol = crlf ? '\r\n' : '\n';
  const lines = [header.join(',')];
  const num = (lo: number, hi: number, digits: number): string => {
    if (rng.int(25) === 0) return pick(rng, ODD_NUMBERS);
    return rng.uniform(lo, hi).toFixed(digits);
  };
  for (let r = 0; r < rows; r++) {
    const t = r > 0 && rng.int(30) === 0 ? `TR${String(r - 1).padStart(6, '0')}` : `TR${String(r).padStart(6, '0')}`; // some duplicates
    const a = rng.int(40);
    const dur = rng.uniform(60, 400);
    const cells = [
      t,
      `SO${String(rng.int(rows * 2)).padStart(6, '0')}`,
      rng.int(8) === 0 ? '' : `AR${a}`,
      csvQuote(pick(rng, ARTISTS) + (a % 3 === 0 ? '' : ` ${a}`)),
      csvQuote(pick(rng, TITLES)),
      csvQuote(rng.int(20) === 0 ? pick(rng, GENRES) : pick(rng, GENRES.slice(0, 4))),
      dur.toFixed(5),
      rng.int(40) === 0 ? '' : num(50, 200, 3),
      num(-30, 0, 3),
      String(rng.int(12)),
      num(0, 1, 3),
      String(rng.int(2)),
      num(0, 1, 3),
      String(pick(rng, [1, 3, 4, 4, 4, 5, 7, 0])),
      num(0, 1, 3),
      num(0, 2, 3),
      (dur - rng.uniform(0, 20)).toFixed(3),
      rng.int(4) === 0 ? '0' : String(1950 + rng.int(60)),
      rng.int(6) === 0 ? '' : num(0, 1, 6),
      rng.int(5) === 0 ? 'nan' : num(0, 1, 6),
      rng.int(3) === 0 ? '' : num(-50, 50, 4),
    ];
    if (rng.int(50) === 0) cells.length -= 3; // truncated
    if (rng.int(40) === 0) cells.push('', ' '); // blank extra fields
    lines.push(cells.join(','));
    if (rng.int(60) === 0) lines.push(''); // blank line
  }
  return lines.join(eol) + eol;
}

/** A join table keyed by song_id: timbre means and pitch means with gaps, a year to fill gaps, a text column, a repeated key. */
function joinTable(seed: number, rows: number): string {
  const rng = new Rng(seed);
  const lines = ['song_id,timbre_mean_0,timbre_mean_1,pitch_mean_0,year,gender,duration'];
  for (let r = 0; r < rows; r++) {
    const id = `SO${String(rng.int(rows * 2)).padStart(6, '0')}`;
    lines.push(
      [
        id,
        rng.uniform(-9, 9).toFixed(4),
        rng.int(9) === 0 ? '' : rng.uniform(-9, 9).toFixed(4),
        rng.uniform(0, 1).toFixed(5),
        rng.int(3) === 0 ? '' : String(1960 + rng.int(50)),
        pick(rng, ['m', 'f', '']),
        rng.uniform(60, 300).toFixed(2),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** Runs the three paths on `options` and checks they agree (bytes, report, data) or fail with the same message. */
async function agree(name: string, options: Omit<PreprocessOptions, 'output'>): Promise<string> {
  const ref = join(dir, `${name}.ref.csv`),
    lib = join(dir, `${name}.lib.csv`),
    cli = join(dir, `${name}.cli.csv`);
  let refError: string | null = null;
  let expected: Awaited<ReturnType<typeof preprocessReference>> | null = null;
  try {
    expected = await preprocessReference({ ...options, output: ref });
  } catch (e) {
    refError = (e as Error).message;
  }
  if (refError !== null) {
    await expect(preprocess({ ...options, output: lib }), name).rejects.toThrow(refError);
    await expect(preprocessToFile({ ...options, output: cli }), name).rejects.toThrow(refError);
    return refError;
  }
  const got = await preprocess({ ...options, output: lib });
  const report = await preprocessToFile({ ...options, output: cli });
  const want = readFileSync(ref);
  expect(readFileSync(lib).equals(want), `${name}: preprocess output`).toBe(true);
  expect(readFileSync(cli).equals(want), `${name}: preprocessToFile output`).toBe(true);
  expect(got.report, name).toEqual(expected!.report);
  expect(report, name).toEqual(expected!.report);
  const { x, ...rest } = got.data,
    { x: wantX, ...wantRest } = expected!.data;
  expect(rest, name).toEqual(wantRest);
  expect(
    Array.from(x).every((v, i) => Object.is(v, wantX[i])),
    `${name}: x`,
  ).toBe(true);
  return '';
}

describe('streamed preprocess = in-memory reference', { timeout: 60000 }, () => {
  it('on seeded synthetic tables: quoting, odd numbers, gaps, duplicates, truncated rows, joins, every option', async () => {
    for (const seed of [1, 2]) {
      const table = join(dir, `songs${seed}.csv`),
        jt = join(dir, `join${seed}.csv`),
        cls = join(dir, `labels${seed}.cls`);
      writeFileSync(table, songTable(seed, 250, seed === 2));
      writeFileSync(jt, joinTable(seed + 10, 300));
      writeFileSync(
        cls,
        Array.from({ length: 420 }, (_, r) => `TR${String(r).padStart(6, '0')}\t${['rock', 'jazz', 'pop', 'blues'][r % 4]}`).join('\n') + '\n',
      );
      expect(await agree(`auto-join-${seed}`, { input: table, joins: [jt] })).toBe('');
      if (seed === 2) continue; // the CRLF table: the join case is enough
      expect(
        await agree(`song-${seed}`, { input: table, features: 'song', keyEncoding: 'sincos', rareClasses: 'merge', split: 'random', minClassCount: 30 }),
      ).toBe('');
      expect(await agree(`require-${seed}`, { input: table, joins: [jt], features: 'song,timbre,pitch', require: ['timbre'], keyEncoding: 'numeric' })).toBe(
        '',
      );
      expect(await agree(`labels-${seed}`, { input: table, labels: cls, features: 'original6', seed: 7, validFraction: 0.2, testFraction: 0.1 })).toBe('');
    }
  });

  it('gives the same errors: a bad number in a kept row, a table without ids for labels; none for a bad cell in a dropped row', async () => {
    // A plain table (no quoting), so cells can be replaced by position.
    const rng = new Rng(3);
    const header = 'track_id,artist_name,title,genre,duration,tempo,key,year';
    const rows = Array.from({ length: 60 }, (_, r) => [
      `TR${r}`,
      `A${rng.int(15)}`,
      `T${r}`,
      ['rock', 'jazz'][r % 2],
      rng.uniform(60, 300).toFixed(2),
      rng.uniform(60, 200).toFixed(3),
      String(rng.int(12)),
      String(1960 + rng.int(50)),
    ]);
    const write = (name: string, edit: (r: string[][]) => void): string => {
      const copy = rows.map((r) => [...r]);
      edit(copy);
      const p = join(dir, name);
      writeFileSync(p, [header, ...copy.map((r) => r.join(','))].join('\n') + '\n');
      return p;
    };
    expect(
      await agree('bad-tempo', {
        input: write('bad-tempo.csv', (r) => {
          r[20][5] = 'fast';
        }),
      }),
    ).toMatch(/data row 21, column "tempo": "fast" is not a number/);
    expect(
      await agree('dropped-bad', {
        input: write('dropped-bad.csv', (r) => {
          r[7][3] = 'tiny';
          r[7][7] = 'abc';
          r[9][3] = '';
          r[9][5] = 'x';
        }),
      }),
    ).toBe('');
    expect(
      await agree('negative-year', {
        input: write('negative-year.csv', (r) => {
          r[30][7] = '-1990';
        }),
      }),
    ).toMatch(/data row 31, column "year": -1990 is negative/);
    expect(
      await agree('huge', {
        input: write('huge.csv', (r) => {
          r[3][4] = '1e39';
        }),
      }),
    ).toMatch(/data row 4, column "duration": 1e39 is outside the range/);
    // An unescaped quote late in the file: both read it again with the tolerant tokenizer, from the start.
    const quoted = join(dir, 'unescaped.csv');
    writeFileSync(
      quoted,
      [header, ...rows.map((r, i) => (i === 50 ? [...r.slice(0, 2), `"Let's Call Him "Andre""`, ...r.slice(3)] : r).join(','))].join('\n') + '\n',
    );
    expect(await agree('unescaped-quote', { input: quoted })).toBe('');
    expect(readFileSync(join(dir, 'unescaped-quote.cli.csv'), 'utf8')).toContain(`"Let's Call Him ""Andre"""`);
    writeFileSync(join(dir, 'noid.csv'), 'artist_name,genre,tempo\nA,rock,1\n');
    writeFileSync(join(dir, 'noid.cls'), 'TRAAAAA128F4234567\trock\n'); // its own label file: tests run in any order
    expect(await agree('noid', { input: join(dir, 'noid.csv'), labels: join(dir, 'noid.cls') })).toMatch(/has no track_id column/);
  });

  it('on a small real table: the tagtraum-joined CSV (the scale bench repeats it)', async () => {
    expect(await agree('tagtraum', { input: join(shared, 'msd10k-tagtraum-cd1-joined/msd10k_tagtraum_cd1.csv') })).toBe('');
  });
});

describe('CsvRecord.plainNumber and tableNumber', () => {
  it('plainNumber is Number(text) or NaN (take the text path), and tableNumber accepts exactly the decimal pattern', async () => {
    const rng = new Rng(99);
    const alphabet = ['0', '1', '5', '9', '.', '-', '+', 'e', 'E', '7', '3', ' ', 'x'];
    const cells: string[] = [];
    for (let k = 0; k < 3000; k++) {
      let s = '';
      const n = 1 + rng.int(12);
      for (let i = 0; i < n; i++) s += pick(rng, alphabet);
      cells.push(s);
    }
    for (let k = 0; k < 2000; k++) cells.push(rng.normal(0, 10 ** rng.int(8)).toPrecision(1 + rng.int(17)), String(rng.uniform(-1e6, 1e6)));
    cells.push('1e22', '1e23', '123456789012345', '1234567890123456', '0.1', '-0', '-0.0', '00012.500', '1e-22', '9.999e-23');
    const path = join(dir, 'numbers.csv');
    writeFileSync(path, cells.map((c) => `${c},x`).join('\n') + '\n');
    const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
    let i = 0,
      fast = 0;
    for await (const rec of csvRecords(path, 'test')) {
      const text = rec.field(0),
        v = rec.plainNumber(0);
      if (!Number.isNaN(v)) {
        fast++;
        expect(Object.is(v, Number(text)), text).toBe(true);
        expect(DECIMAL.test(text), text).toBe(true);
      }
      if (text !== '') {
        const ok = DECIMAL.test(text);
        let threw = false;
        try {
          tableNumber(text, 'numbers.csv', i + 1, 'loudness');
        } catch {
          threw = true;
        }
        if (ok) expect(threw, text).toBe(!(Math.abs(Number(text)) <= 3.4028234663852886e38));
        else expect(threw, text).toBe(true);
      }
      i++;
    }
    expect(i).toBe(cells.length);
    expect(fast).toBeGreaterThan(1500); // most cells are numbers that take the byte path
  });
});
