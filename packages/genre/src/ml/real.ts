// Minimal synchronous loaders for the two real labelled sets in ../shared/data, used by the model
// comparison (scripts/compare.ts) and hyperparameter search:
//   tagtraum:  msd10k-tagtraum-cd1-joined (labels + song-level fields) ⋈ msd10k-timbre-pitch-means-mbgenre
//              (12 timbre + 12 pitch means) on song_id;
//   genre2:    msd-genre-2class-subset (loudness, tempo, …, avg/var timbre), truncated rows rejected.
// Rows keep NaN for missing values; `standardize` imputes (train medians) and scales (train mean/std).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './types.js';

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', i = 0, quoted = false;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  while (i < n) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(field); field = ''; i++; continue; }
    if (ch === '\r' || ch === '\n') {
      row.push(field); field = '';
      rows.push(row); row = [];
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += ch; i++;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

/** A loaded real dataset plus what was dropped and why. */
export interface RealDataset extends Dataset {
  readonly featureNames: readonly string[];
  readonly classNames: readonly string[];
  readonly groups: readonly string[];
  /** Human-readable notes: files read, rows dropped with reasons. */
  readonly notes: string[];
}

function readCsvFile(path: string): { header: string[]; rows: string[][] } {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new Error(`real: cannot read ${path}: ${(e as Error).message}`); }
  const all = parseCsv(text);
  if (all.length === 0) throw new Error(`real: ${path} is empty`);
  return { header: all[0], rows: all.slice(1).filter((r) => !(r.length === 1 && r[0] === '')) };
}

function column(header: string[], name: string, file: string): number {
  const i = header.indexOf(name);
  if (i < 0) throw new Error(`real: ${file}: missing column "${name}" (header: ${header.join(',')})`);
  return i;
}

/** Number or NaN for an empty field; throws naming file, line and field for anything else. */
function num(v: string, file: string, line: number, field: string): number {
  if (v === '' || v === 'nan' || v === 'NaN') return NaN;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new RangeError(`real: ${file}:${line}: field ${field} = "${v}" is not a number`);
  return x;
}

/** Song-level fields of the tagtraum join used as features (year 0 and song_hotttnesss '' become NaN). */
export const TAGTRAUM_SONG_FIELDS = [
  'duration', 'key_confidence', 'mode', 'mode_confidence', 'tempo', 'time_signature', 'time_signature_confidence',
  'loudness', 'end_of_fade_in', 'start_of_fade_out', 'artist_familiarity', 'artist_hotttnesss', 'song_hotttnesss', 'year',
] as const;

export interface TagtraumOptions {
  /** 'song+audio' (default): song-level fields + key one-hot + 24 means; 'song': without the means; 'audio': means only. */
  features?: 'song+audio' | 'song' | 'audio';
  /** Keep rows without audio means (as NaN) instead of dropping them (default false; ignored for 'song'). */
  keepMissingAudio?: boolean;
}

/**
 * Loads msd10k-tagtraum-cd1-joined joined with msd10k-timbre-pitch-means-mbgenre on song_id.
 * Groups are artist names. Classes are the tagtraum majority genres present, sorted by name.
 *
 * ```ts
 * const ds = loadTagtraum('../shared/data');   // 871 rows with audio means, 13 classes
 * ```
 */
