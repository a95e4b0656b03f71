// Streams a CSV file's rows with exactly the rows and errors `readCsv` gives for the whole file, holding one
// chunk at a time. A first pass decides what `readCsv` decides from the whole text (bytes that are not UTF-8,
// the tolerant tokenizer for not-quite-CSV files), so no row is handed out from a file `readCsv` would refuse.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'fast-csv';
import { splitTolerantLine } from './csv.js';

const CHUNK = 1 << 20;
// The same tests `readCsv` makes on the whole text: bytes reprs in its first 20,000 characters mean the
// tolerant tokenizer; a quoted field followed by more than a comma may mean unescaped quotes.
const BYTES_REPR = /(^|,)"b'/m;
const UNESCAPED_QUOTE = /(^|,)"[^"\n]*"[^,\n]/m;

/** The file's chunks of bytes; a file that cannot be opened is an error naming it. */
async function* byteChunks(path: string, what: string): AsyncGenerator<Buffer> {
  const source = createReadStream(path, { highWaterMark: CHUNK });
  try {
    for await (const b of source as AsyncIterable<Buffer>) yield b;
  } catch {
    throw new Error(`${what}: ${path}: cannot read the file`);
  } finally {
    source.destroy();
  }
}

/** The file's text in chunks, decoded as `readCsv` decodes it (a leading BOM dropped); assumes valid UTF-8. */
async function* textChunks(path: string, what: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const b of byteChunks(path, what)) {
    let s = decoder.decode(b, { stream: true });
    if (first && s.length > 0) { if (s.charCodeAt(0) === 0xfeff) s = s.slice(1); first = false; }
    if (s.length > 0) yield s;
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield first && tail.charCodeAt(0) === 0xfeff ? tail.slice(1) : tail;
}

/** The line (1-based) of the first character that does not decode: `readCsv`'s message for a file with bytes that are not UTF-8. */
async function notUtf8(path: string, what: string): Promise<Error> {
  const decoder = new TextDecoder('utf-8');
  let line = 1;
  for await (const b of byteChunks(path, what)) {
    const s = decoder.decode(b, { stream: true });
    const at = s.indexOf('\ufffd');
    const end = at < 0 ? s.length : at;
    for (let i = 0; i < end; i++) if (s.charCodeAt(i) === 10) line++;
    if (at >= 0) break;
  }
  return new Error(`${what}: ${path}: line ${line} (data row ${line - 1}) holds bytes that are not UTF-8; ` +
    'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)');
}

/** Whether the strict parser reads the whole file without an error. */
async function strictParses(path: string, what: string): Promise<boolean> {
  try {
    for await (const _row of strictRows(path, what)) { /* only whether it parses */ }
    return true;
  } catch {
    return false;
  }
}

/** Decides, without holding the file, whether `readCsv` would read it with the tolerant tokenizer. */
async function scan(path: string, what: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let head = '', carry = '', quotes = false, first = true;
  const look = (lines: string) => {
    if (head.length < 20000) head += lines.slice(0, 20000 - head.length);
    if (!quotes && UNESCAPED_QUOTE.test(lines)) quotes = true;
  };
  try {
    for await (const b of byteChunks(path, what)) {
      let s = decoder.decode(b, { stream: true });
      if (first && s.length > 0) { if (s.charCodeAt(0) === 0xfeff) s = s.slice(1); first = false; }
      // Complete lines only: neither pattern reaches across a newline.
      const text = carry + s, nl = text.lastIndexOf('\n');
      if (nl < 0) { carry = text; continue; }
      look(text.slice(0, nl + 1));
      carry = text.slice(nl + 1);
    }
    let tail = decoder.decode();
    if (first && tail.charCodeAt(0) === 0xfeff) tail = tail.slice(1);
    look(carry + tail);
  } catch (e) {
    if (e instanceof TypeError) throw await notUtf8(path, what);
    throw e;
  }
  if (BYTES_REPR.test(head)) return true;
  return quotes && !(await strictParses(path, what));
}

/** Rows from fast-csv (blank lines skipped), as `readCsv` parses the whole text. */
async function* strictRows(path: string, what: string): AsyncGenerator<string[]> {
  const parser = parse({ headers: false, ignoreEmpty: true });
  const source = Readable.from(textChunks(path, what));
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  let n = 0;
  try {
    for await (const row of parser) {
      yield row as string[];
      n++;
    }
  } catch (e) {
    if ((e as Error).message.startsWith(`${what}: ${path}: `)) throw e;
    throw new Error(`${what}: ${path}: CSV parse error near row ${n}: ${(e as Error).message}`);
  } finally {
    source.destroy();
  }
}

/** Rows of the tolerant tokenizer, line by line (blank lines skipped). */
async function* tolerantRows(path: string, what: string): AsyncGenerator<string[]> {
  let carry = '';
  for await (const s of textChunks(path, what)) {
    const text = carry + s;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      if (line.trim() !== '') yield splitTolerantLine(line);
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  if (carry.trim() !== '') yield splitTolerantLine(carry);
}

/**
 * Streams the rows of a CSV file (the header first) with the same rows and error messages as `readCsv`:
 * bytes that are not UTF-8 are refused before the first row; a file `readCsv` reads with its tolerant
 * tokenizer is read the same way. A strict parse error comes when its row is reached. Reads the file
 * twice (a first pass of decoding only), three times if it might need the tolerant tokenizer.
 *
 * ```ts
 * for await (const row of streamCsv('songs.csv', 'predict')) { … }
 * ```
 */
export async function* streamCsv(path: string, what: string): AsyncGenerator<string[]> {
  const tolerant = await scan(path, what);
  yield* tolerant ? tolerantRows(path, what) : strictRows(path, what);
}

/**
 * Lines of a file: its newlines, plus one if the last line has none. An upper bound on its CSV rows when
 * lines end in \n (a row spans one line or more), for sizing arrays before reading.
 */
export async function countLines(path: string, what: string): Promise<number> {
  let n = 0, last = 10;
  for await (const b of byteChunks(path, what)) {
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    if (b.length > 0) last = b[b.length - 1];
  }
  return n + (last === 10 ? 0 : 1);
}
