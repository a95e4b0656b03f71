// The byte-level CSV parser against fast-csv (the reference): the same cells
// on a seeded corpus of quoted, escaped, CRLF, BOM, blank and whitespace-laden inputs, read in reads of a few
// bytes so every read boundary is crossed, and the same parse error for malformed rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseString } from 'fast-csv';
import { Rng } from '@timbre/tensor';
import { CsvParseError, csvRecords, csvRows } from '../src/io/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-csv-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** fast-csv's rows (ignoreEmpty, no headers) or its error message. */
function fastCsv(text: string): Promise<{ rows: string[][] } | { error: string }> {
  return new Promise((resolve) => {
    const rows: string[][] = [];
    parseString(text, { headers: false, ignoreEmpty: true })
      .on('error', (e: Error) => resolve({ error: e.message }))
      .on('data', (r: string[]) => rows.push(r))
      .on('end', () => resolve({ rows }));
  });
}

/** Ours, read `chunkBytes` bytes at a time. */
async function ours(path: string, chunkBytes: number): Promise<{ rows: string[][] } | { error: string }> {
  const rows: string[][] = [];
  try {
    for await (const r of csvRecords(path, 'fuzz', { chunkBytes })) rows.push(r.toArray());
  } catch (e) {
    if (!(e instanceof CsvParseError)) throw e;
    return { error: (e.cause as Error).message };
  }
  return { rows };
}

const PIECES = [
  'a',
  'b',
  'xyz',
  '12.5',
  ' ',
  '  ',
  '\t',
  ',',
  ',',
  ',',
  '"',
  '"',
  '""',
  '\n',
  '\n',
  '\r\n',
  '\r',
  'é',
  '日本',
  '\u00a0',
  '\u2003',
  '|',
  "'",
  "b'x'",
];

/** A random text of `n` pieces, often shaped like CSV (quoted fields whole). */
function randomText(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rng.int(10);
    if (r === 0) s += `"${PIECES[rng.int(PIECES.length)]}${PIECES[rng.int(PIECES.length)]}"`;
    else s += PIECES[rng.int(PIECES.length)];
  }
  return s;
}

describe('csvRecords agrees with fast-csv', () => {
  it('cell for cell, and error for error, on a seeded fuzz corpus read across every read boundary', async () => {
    const rng = new Rng(2024);
    let errors = 0,
      rowsSeen = 0;
    for (let k = 0; k < 300; k++) {
      let text = randomText(rng, 1 + rng.int(30));
      if (k % 7 === 0) text = '\ufeff' + text;
      const path = join(dir, `f${k}.csv`);
      writeFileSync(path, text);
      const want = await fastCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      for (const chunk of k % 2 === 0 ? [1, 1 << 20] : [3, 1 << 20]) {
        const got = await ours(path, chunk);
        expect(got, `input ${JSON.stringify(text)}, reads of ${chunk} bytes`).toEqual(want);
      }
      if ('error' in want) errors++;
      else rowsSeen += want.rows.length;
    }
    // The corpus exercises both outcomes.
    expect(errors).toBeGreaterThan(15);
    expect(rowsSeen).toBeGreaterThan(150);
  });

  it('hand-picked cases: RFC 4180 quoting, CRLF, spaces around quotes, whitespace-only rows, a trailing delimiter', async () => {
    const cases = [
      'a,b\r\n"x, y","say ""hi"""\r\n\r\n1,2\r\n',
      '  "q"  ,b\n,\n , \n"multi\nline",z',
      'a,b,\n,a\n  ,a\n"a"b\n',
      '"unterminated,1\n',
      'a,"b" c\n',
      'x\ry\r\n\rz',
    ];
    for (const [k, text] of cases.entries()) {
      const path = join(dir, `h${k}.csv`);
      writeFileSync(path, text);
      const want = await fastCsv(text);
      for (const chunk of [1, 2, 5, 1 << 20]) expect(await ours(path, chunk), JSON.stringify(text)).toEqual(want);
    }
  });

  it('names the file and the row of a malformed record, and the line of bytes that are not UTF-8', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n"x" y,3\n');
    await expect(
      (async () => {
        for await (const _ of csvRows(bad, 'merge')) {
          /* read */
        }
      })(),
    ).rejects.toThrow(/^merge: .*bad\.csv: CSV parse error near row 2: Parse Error: expected: ',' OR new line got: 'y'/);
    const latin = join(dir, 'latin.csv');
    writeFileSync(latin, Buffer.concat([Buffer.from('a,b\n1,2\n3,'), Buffer.from([0xe9]), Buffer.from('\n')]));
    for (const chunkBytes of [1, 4, 1 << 20]) {
      await expect(
        (async () => {
          for await (const _ of csvRecords(latin, 'merge', { chunkBytes })) {
            /* read */
          }
        })(),
      ).rejects.toThrow(/latin\.csv: line 3 \(data row 2\) holds bytes that are not UTF-8/);
    }
  });
});
