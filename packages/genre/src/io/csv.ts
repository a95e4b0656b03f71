// The one CSV reader and writer of the package, on fast-csv. Reading: a whole file at once
// (`readCsv`, which falls back to a tolerant line tokenizer for the not-quite-CSV files real MSD
// extractors wrote) or a stream of rows (`csvRows`). Writing: `CsvWriter` streams rows into a
// temporary file that becomes the output only when complete; every file starts with its header,
// even when it has no rows.
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { dirname } from 'node:path';
import { format, parse, parseString } from 'fast-csv';
import type { CsvFormatterStream, FormatterRow } from 'fast-csv';
import { commitTempFile, tempPathFor } from '@timbre/nn';

/** A CSV file's rows (the header is row 0) and whether the tolerant tokenizer read it. */
export interface CsvText {
  readonly rows: string[][];
  readonly tolerant: boolean;
}

/**
 * Reads a whole CSV file into rows of strings (blank lines skipped, a UTF-8 BOM dropped). Files that
 * are not valid CSV in the ways real SongCSVs are not — Python bytes reprs (`b'…'`), unescaped quotes
 * inside quoted fields (`"Let's Call Him "Andre""`) — are read line by line by a tolerant tokenizer
 * that ends a quoted field at a quote before a comma. `what` starts every error message.
 *
 * ```ts
 * const { rows } = await readCsv('SongCSV.csv', 'preprocess');
 * ```
 */
export async function readCsv(path: string, what: string): Promise<CsvText> {
  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch { throw new Error(`${what}: ${path}: cannot read the file`); }
  let text = decodeUtf8(bytes, path, what);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (/(^|,)"b'/m.test(text.slice(0, 20000))) return { rows: tolerantRows(text), tolerant: true }; // never valid CSV
  const rows: string[][] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      parseString(text, { headers: false, ignoreEmpty: true })
        .on('error', (e: Error) => reject(new Error(`${what}: ${path}: CSV parse error near row ${rows.length}: ${e.message}`)))
        .on('data', (r: string[]) => { rows.push(r); })
        .on('end', () => resolve());
    });
  } catch (e) {
    if (!/(^|,)"[^"\n]*"[^,\n]/m.test(text)) throw e; // not the unescaped-quote case: a real error
    return { rows: tolerantRows(text), tolerant: true };
  }
  return { rows, tolerant: false };
}

/** The file's text; bytes that are not UTF-8 are an error naming the line they are on. */
function decodeUtf8(bytes: Uint8Array, path: string, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = lossy.indexOf('\ufffd');
    let line = 1;
    for (let i = 0; i < at; i++) if (lossy.charCodeAt(i) === 10) line++;
    throw new Error(`${what}: ${path}: line ${line} (data row ${line - 1}) holds bytes that are not UTF-8; ` +
      'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)');
  }
}

/**
 * Streams the rows of a CSV file (the header first), holding one row at a time. Strict: no tolerant
 * fallback. Errors name `what` and the file.
 *
 * ```ts
 * for await (const row of csvRows('SongCSV.shard-0000-of-0004.csv', 'merge')) { … }
 * ```
 */
export async function* csvRows(path: string, what: string): AsyncGenerator<string[]> {
  let n = 0;
  const source = createReadStream(path);
  const parser = parse({ headers: false, ignoreEmpty: true });
  source.on('error', (e) => parser.destroy(e)); // pipe() does not pass a read error on
  source.pipe(parser);
  try {
    for await (const row of parser) {
      yield row as string[];
      n++;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`${what}: ${path}: no such file`);
    throw new Error(`${what}: ${path}: CSV parse error near row ${n}: ${err.message}`, { cause: e });
  } finally {
    source.destroy();
  }
}

// One field of a tolerant line: "b'…'" or "b"…"" (ending right before a comma or the line end), a
// quoted field that ends at a quote before a comma, or a plain field without quotes.
const TOLERANT_FIELD = /"b'(.*?)'"(?=,|$)|"b"(.*?)""(?=,|$)|"(.*?)"(?=,|$)|([^,]*)/y;

/** Rows of a not-quite-CSV text, line by line (no field spans lines). */
function tolerantRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) if (line.trim() !== '') rows.push(splitTolerantLine(line));
  return rows;
}