export function loadTagtraum(dataDir: string, options: TagtraumOptions = {}): RealDataset {
  const mode = options.features ?? 'song+audio';
  const labelsFile = join(dataDir, 'msd10k-tagtraum-cd1-joined', 'msd10k_tagtraum_cd1.csv');
  const audioFile = join(dataDir, 'msd10k-timbre-pitch-means-mbgenre', 'final_song_level.csv');
  const L = readCsvFile(labelsFile);
  const notes: string[] = [`${labelsFile}: ${L.rows.length} rows`];
  const idx = (name: string) => column(L.header, name, labelsFile);
  const songCol = idx('song_id'), artistCol = idx('artist_name'), genreCol = idx('genre'), keyCol = idx('key');
  const songCols = TAGTRAUM_SONG_FIELDS.map(idx);
  const audioNames = [...Array.from({ length: 12 }, (_, k) => `timbre_${k}_mean`), ...Array.from({ length: 12 }, (_, k) => `pitch_${k}_mean`)];
  const audio = new Map<string, Float64Array>();
  if (mode !== 'song') {
    const A = readCsvFile(audioFile);
    notes.push(`${audioFile}: ${A.rows.length} rows`);
    const aSong = column(A.header, 'song_id', audioFile);
    const aCols = audioNames.map((n) => column(A.header, n, audioFile));
    A.rows.forEach((r, li) => {
      if (r.length !== A.header.length) throw new RangeError(`real: ${audioFile}:${li + 2}: ${r.length} fields, header has ${A.header.length}`);
      audio.set(r[aSong], Float64Array.from(aCols, (c, k) => num(r[c], audioFile, li + 2, audioNames[k])));
    });
  }
  const featureNames: string[] = [];
  if (mode !== 'audio') {
    featureNames.push(...TAGTRAUM_SONG_FIELDS);
    for (let k = 0; k < 12; k++) featureNames.push(`key=${k}`);
  }
  if (mode !== 'song') featureNames.push(...audioNames);
  const F = featureNames.length;
  const xs: number[] = [], labels: string[] = [], groups: string[] = [];
  let noAudio = 0, noGenre = 0;
  L.rows.forEach((r, li) => {
    const line = li + 2;
    if (r.length !== L.header.length) throw new RangeError(`real: ${labelsFile}:${line}: ${r.length} fields, header has ${L.header.length}`);
    const genre = r[genreCol];
    if (genre === '') { noGenre++; return; }
    let a = audio.get(r[songCol]);
    if (mode !== 'song' && a === undefined) {
      if (!options.keepMissingAudio) { noAudio++; return; }
      a = new Float64Array(24).fill(NaN);
    }
    if (mode !== 'audio') {
      TAGTRAUM_SONG_FIELDS.forEach((name, k) => {
        let v = num(r[songCols[k]], labelsFile, line, name);
        if (name === 'year' && v === 0) v = NaN; // 0 = unknown year
        xs.push(v);
      });
      const key = num(r[keyCol], labelsFile, line, 'key');
      for (let k = 0; k < 12; k++) xs.push(key === k ? 1 : 0);
    }
    if (mode !== 'song') for (let k = 0; k < 24; k++) xs.push(a![k]);
    labels.push(genre);
    groups.push(r[artistCol]);
  });
  if (noGenre > 0) notes.push(`dropped ${noGenre} rows without a genre`);
  if (noAudio > 0) notes.push(`dropped ${noAudio} rows whose song_id has no timbre/pitch means in ${audioFile}`);
  return build(xs, labels, groups, featureNames, F, notes);
}

/** Feature columns of msd-genre-2class-subset, in file order. */
export const GENRE2_FIELDS = [
  'loudness', 'tempo', 'time_signature', 'key', 'mode', 'duration',
  ...Array.from({ length: 12 }, (_, k) => `avg_timbre${k + 1}`),
  ...Array.from({ length: 12 }, (_, k) => `var_timbre${k + 1}`),
] as const;

/**
 * Loads msd-genre-2class-subset/msd_genre_dataset.txt (0 = dance and electronica, 1 = jazz and blues).
 * Rows with fewer than 34 fields (truncated in the source) are rejected and listed in `notes`.
 * The variances enter as log(var) (they span four orders of magnitude).
 *
 * ```ts
 * const ds = loadGenre2(dataDir); // ds.notes[1]: "rejected 72 truncated rows (lines 14, …)"
 * ```
 */
