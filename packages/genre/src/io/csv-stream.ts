// Streams a CSV file's rows with the rows `readCsv` gives for the whole file, holding one record at a time:
// the same reader (`csvRecords`), with the tolerant tokenizer decided before the first row is handed out.
import { createReadStream } from 'node:fs';
import { CsvParseError, type CsvRecord, csvNeedsTolerance, csvRecords, hasUnescapedQuote } from './csv.js';

const CHUNK = 1 << 20;

/** The file's chunks of bytes; a file that cannot be opened is an error naming it. */
async function* byteChunks(path: string, what: string): AsyncGenerator<Buffer> {
  const source = createReadStream(path, { highWaterMark: CHUNK });
  try {
    for await (const b of source as AsyncIterable<Buffer>) yield b;
  } catch (e) {
    throw new Error(`${what}: ${path}: cannot read the file`, { cause: e });
  } finally {
    source.destroy();
  }
}

/** Whether the strict reader gets through the whole file (false on a malformed record). */
async function strictParses(path: string, what: string): Promise<boolean> {
  try {
    for await (const _ of csvRecords(path, what, { unreadable: 'cannot read the file' })) {
      /* read only */
    }
    return true;
  } catch (e) {
    if (e instanceof CsvParseError) return false;
    throw e;
  }
}

/**
 * Streams the records of a CSV file (the header first) as `readCsv` reads the whole file: a file `readCsv` would
 * read with its tolerant tokenizer (bytes reprs, or unescaped quotes that break the strict parse) is read that way
 * from its first record; deciding that reads the file once more when it has a suspicious quote. Bytes that are
 * not UTF-8 are an error when their line is reached. The same `CsvRecord` object comes back each time.
 *
 * ```ts
 * for await (const rec of streamCsvRecords('songs.csv', 'predict')) rec.field(0);
 * ```
 */
export async function* streamCsvRecords(path: string, what: string): AsyncGenerator<CsvRecord> {
  let tolerant = await csvNeedsTolerance(path, what);
  if (!tolerant && (await hasUnescapedQuote(path))) tolerant = !(await strictParses(path, what));
  yield* csvRecords(path, what, { tolerant, unreadable: 'cannot read the file' });
}

/**
 * `streamCsvRecords` as rows of strings: the same rows and error messages as `readCsv`, one row at a time.
 *
 * ```ts
 * for await (const row of streamCsv('songs.csv', 'predict')) { … }
 * ```
 */
export async function* streamCsv(path: string, what: string): AsyncGenerator<string[]> {
  for await (const r of streamCsvRecords(path, what)) yield r.toArray();
}

/**
 * Lines of a file: its newlines, plus one if the last line has none. An upper bound on its CSV rows when
 * lines end in \n (a row spans one line or more), for sizing arrays before reading.
 */
export async function countLines(path: string, what: string): Promise<number> {
  let n = 0,
    last = 10;
  for await (const b of byteChunks(path, what)) {
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    if (b.length > 0) last = b[b.length - 1];
  }
  return n + (last === 10 ? 0 : 1);
}
