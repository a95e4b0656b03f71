// The one CSV reader and writer of the package. Reading: a byte-level streaming parser with fast-csv's
// rules (`csvRecords`, fields made into strings only on demand), whole files (`readCsv`, which falls back
// to a tolerant line tokenizer for the not-quite-CSV files real MSD extractors wrote) and rows (`csvRows`).
// Writing: `CsvWriter` streams rows, formatted as fast-csv formats them, into a temporary file that
// becomes the output only when complete; every file starts with its header, even when it has no rows.
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { dirname } from 'node:path';
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
  const tolerant = await csvNeedsTolerance(path, what);
  const collect = async (t: boolean): Promise<string[][]> => {
    const rows: string[][] = [];
    for await (const r of csvRecords(path, what, { tolerant: t, unreadable: 'cannot read the file' })) rows.push(r.toArray());
    return rows;
  };
  try {
    return { rows: await collect(tolerant), tolerant };
  } catch (e) {
    if (tolerant || !(e instanceof CsvParseError) || !(await hasUnescapedQuote(path))) throw e;
    return { rows: await collect(true), tolerant: true };
  }
}

/** True when the file starts (first 20,000 characters) with Python bytes reprs (`"b'…'"`): never valid CSV. */
export async function csvNeedsTolerance(path: string, what: string): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new Error(`${what}: ${path}: cannot read the file`, { cause: e });
  }
  try {
    const b = Buffer.alloc(80004);
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    let text = b.toString('utf8', 0, bytesRead);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return /(^|,)"b'/m.test(text.slice(0, 20000));
  } catch (e) {
    throw new Error(`${what}: ${path}: cannot read the file`, { cause: e });
  } finally {
    await fh.close();
  }
}

/** True when a line holds a quoted field followed by more text before the comma (`"a "b"",`): the tolerant case. */
export async function hasUnescapedQuote(path: string): Promise<boolean> {
  const re = /(^|,)"[^"\n]*"[^,\n]/m;
  const fh = await open(path, 'r');
  try {
    let carry = '';
    const chunk = Buffer.allocUnsafe(CHUNK);
    const dec = new TextDecoder('utf-8');
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, CHUNK, null);
      const text = carry + dec.decode(chunk.subarray(0, bytesRead), { stream: bytesRead > 0 });
      const nl = bytesRead > 0 ? text.lastIndexOf('\n') : text.length;
      if (nl >= 0 && re.test(text.slice(0, nl))) return true;
      if (bytesRead === 0) return false;
      carry = nl >= 0 ? text.slice(nl) : text;
    }
  } finally {
    await fh.close();
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
  for await (const r of csvRecords(path, what)) yield r.toArray();
}

// One field of a tolerant line: "b'…'" or "b"…"" (ending right before a comma or the line end), a
// quoted field that ends at a quote before a comma, or a plain field without quotes.
const TOLERANT_FIELD = /"b'(.*?)'"(?=,|$)|"b"(.*?)""(?=,|$)|"(.*?)"(?=,|$)|([^,]*)/y;

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
      if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
        bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
        i += 3;
        continue;
      }
      if (n in SIMPLE_ESCAPES) {
        bytes.push(...enc.encode(SIMPLE_ESCAPES[n]));
        i++;
        continue;
      }
    }
    bytes.push(...enc.encode(ch));
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

// ---------------------------------------------------------------------------------------------------------------
// The parser. It reads bytes (UTF-8 checked, never decoded as a whole) and keeps each record as field offsets into
// its buffer, so a caller makes strings only of the fields it uses. It follows fast-csv's parse rules (with
// `ignoreEmpty`) cell for cell, and fast-csv's error messages: RFC 4180 quoting (`""`
// inside quotes is one quote), CRLF, LF or CR line ends, spaces before an opening quote and after a closing quote
// skipped, an unquoted field kept as written (quotes inside it included), rows of only whitespace skipped.

/** A malformed CSV text (an unclosed quote, or text after a closing quote); `readCsv` may then read it tolerantly. */
export class CsvParseError extends Error {
  override name = 'CsvParseError';
}

const QUOTE = 34,
  COMMA = 44,
  CR = 13,
  LF = 10;
// Exact powers of ten as doubles (10^22 is the largest that is exact).
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const CHUNK = 1 << 20;

/**
 * Byte length of the JavaScript `\s` character (other than CR and LF) at `i`; 0 if there is none; -1 if the bytes
 * end inside a possible one (more data needed).
 */
