// The one CSV reader and writer: strict and tolerant reading (Python bytes reprs, unescaped quotes,
// doubled quotes inside quoted fields), streaming rows, and outputs that appear only when complete and
// always carry their header.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvWriter, csvRows, readCsv, splitTolerantLine, writeAll, writeCsvAtomic } from '../src/io/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('readCsv', () => {
  it('reads RFC 4180 CSV: quoted commas, doubled quotes, CRLF, a BOM, blank lines', async () => {
    const p = file('ok.csv', '\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\n1,2\r\n');
    const r = await readCsv(p, 'test');
    expect(r.tolerant).toBe(false);
    expect(r.rows).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', '2'],
    ]);
  });

  it('falls back to the tolerant tokenizer for unescaped quotes, and still unescapes doubled quotes', async () => {
    const p = file('quotes.csv', 'title,artist\n"Let\'s Call Him "Andre"",x\n"a ""b"" c",y\n');
    const r = await readCsv(p, 'test');
    expect(r.tolerant).toBe(true);
    expect(r.rows[1]).toEqual(['Let\'s Call Him "Andre"', 'x']);
    expect(r.rows[2]).toEqual(['a "b" c', 'y']);
  });

  it('decodes Python bytes reprs, escapes included', async () => {
    const p = file('bytes.csv', "id,title\n\"b'TRA'\",\"b'Caf\\xc3\\xa9 \\'Noir\\''\"\n");
    const r = await readCsv(p, 'test');
    expect(r.tolerant).toBe(true);
    expect(r.rows[1]).toEqual(['TRA', "Café 'Noir'"]);
    expect(splitTolerantLine('"b"I Didn\'t Mean To"",3')).toEqual(["I Didn't Mean To", '3']);
  });

  it('names the caller and the file when the file is missing or not CSV', async () => {
    await expect(readCsv(join(dir, 'nope.csv'), 'preprocess')).rejects.toThrow(/^preprocess: .*nope\.csv: cannot read the file/);
    await expect(readCsv(file('bad.csv', 'a,b\n"unterminated,1\n'), 'preprocess')).rejects.toThrow(/preprocess: .*bad\.csv: CSV parse error/);
  });
});

describe('csvRows', () => {
  it('streams the same rows readCsv reads', async () => {
    const p = file('stream.csv', 'a,b\n"1,5",2\n3,"x ""y"""\n');
    const rows: string[][] = [];
    for await (const r of csvRows(p, 'test')) rows.push(r);
    expect(rows).toEqual((await readCsv(p, 'test')).rows);
    await expect(
      (async () => {
        for await (const _ of csvRows(join(dir, 'none.csv'), 'merge')) {
          /* nothing */
        }
      })(),
    ).rejects.toThrow(/merge: .*none\.csv: no such file/);
  });
});

describe('CsvWriter', () => {
  it('writes the header even with no rows', async () => {
    const p = join(dir, 'empty', 'errors.csv');
    await writeCsvAtomic(p, ['file', 'reason'], []);
    expect(readFileSync(p, 'utf8')).toBe('file,reason\n');
  });

  it('quotes what needs quoting, writes numbers in full and NaN as empty, checks row length', async () => {
    const p = join(dir, 'w.csv');
    await writeCsvAtomic(
      p,
      ['a', 'b'],
      [
        ['x,y', 0.1 + 0.2],
        ['q"r', NaN],
      ],
    );
    expect(readFileSync(p, 'utf8')).toBe('a,b\n"x,y",0.30000000000000004\n"q""r",\n');
    await expect(writeCsvAtomic(join(dir, 'short.csv'), ['a', 'b'], [['1']])).rejects.toThrow(/short\.csv: row 1 has 1 fields, header has 2/);
    expect(readdirSync(dir).some((f) => f.includes('short'))).toBe(false);
  });

  it('commits every output only when all are complete; a failure leaves none and no temporary files', async () => {
    const a = new CsvWriter(join(dir, 'ok', 'a.csv'), ['x']),
      b = new CsvWriter(join(dir, 'ok', 'b.csv'), ['y']);
    const n = await writeAll([a, b], async () => {
      await a.write(['1']);
      await b.write([2]);
      return 2;
    });
    expect(n).toBe(2);
    expect(readFileSync(join(dir, 'ok', 'a.csv'), 'utf8')).toBe('x\n1\n');
    expect(readFileSync(join(dir, 'ok', 'b.csv'), 'utf8')).toBe('y\n2\n');
    const c = new CsvWriter(join(dir, 'bad', 'c.csv'), ['x']),
      d = new CsvWriter(join(dir, 'bad', 'd.csv'), ['y']);
    await expect(
      writeAll([c, d], async () => {
        await c.write(['1']);
        throw new Error('row 7 is broken');
      }),
    ).rejects.toThrow(/row 7/);
    expect(readdirSync(join(dir, 'bad'))).toEqual([]);
  });
});
