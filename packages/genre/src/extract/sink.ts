// An output CSV written with fast-csv to a temporary sibling and renamed into place only when
// complete, so readers never see a half-written file.

import { createWriteStream, mkdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { dirname } from 'node:path';
import { format } from 'fast-csv';
import type { CsvFormatterStream, FormatterRow as Row } from 'fast-csv';

/** A fast-csv formatter writing to `<path>.tmp`; `commit` renames it into place. */
export class CsvSink {
  readonly #path: string;
  readonly #tmp: string;
  readonly #csv: CsvFormatterStream<Row, Row>;
  readonly #file: WriteStream;
  readonly #done: Promise<void>;
  constructor(path: string, headers: readonly string[]) {
    this.#path = path;
    this.#tmp = `${path}.${process.pid}.tmp`;
    mkdirSync(dirname(path), { recursive: true });
    this.#csv = format({ headers: headers.slice(), writeHeaders: true, includeEndRowDelimiter: true });
    this.#file = createWriteStream(this.#tmp);
    this.#csv.pipe(this.#file);
    this.#done = finished(this.#file);
  }
  async write(row: readonly string[]): Promise<void> {
    if (!this.#csv.write(row as string[])) await once(this.#csv, 'drain');
  }
  async close(): Promise<void> {
    this.#csv.end();
    await this.#done;
  }
  commit(): void {
    renameSync(this.#tmp, this.#path);
  }
  /** Stops writing and removes the temporary file, once the file stream has closed (it may still be opening). */
  async discard(): Promise<void> {
    this.#csv.destroy();
    this.#file.destroy();
    await this.#done.catch(() => {}); // a destroyed stream rejects `finished`; closing is all we wait for
    rmSync(this.#tmp, { force: true });
  }
}

/**
 * Fills several sinks together: runs `fill`, then closes them all and renames each into place; if
 * anything throws, discards them all, so no output appears unless every one is complete.
 *
 * @example
 * const n = await writeSinks([song, err], async () => { await song.write(row); return 1; });
 */
export async function writeSinks<T>(sinks: readonly CsvSink[], fill: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fill();
    await Promise.all(sinks.map((s) => s.close()));
  } catch (e) {
    await Promise.all(sinks.map((s) => s.discard()));
    throw e;
  }
  for (const s of sinks) s.commit();
  return result;
}