export function loadGenre2(dataDir: string): RealDataset {
  const file = join(dataDir, 'msd-genre-2class-subset', 'msd_genre_dataset.txt');
  const { header, rows } = readCsvFile(file);
  const notes = [`${file}: ${rows.length} rows`];
  const genreCol = column(header, 'genre', file), artistCol = column(header, 'artist_name', file);
  const cols = GENRE2_FIELDS.map((n) => column(header, n, file));
  const xs: number[] = [], labels: string[] = [], groups: string[] = [];
  const bad: number[] = [];
  rows.forEach((r, li) => {
    const line = li + 2;
    if (r.length !== header.length) { bad.push(line); return; }
    GENRE2_FIELDS.forEach((name, k) => {
      let v = num(r[cols[k]], file, line, name);
      if (name.startsWith('var_')) {
        if (!(v > 0)) throw new RangeError(`real: ${file}:${line}: field ${name} = ${v}; a variance must be > 0`);
        v = Math.log(v);
      }
      xs.push(v);
    });
    const g = r[genreCol];
    if (g !== '0' && g !== '1') throw new RangeError(`real: ${file}:${line}: genre "${g}" is not 0 or 1`);
    labels.push(g === '0' ? '0:dance-electronica' : '1:jazz-blues');
    groups.push(r[artistCol]);
  });
  if (bad.length > 0) {
    notes.push(`rejected ${bad.length} truncated rows with fewer than ${header.length} fields (lines ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''})`);
  }
  const featureNames = GENRE2_FIELDS.map((n) => (n.startsWith('var_') ? `log_${n}` : n));
  return build(xs, labels, groups, featureNames, featureNames.length, notes);
}

function build(xs: number[], labels: string[], groups: string[], featureNames: string[], F: number, notes: string[]): RealDataset {
  const classNames = [...new Set(labels)].sort();
  const id = new Map(classNames.map((c, i) => [c, i]));
  const rows = labels.length;
  if (rows === 0) throw new Error(`real: no usable rows (${notes.join('; ')})`);
  const y = Int32Array.from(labels, (l) => id.get(l)!);
  notes.push(`${rows} rows, ${F} features, ${classNames.length} classes, ${new Set(groups).size} artists`);
  return { x: Float32Array.from(xs), y, rows, features: F, classes: classNames.length, featureNames, classNames, groups, notes };
}

/** Per-feature train medians (for imputation) and mean/std after imputation. */
export interface Standardizer {
  readonly median: Float64Array;
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** Fits median imputation + standard scaling on `train` only. Constant features get std 1. */
export function fitStandardizer(train: Dataset): Standardizer {
  const { x, rows: n, features: F } = train;
  const median = new Float64Array(F), mean = new Float64Array(F), std = new Float64Array(F);
  const col = new Float64Array(n);
  for (let f = 0; f < F; f++) {
    let m = 0;
    for (let i = 0; i < n; i++) { const v = x[i * F + f]; if (!Number.isNaN(v)) col[m++] = v; }
    const s = col.subarray(0, m).sort();
    median[f] = m === 0 ? 0 : m % 2 === 1 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
    let sum = 0;
    for (let i = 0; i < n; i++) { const v = x[i * F + f]; sum += Number.isNaN(v) ? median[f] : v; }
    mean[f] = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) { const v = x[i * F + f]; const d = (Number.isNaN(v) ? median[f] : v) - mean[f]; ss += d * d; }
    const sd = Math.sqrt(ss / n);
    std[f] = sd > 1e-12 ? sd : 1;
  }
  return { median, mean, std };
}

/** Applies a Standardizer: NaN → median, then (v - mean) / std. Returns a new dataset. */
export function applyStandardizer(s: Standardizer, ds: Dataset): Dataset {
  const F = ds.features;
  if (s.mean.length !== F) throw new RangeError(`applyStandardizer: fitted on ${s.mean.length} features, dataset has ${F}`);
  const x = new Float32Array(ds.x.length);
  for (let i = 0; i < ds.rows; i++) {
    for (let f = 0; f < F; f++) {
      const v = ds.x[i * F + f];
      x[i * F + f] = ((Number.isNaN(v) ? s.median[f] : v) - s.mean[f]) / s.std[f];
    }
  }
  return { ...ds, x };
}
