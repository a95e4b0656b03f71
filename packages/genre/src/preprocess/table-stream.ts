// Reads a song table in batches of rows, with the columns, rows and errors `readSongTable` gives for the
// whole file, so a table larger than memory can be labelled batch by batch.
import { streamCsvRecords } from '../io/csv-stream.js';
import { songTableHead, songTableRow } from './table.js';

/** One batch of a streamed song table: cleaned rows under canonical columns. */
export interface SongTableBatch {
  /** Canonical column names, the same in every batch. */
  readonly columns: readonly string[];
  readonly rows: string[][];
  /** The index of `rows[0]` among all the rows `readSongTable` would keep (0 in the first batch). */
  readonly firstRow: number;
}

/**
 * The rows of a song table, `batchRows` at a time (rows with the wrong number of fields are skipped, as
 * `readSongTable` leaves them out of `rows`). A file with only a header yields one empty batch (so callers still
 * see its columns); an empty file is an error.
 *
 * ```ts
 * for await (const b of songTableBatches('songs.csv', 8192)) use(b.columns, b.rows);
 * ```
 */
export async function* songTableBatches(path: string, batchRows: number): AsyncGenerator<SongTableBatch> {
  if (!(Number.isInteger(batchRows) && batchRows >= 1)) throw new RangeError(`songTableBatches: batchRows must be an integer >= 1, got ${batchRows}`);
  let columns: readonly string[] | null = null,
    width = 0,
    kept = 0;
  let rows: string[][] = [];
  for await (const rec of streamCsvRecords(path, 'preprocess')) {
    if (columns === null) {
      const h = songTableHead(path, rec.toArray(), false);
      columns = h.columns;
      width = h.header.length;
      continue;
    }
    const row = songTableRow(rec, width);
    if (typeof row === 'number') continue;
    rows.push(row);
    if (rows.length === batchRows) {
      yield { columns, rows, firstRow: kept };
      kept += rows.length;
      rows = [];
    }
  }
  if (columns === null) throw new Error(`preprocess: ${path}: empty file (no header)`);
  if (rows.length > 0 || kept === 0) yield { columns, rows, firstRow: kept };
}
