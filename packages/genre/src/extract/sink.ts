// An output CSV written with fast-csv to a temporary sibling and renamed into place only when
// complete, so readers never see a half-written file.

import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
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
  readonly #done: Promise<void>;
  constructor(path: string, headers: readonly string[]) {
    this.#path = path;
    this.#tmp = `${path}.${process.pid}.tmp`;
    mkdirSync(dirname(path), { recursive: true });
    this.#csv = format({ headers: headers.slice(), writeHeaders: true, includeEndRowDelimiter: true });
    const file = createWriteStream(this.#tmp);
    this.#csv.pipe(file);
    this.#done = finished(file);
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
  discard(): void {
    this.#csv.destroy();
    rmSync(this.#tmp, { force: true });
  }
}