function spaceLen(buf: Uint8Array, i: number, end: number): number {
  const b = buf[i];
  if (b === 32 || b === 9 || b === 11 || b === 12) return 1;
  if (b < 0xc2) return 0;
  if (b === 0xc2) {
    if (i + 1 >= end) return -1;
    return buf[i + 1] === 0xa0 ? 2 : 0;
  }
  if (b !== 0xe1 && b !== 0xe2 && b !== 0xe3 && b !== 0xef) return 0;
  if (i + 2 >= end) return -1;
  const b1 = buf[i + 1],
    b2 = buf[i + 2];
  if (b === 0xe1) return b1 === 0x9a && b2 === 0x80 ? 3 : 0; // U+1680
  if (b === 0xe3) return b1 === 0x80 && b2 === 0x80 ? 3 : 0; // U+3000
  if (b === 0xef) return b1 === 0xbb && b2 === 0xbf ? 3 : 0; // U+FEFF
  if (b1 === 0x80) return (b2 >= 0x80 && b2 <= 0x8a) || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf ? 3 : 0; // U+2000–200A, 2028, 2029, 202F
  return b1 === 0x81 && b2 === 0x9f ? 3 : 0; // U+205F
}

/** Error text fast-csv writes for a piece of a line: CR and LF shown as `\n'`. */
const showLine = (s: string): string => s.replace(/[\r\n]/g, "\\n'");

/**
 * One record of a CSV file: where its fields lie in a buffer, made into strings only when asked
 * (`field(i)`). The reader reuses one record object: read what you need before the next row.
 */
export class CsvRecord {
  /** Number of fields. */
  count = 0;
  #buf: Buffer = Buffer.alloc(0);
  #start = new Int32Array(64);
  #end = new Int32Array(64);
  /** 1 when a quoted field holds doubled quotes to unescape. */
  #escaped = new Uint8Array(64);
  /** The fields of a tolerant line, already strings; null for parsed records. */
  #strings: string[] | null = null;

