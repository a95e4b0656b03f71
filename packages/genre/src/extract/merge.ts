// Joins the outputs of sharded extractions (SongCSV.shard-iiii-of-nnnn.csv + .extended.csv +
// .errors.csv) into one SongCSV, extended CSV and errors CSV, identical to an unsharded run: rows
// are k-way merged by (relative file path, song index), which every shard already writes in order,
// and SongNumber is renumbered. Streams its inputs, so memory stays flat for the full MSD.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ERROR_COLUMNS, EXTENDED_COLUMNS, SONGCSV_COLUMNS } from './rows.js';
import { siblingOutput } from './extract.js';
import { CsvWriter, csvRows, writeAll } from '../io/csv.js';

/** What {@link mergeShards} did. */
export interface MergeResult {
  readonly shards: number;
  readonly songs: number;
  readonly errors: number;
  readonly output: string;
  readonly extendedOutput: string;
  readonly errorsOutput: string;
}

const SHARD_RE = /\.shard-(\d{4,})-of-(\d{4,})\.csv$/;

/** The shard SongCSV files among `inputs` (files, or directories searched one level deep). */
function collectShards(inputs: readonly string[]): { path: string; index: number; count: number }[] {
  const out: { path: string; index: number; count: number }[] = [];
  for (const input of inputs) {
    const p = resolve(input);
    if (!existsSync(p)) throw new Error(`merge: ${input}: no such file or directory`);
    const candidates = statSync(p).isDirectory() ? readdirSync(p).map((f) => join(p, f)) : [p];
    for (const c of candidates) {
      const m = SHARD_RE.exec(c);
      if (m !== null) out.push({ path: c, index: Number(m[1]), count: Number(m[2]) });
      else if (!statSync(p).isDirectory()) throw new Error(`merge: ${input} is not a shard output (expected NAME.shard-iiii-of-nnnn.csv)`);
    }
  }
  if (out.length === 0) throw new Error(`merge: no shard outputs (NAME.shard-iiii-of-nnnn.csv) in ${inputs.join(', ')}`);
  const count = out[0].count;
  if (out.some((s) => s.count !== count))
    throw new Error(`merge: shard outputs of different shard counts: ${[...new Set(out.map((s) => s.count))].join(', ')}`);
  const have = new Set(out.map((s) => s.index));
  if (have.size !== out.length) throw new Error('merge: the same shard is given twice');
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!have.has(i)) missing.push(i);
  if (missing.length > 0) throw new Error(`merge: missing shard(s) ${missing.join(', ')} of ${count}; run them (or rerun failed ones) first`);
  return out.sort((a, b) => a.index - b.index);
}

/** Rows of a shard CSV as string arrays, header checked. */
async function* shardRows(path: string, header: readonly string[]): AsyncGenerator<string[]> {
  if (!existsSync(path)) throw new Error(`merge: ${path} is missing (every shard writes SongCSV, extended and errors files)`);
  let first = true;
  for await (const r of csvRows(path, 'merge')) {
    if (first) {
      first = false;
      if (r.join(',') !== header.join(',')) throw new Error(`merge: ${path}: unexpected header (not written by this extractor?)`);
      continue;
    }
    if (r.length !== header.length) throw new Error(`merge: ${path}: a row has ${r.length} fields, expected ${header.length}`);
    yield r;
  }
}

/**
 * Merges shard outputs into `output` (+ `.extended.csv`, `.errors.csv` next to it).
 *
 * @example
 * await mergeShards(['out/'], 'SongCSV.csv'); // finds out/SongCSV.shard-*-of-*.csv
 */
export async function mergeShards(inputs: readonly string[], output: string): Promise<MergeResult> {
  const shards = collectShards(inputs);
  const out = resolve(output),
    extOut = siblingOutput(out, '.extended.csv'),
    errOut = siblingOutput(out, '.errors.csv');
  const song = new CsvWriter(out, SONGCSV_COLUMNS);
  const ext = new CsvWriter(extOut, EXTENDED_COLUMNS);
  const err = new CsvWriter(errOut, ERROR_COLUMNS);
  let n = 0;
  const errors: string[][] = [];
  await writeAll([song, ext, err], async () => {
    const heads = shards.map((s) => ({
      songs: shardRows(s.path, SONGCSV_COLUMNS),
      exts: shardRows(siblingOutput(s.path, '.extended.csv'), EXTENDED_COLUMNS),
      path: s.path,
      song: null as string[] | null,
      ext: null as string[] | null,
    }));
    const advance = async (h: (typeof heads)[number]): Promise<void> => {
      const a = await h.songs.next(),
        b = await h.exts.next();
      if (a.done !== b.done) throw new Error(`merge: ${h.path} and its extended CSV have different row counts`);
      h.song = a.done === true ? null : a.value;
      h.ext = b.done === true ? null : b.value;
      if (h.song !== null && h.song[1] !== h.ext![EXTENDED_COLUMNS.indexOf('song_id')]) {
        throw new Error(`merge: ${h.path}: row SongID ${h.song[1]} does not match its extended row`);
      }
    };
    for (const h of heads) await advance(h);
    const before = (a: string[], b: string[]): boolean => a[0] < b[0] || (a[0] === b[0] && Number(a[1]) < Number(b[1]));
    for (;;) {
      let best = -1;
      for (let k = 0; k < heads.length; k++) {
        const e = heads[k].ext;
        if (e !== null && (best < 0 || before(e, heads[best].ext!))) best = k;
      }
      if (best < 0) break;
      const h = heads[best];
      n++;
      await song.write([String(n), ...h.song!.slice(1)]);
      await ext.write(h.ext!);
      await advance(h);
    }
    for (const s of shards) for await (const r of shardRows(siblingOutput(s.path, '.errors.csv'), ERROR_COLUMNS)) errors.push(r);
    errors.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const r of errors) await err.write(r);
  });
  return { shards: shards.length, songs: n, errors: errors.length, output: out, extendedOutput: extOut, errorsOutput: errOut };
}