/** Splits one line: bytes reprs decoded, doubled quotes inside quoted fields unescaped. */
export function splitTolerantLine(line: string): string[] {
  const out: string[] = [];
  let pos = 0;
  for (;;) {
    TOLERANT_FIELD.lastIndex = pos;
    const m = TOLERANT_FIELD.exec(line)!; // the last alternative matches the empty string, so never null
    const v = m[1] ?? m[2];
    out.push(v !== undefined ? decodeBytesRepr(v) : m[3] !== undefined ? m[3].replace(/""/g, '"') : m[4]);
    pos = TOLERANT_FIELD.lastIndex;
    if (pos >= line.length || line[pos] !== ',') break;
    pos++;
  }
  return out;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r' };

/** Decodes Python bytes-literal escapes (\xNN as UTF-8 bytes, \\, \', \", \n, \t, \r). */
export function decodeBytesRepr(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      const n = s[i + 1];
      if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) { bytes.push(parseInt(s.slice(i + 2, i + 4), 16)); i += 3; continue; }
      if (n in SIMPLE_ESCAPES) { bytes.push(...enc.encode(SIMPLE_ESCAPES[n])); i++; continue; }
    }
    bytes.push(...enc.encode(ch));
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** A CSV cell: numbers in full precision, NaN as an empty field. */
export type CsvCell = string | number;

const cell = (v: CsvCell): string => (typeof v === 'number' ? (Number.isNaN(v) ? '' : String(v)) : v);

/**
 * A CSV output written row by row to a temporary sibling of `path`; `commit` makes it the output.
 * The header is the first line even if no row follows.
 *
 * ```ts
 * const out = new CsvWriter('errors.csv', ['file', 'reason']);
 * await out.write(['A/B/TRA.h5', 'truncated']);
 * await out.close(); out.commit();
 * ```
 */
export class CsvWriter {
  readonly path: string;
  readonly header: readonly string[];
  readonly #tmp: string;
  readonly #csv: CsvFormatterStream<FormatterRow, FormatterRow>;
  readonly #file: WriteStream;
  readonly #done: Promise<void>;
  #rows = 0;

  constructor(path: string, header: readonly string[]) {
    this.path = path;
    this.header = header;
    mkdirSync(dirname(path), { recursive: true });
    this.#tmp = tempPathFor(path);
    this.#csv = format({ headers: false, includeEndRowDelimiter: true });
    this.#file = createWriteStream(this.#tmp);
    this.#csv.pipe(this.#file);
    this.#done = finished(this.#file);
    this.#done.catch(() => {}); // observed by close() or discard(); never an unhandled rejection
    this.#csv.write(header.slice());
  }

  /** Writes one row; checks its length against the header. */
  async write(row: readonly CsvCell[]): Promise<void> {
    this.#rows++;
    if (row.length !== this.header.length) throw new RangeError(`csv: ${this.path}: row ${this.#rows} has ${row.length} fields, header has ${this.header.length}`);
    if (!this.#csv.write(row.map(cell))) await once(this.#csv, 'drain');
  }

  /** Ends the stream and waits until every byte is in the temporary file. */
  async close(): Promise<void> {
    this.#csv.end();
    await this.#done;
  }

  /** Makes the closed temporary file the output (flushed to disk, then renamed). */
  commit(): void {
    commitTempFile(this.#tmp, this.path);
  }

  /** Stops writing and removes the temporary file, once its stream has closed (it may still be opening). */
  async discard(): Promise<void> {
    this.#csv.destroy();
    this.#file.destroy();
    await this.#done.catch(() => {}); // a destroyed stream rejects `finished`; closing is all we wait for
    rmSync(this.#tmp, { force: true });
  }
}

/**
 * Fills several writers together: runs `fill`, then closes them all and commits each; if anything
 * throws, discards them all, so no output appears unless every one is complete.
 *
 * ```ts
 * const n = await writeAll([songs, errors], async () => { await songs.write(row); return 1; });
 * ```
 */
export async function writeAll<T>(writers: readonly CsvWriter[], fill: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fill();
    await Promise.all(writers.map((w) => w.close()));
  } catch (e) {
    await Promise.all(writers.map((w) => w.discard()));
    throw e;
  }
  for (const w of writers) w.commit();
  return result;
}

/**
 * Writes `rows` under `header` to `path`; the file appears only when complete.
 *
 * ```ts
 * await writeCsvAtomic('runs/predictions.csv', ['track_id', 'genre'], [['TRA…', 'rock']]);
 * ```
 */
export async function writeCsvAtomic(path: string, header: readonly string[], rows: Iterable<readonly CsvCell[]>): Promise<void> {
  const out = new CsvWriter(path, header);
  await writeAll([out], async () => { for (const r of rows) await out.write(r); });
}