  /** Field `i` as a string. */
  field(i: number): string {
    if (this.#strings !== null) return this.#strings[i];
    const s = this.#buf.toString('utf8', this.#start[i], this.#end[i]);
    return this.#escaped[i] === 1 ? s.replace(/""/g, '"') : s;
  }

  /**
   * Field `i` as a number when it is written as a plain decimal number (`-12.5`, `3`, `1e-3`: sign, digits, point,
   * exponent, nothing else) that converts exactly without `Number` (at most 15 digits, power of ten within ±22, so
   * one IEEE multiplication or division rounds it correctly, as `Number` would); NaN for anything else, which the
   * caller then reads as text. Saves making a string of every numeric cell.
   */
  plainNumber(i: number): number {
    if (this.#strings !== null || this.#escaped[i] === 1) return NaN;
    const buf = this.#buf,
      end = this.#end[i];
    let p = this.#start[i];
    if (p >= end) return NaN;
    let neg = false,
      c = buf[p];
    if (c === 45 || c === 43) {
      neg = c === 45;
      if (++p >= end) return NaN;
      c = buf[p];
    }
    let m = 0,
      digits = 0,
      scale = 0;
    while (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (++p >= end) break;
      c = buf[p];
    }
    if (p < end && c === 46) {
      p++;
      c = p < end ? buf[p] : 0;
      while (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        scale++;
        if (++p >= end) break;
        c = buf[p];
      }
    }
    if (digits === 0 || digits > 15) return NaN;
    if (p < end) {
      if (c !== 101 && c !== 69) return NaN;
      if (++p >= end) return NaN;
      c = buf[p];
      let eneg = false;
      if (c === 45 || c === 43) {
        eneg = c === 45;
        if (++p >= end) return NaN;
        c = buf[p];
      }
      let e = 0,
        ed = 0;
      while (c >= 48 && c <= 57) {
        e = e * 10 + (c - 48);
        ed++;
        if (++p >= end) break;
        c = buf[p];
      }
      if (ed === 0 || p < end || ed > 3) return NaN;
      scale -= eneg ? -e : e;
    }
    if (scale > 22 || scale < -22) return NaN;
    const v = scale >= 0 ? m / POW10[scale] : m * POW10[-scale];
    return neg ? -v : v;
  }

  /** True when field `i` is empty or only whitespace (what `String.prototype.trim` removes). */
  isBlank(i: number): boolean {
    if (this.#strings !== null) return this.#strings[i].trim() === '';
    const buf = this.#buf,
      end = this.#end[i];
    for (let p = this.#start[i]; p < end; ) {
      const b = buf[p];
      if (b === CR || b === LF) {
        p++;
        continue;
      }
      const n = spaceLen(buf, p, end);
      if (n <= 0) return false;
      p += n;
    }
    return true;
  }

  /** Every field as a string. */
  toArray(): string[] {
    const out: string[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.field(i);
    return out;
  }

  /** @internal Starts a parsed record on `buf`. */
  reset(buf: Buffer): void {
    this.#buf = buf;
    this.#strings = null;
    this.count = 0;
  }

  /** @internal Adds a field [start, end) of the buffer. */
  push(start: number, end: number, escaped: boolean): void {
    if (this.count === this.#start.length) {
      const n = this.count * 2;
      const s = new Int32Array(n),
        e = new Int32Array(n),
        q = new Uint8Array(n);
      s.set(this.#start);
      e.set(this.#end);
      q.set(this.#escaped);
      this.#start = s;
      this.#end = e;
      this.#escaped = q;
    }
    this.#start[this.count] = start;
    this.#end[this.count] = end;
    this.#escaped[this.count] = escaped ? 1 : 0;
    this.count++;
  }

  /** @internal Makes this record the given strings (a tolerant line). */
  setStrings(fields: string[]): void {
    this.#strings = fields;
    this.count = fields.length;
  }
}

/** Parses one record at `p`; returns the position after it, -1 when the bytes end first (read more), or -2 at the end of the text. */
function parseRecord(buf: Buffer, p: number, end: number, eof: boolean, rec: CsvRecord): number {
  rec.reset(buf);
  // The first token: skip whitespace other than line ends.
  let t = p;
  for (;;) {
    if (t >= end) return eof ? -2 : -1;
    const n = spaceLen(buf, t, end);
    if (n < 0) return eof ? -2 : -1;
    if (n === 0) break;
    t += n;
  }
  let cursor = p;
  if (buf[t] === COMMA) rec.push(t, t, false); // a row that starts with a delimiter starts with an empty field
  for (;;) {
    // `t` is the next token (non-space character, line end or delimiter); `cursor` where the next field would start.
    const b = buf[t];
    if (b === LF) return t + 1;
    if (b === CR) {
      if (t + 1 < end) return buf[t + 1] === LF ? t + 2 : t + 1;
      return eof ? t + 1 : -1;
    }
    let parse = true;
    if (b === COMMA) {
      cursor = t + 1;
      if (cursor >= end) {
        if (!eof) return -1;
        rec.push(cursor, cursor, false);
        parse = false;
      } else {
        const c = buf[cursor];
        if (c === CR || c === LF || c === COMMA) {
          rec.push(cursor, cursor, false);
          parse = false;
        }
      }
    }
    if (parse) {
      // A field: quoted if its first non-space character is a quote, else everything up to a delimiter or line end.
      let q = cursor;
      for (;;) {
        if (q >= end) break;
        const n = spaceLen(buf, q, end);
        if (n < 0) return eof ? q : -1; // cannot happen at eof: spaceLen only answers -1 before the end of the bytes
        if (n === 0) break;
        q += n;
      }
      if (q < end && buf[q] === QUOTE) {
        let i = q + 1,
          escaped = false,
          close = -1;
        while (i < end) {
          if (buf[i] === QUOTE) {
            if (i + 1 < end && buf[i + 1] === QUOTE) {
              escaped = true;
              i += 2;
              continue;
            }
            if (i + 1 >= end && !eof) return -1;
            close = i;
            break;
          }
          i++;
        }
        if (close < 0) {
          if (!eof) return -1;
          throw new CsvParseError(`Parse Error: missing closing: '"' in line: at '${showLine(buf.toString('utf8', q, Math.min(end, q + 4000)))}'`);
        }
        rec.push(q + 1, close, escaped);
        // After the closing quote: spaces, then a delimiter, a line end or the end of the text.
        let a = close + 1;
        for (;;) {
          if (a >= end) break;
          const n = spaceLen(buf, a, end);
          if (n < 0) return -1;
          if (n === 0) break;
          a += n;
        }
        if (a >= end) {
          if (!eof) return -1;
          return end; // only spaces follow: the text ends with this record
        }
        const c = buf[a];
        if (c !== COMMA && c !== CR && c !== LF) {
          if (!eof && end - close < 41) return -1; // the message shows the next 10 characters: read them first
          const got = buf.toString('utf8', a, Math.min(end, a + 4))[0];
          const preview = buf.toString('utf8', close + 1, Math.min(end, close + 1 + 40)).substring(0, 10);
          throw new CsvParseError(`Parse Error: expected: ',' OR new line got: '${got}'. at '${showLine(preview)}'`);
        }
        t = a;
      } else {
        let i = cursor;
        while (i < end) {
          const c = buf[i];
          if (c === COMMA || c === LF || c === CR) break;
          i++;
        }
        if (i >= end && !eof) return -1;
        rec.push(cursor, i, false);
        if (i >= end) return end;
        t = i;
      }
      continue;
    }
    // The delimiter was followed by a delimiter, a line end or the end: find the next token after it.
    t = cursor;
    for (;;) {
      if (t >= end) return eof ? end : -1;
      const n = spaceLen(buf, t, end);
      if (n < 0) return -1;
      if (n === 0) break;
      t += n;
    }
  }
}

/** How `csvRecords` reads: `tolerant` splits lines with the tolerant tokenizer; `unreadable` ends the message for a file that cannot be opened. */
export interface CsvReadOptions {
  tolerant?: boolean;
  unreadable?: string;
  /** Bytes per read (default 1 MiB); small values let tests cross read boundaries everywhere. */
  chunkBytes?: number;
}

/**
 * Streams the records of a CSV file (the header first) in 1 MiB reads, holding one record at a time; blank
 * lines and a UTF-8 BOM are skipped. Bytes that are not UTF-8 are an error naming their line; a malformed
 * record is a `CsvParseError` naming the row. The same `CsvRecord` object comes back each time.
 *
 * ```ts
 * for await (const rec of csvRecords('SongCSV.csv', 'preprocess')) rec.field(0);
 * ```
 */
export async function* csvRecords(path: string, what: string, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what}: ${path}: ${options.unreadable ?? (code === 'ENOENT' ? 'no such file' : 'cannot read the file')}`, { cause: e });
  }
  const rec = new CsvRecord();
  const chunkBytes = options.chunkBytes ?? CHUNK;
  let buf = Buffer.alloc(0);
  let pos = 0,
    checked = 0,
    linesBefore = 0,
    records = 0,
    eof = false,
    first = true;
  try {
    while (!eof) {
      const chunk = Buffer.allocUnsafe(chunkBytes);
      let got: number;
      try {
        got = (await fh.read(chunk, 0, chunkBytes, null)).bytesRead;
      } catch (e) {
        throw new Error(`${what}: ${path}: cannot read the file`, { cause: e });
      }
      eof = got === 0;
      // Keep the unread tail of the buffer and append the new bytes.
      for (let i = buf.indexOf(LF); i >= 0 && i < pos; i = buf.indexOf(LF, i + 1)) linesBefore++;
      const tail = buf.subarray(pos);
      buf = tail.length === 0 ? chunk.subarray(0, got) : Buffer.concat([tail, chunk.subarray(0, got)]);
      checked -= pos;
      pos = 0;
      if (first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        pos = 3;
        checked = 3;
      }
      if (first && (buf.length >= 3 || eof)) first = false;
      else if (first) continue; // fewer than 3 bytes so far: the BOM test needs them
      // Bytes up to the last character that is surely complete are checked as UTF-8.
      let cut = buf.length;
      if (!eof) {
        let k = cut - 1,
          c = 0;
        while (k >= checked && c < 3 && (buf[k] & 0xc0) === 0x80) {
          k--;
          c++;
        }
        if (k >= checked && buf[k] >= 0xc0) cut = k;
      }
      if (cut > checked) {
        if (!isUtf8(buf.subarray(checked, cut))) throw new Error(notUtf8(buf, checked, cut, linesBefore, path, what));
        checked = cut;
      }
      if (options.tolerant === true) {
        // Line by line; no field spans lines. A line ends at LF (a CR before it dropped).
        for (;;) {
          let nl = buf.indexOf(LF, pos);
          if (nl < 0 || nl >= checked) {
            if (!eof || pos >= buf.length) break;
            nl = buf.length;
          }
          let e = nl;
          if (e > pos && buf[e - 1] === CR) e--;
          const line = buf.toString('utf8', pos, e);
          pos = Math.min(nl + 1, buf.length);
          if (line.trim() === '') continue;
          rec.setStrings(splitTolerantLine(line));
          records++;
          yield rec;
        }
        continue;
      }
      for (;;) {
        let next: number;
        try {
          next = parseRecord(buf, pos, checked, eof, rec);
        } catch (e) {
          if (e instanceof CsvParseError) throw new CsvParseError(`${what}: ${path}: CSV parse error near row ${records}: ${e.message}`, { cause: e });
          throw e;
        }
        if (next < 0) {
          if (next === -2) pos = checked;
          break;
        }
        pos = next;
        let blank = true;
        for (let i = 0; i < rec.count && blank; i++) blank = rec.isBlank(i);
        if (blank) continue;
        records++;
        yield rec;
      }
    }
  } finally {
    await fh.close();
  }
}

/** The message for bytes that are not UTF-8 in buf[from, to): the first such line, counted from the file's start. */
function notUtf8(buf: Buffer, from: number, to: number, linesBefore: number, path: string, what: string): string {
  let line = linesBefore + 1;
  for (let i = buf.indexOf(LF); i >= 0 && i < from; i = buf.indexOf(LF, i + 1)) line++;
  let s = from;
  while (s < to) {
    let e = buf.indexOf(LF, s);
    if (e < 0 || e > to) e = to;
    if (!isUtf8(buf.subarray(s, e))) break;
    s = e + 1;
    line++;
  }
  return (
    `${what}: ${path}: line ${line} (data row ${line - 1}) holds bytes that are not UTF-8; ` +
    'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)'
  );
}

/** A CSV cell: numbers in full precision, NaN as an empty field. */
export type CsvCell = string | number;

// fast-csv's field rule, so outputs are byte for byte what fast-csv writes: NUL characters dropped; a field with a
// quote is quoted with its quotes doubled; one with a comma, CR, LF or '|' (fast-csv's escape class also holds
// '|') is quoted as it is.
const NEEDS_QUOTES = /[,\r\n|]/;

/** One CSV field as written: numbers in full precision (`String(v)`), NaN as empty, text quoted when needed. */
export function csvField(v: CsvCell): string {
  if (typeof v === 'number') return v === 0 ? '0' : v === 1 ? '1' : Number.isNaN(v) ? '' : String(v);
  const s = v.includes('\0') ? v.replace(/\0/g, '') : v;
  if (s.includes('"')) return `"${s.replace(/"/g, '""')}"`;
  return NEEDS_QUOTES.test(s) ? `"${s}"` : s;
}

/** One CSV line with its line end. */
export function csvLine(row: readonly CsvCell[]): string {
  let line = csvField(row[0]);
  for (let i = 1; i < row.length; i++) line += ',' + csvField(row[i]);
  return line + '\n';
}

// Lines are gathered into strings of about this many characters before they go to the file stream.
const WRITE_BATCH = 1 << 16;

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
  readonly #file: WriteStream;
  readonly #done: Promise<void>;
  #pending: string;
  #rows = 0;

  constructor(path: string, header: readonly string[]) {
    this.path = path;
    this.header = header;
    mkdirSync(dirname(path), { recursive: true });
    this.#tmp = tempPathFor(path);
    this.#file = createWriteStream(this.#tmp);
    this.#done = finished(this.#file);
    this.#done.catch(() => {}); // observed by close() or discard(); never an unhandled rejection
    this.#pending = csvLine(header);
  }

  /** Writes one row; checks its length against the header. */
  async write(row: readonly CsvCell[]): Promise<void> {
    this.#rows++;
    if (row.length !== this.header.length)
      throw new RangeError(`csv: ${this.path}: row ${this.#rows} has ${row.length} fields, header has ${this.header.length}`);
    this.#pending += csvLine(row);
    if (this.#pending.length >= WRITE_BATCH) await this.#flush();
  }

  async #flush(): Promise<void> {
    const text = this.#pending;
    this.#pending = '';
    if (!this.#file.write(text)) await once(this.#file, 'drain');
  }

  /** Ends the stream and waits until every byte is in the temporary file. */
  async close(): Promise<void> {
    if (this.#pending !== '') await this.#flush();
    this.#file.end();
    await this.#done;
  }

  /** Makes the closed temporary file the output (flushed to disk, then renamed). */
  commit(): void {
    commitTempFile(this.#tmp, this.path);
  }

  /** Stops writing and removes the temporary file, once its stream has closed (it may still be opening). */
  async discard(): Promise<void> {
    this.#pending = '';
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
  await writeAll([out], async () => {
    for (const r of rows) await out.write(r);
  });
}
