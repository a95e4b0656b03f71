// Labels songs batch by batch: CSV tables are read, encoded, predicted and handed on a batch of rows at a
// time, and .h5 songs a batch of songs at a time, so memory holds one batch whatever the input's size.
// `predictInputs` collects the batches, for callers that want every prediction at once.
import { statSync } from 'node:fs';
import { listMsdFiles } from '../extract/files.js';
import type { Song } from '../msd/song.js';
import { readSongs } from '../msd/reader.js';
import { songTableBatches } from '../preprocess/table-stream.js';
import type { Classifier } from '../ml/types.js';
import type { ModelMeta } from './model-file.js';
import { predictRows, songsToTable, type Prediction, type PredictOptions } from './predict.js';

/**
 * Rows per batch: large enough that per-batch work (feature definitions, one network call) is amortised,
 * small enough that a batch's strings and matrices stay a few MB.
 */
export const PREDICT_BATCH_ROWS = 8192;

/** Options of `predictInputsStream`. */
export interface PredictStreamOptions extends PredictOptions {
  /** Rows (or .h5 songs) per batch; default `PREDICT_BATCH_ROWS`. */
  readonly batchRows?: number;
  /** Called after each .h5 file is read. */
  readonly onFile?: (done: number, total: number) => void;
}

/**
 * Predicts songs from MSD .h5 files or directories, or from CSV song tables, handing each batch of
 * predictions to `sink` (awaited before the next batch is read): the tables in the order given, then every
 * .h5 song. A row's prediction does not depend on its batch (the classifier sees fixed-size chunks). Unreadable .h5 files are returned in `errors`.
 *
 * ```ts
 * const { errors } = await predictInputsStream(classifier, meta, ['big.csv'], (batch) => out.writeAll(batch));
 * ```
 */
export async function predictInputsStream(
  classifier: Classifier,
  meta: ModelMeta,
  inputs: readonly string[],
  sink: (batch: readonly Prediction[]) => void | Promise<void>,
  options: PredictStreamOptions = {},
): Promise<{ errors: { file: string; reason: string }[] }> {
  const batchRows = options.batchRows ?? PREDICT_BATCH_ROWS;
  if (!(Number.isInteger(batchRows) && batchRows >= 1)) throw new RangeError(`predict: batchRows must be an integer >= 1, got ${batchRows}`);
  const errors: { file: string; reason: string }[] = [];
  const h5: string[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      throw new Error(`predict: ${input}: no such file or directory`);
    }
    if (st.isDirectory() || input.toLowerCase().endsWith('.h5')) for (const f of listMsdFiles(input)) h5.push(f.path);
    else {
      for await (const b of songTableBatches(input, batchRows)) await sink(predictRows(classifier, meta, b, options, b.firstRow));
    }
  }
  // Each file's songs become table rows at once (their segment matrices are dropped), a batch of rows at a time.
  let rows: string[][] = [],
    columns: readonly string[] = [],
    done = 0;
  const flush = async () => {
    const batch = rows;
    rows = [];
    await sink(predictRows(classifier, meta, { columns, rows: batch }, options, done));
    done += batch.length;
  };
  for (let i = 0; i < h5.length; i++) {
    let songs: Song[] = [];
    try {
      songs = readSongs(h5[i]);
    } catch (e) {
      errors.push({ file: h5[i], reason: (e as Error).message ?? String(e) });
    }
    if (songs.length > 0) {
      const t = songsToTable(songs);
      columns = t.columns;
      for (const r of t.rows) rows.push(r as string[]);
    }
    options.onFile?.(i + 1, h5.length);
    if (rows.length >= batchRows) await flush();
  }
  if (rows.length > 0) await flush();
  return { errors };
}

/**
 * Predicts songs from MSD .h5 files or directories, or from CSV song tables, every prediction at once (the
 * batches of `predictInputsStream`, collected). Unreadable .h5 files are returned in `errors` (file and
 * reason) rather than stopping the run.
 *
 * ```ts
 * const { predictions } = await predictInputs(classifier, meta, ['new-songs/']);
 * ```
 */
export async function predictInputs(
  classifier: Classifier,
  meta: ModelMeta,
  inputs: readonly string[],
  onFile?: (done: number, total: number) => void,
  options: PredictOptions = {},
): Promise<{ predictions: Prediction[]; errors: { file: string; reason: string }[] }> {
  const predictions: Prediction[] = [];
  const { errors } = await predictInputsStream(
    classifier,
    meta,
    inputs,
    (batch) => {
      for (const p of batch) predictions.push(p); // a spread of a million rows overflows the stack
    },
    { ...options, ...(onFile ? { onFile } : {}) },
  );
  return { predictions, errors };
}
