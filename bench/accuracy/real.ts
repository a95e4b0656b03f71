// Loaders for the two real labelled sets in ../shared/data, used by the model comparison
// (compare.ts) to study timbre's models on real labels:
//   tagtraum:  msd10k-tagtraum-cd1-joined (labels + song-level fields) ⋈ msd10k-timbre-pitch-means-mbgenre
//              (12 timbre + 12 pitch means) on song_id;
//   genre2:    msd-genre-2class-subset (loudness, tempo, …, avg/var timbre), truncated rows rejected.
// Rows keep NaN for missing values; the package's scaler imputes (train medians) and scales them per fold.

import { join } from 'node:path';
import { readCsv, type Dataset } from '@timbre/genre';

/** A loaded real dataset plus what was dropped and why. */
export interface RealDataset extends Dataset {
  readonly featureNames: readonly string[];
  readonly classNames: readonly string[];
  readonly groups: readonly string[];
  /** Human-readable notes: files read, rows dropped with reasons. */
  readonly notes: string[];
}

async function readCsvFile(path: string): Promise<{ header: string[]; rows: string[][] }> {
  const { rows } = await readCsv(path, 'real');
  if (rows.length === 0) throw new Error(`real: ${path} is empty`);
  return { header: rows[0], rows: rows.slice(1) };
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
  'duration',
  'key_confidence',
  'mode',
  'mode_confidence',
  'tempo',
  'time_signature',
  'time_signature_confidence',
  'loudness',
  'end_of_fade_in',
  'start_of_fade_out',
  'artist_familiarity',
  'artist_hotttnesss',
  'song_hotttnesss',
  'year',
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
 * const ds = await loadTagtraum('../shared/data');   // 871 rows with audio means, 13 classes
 * ```
 */
export async function loadTagtraum(dataDir: string, options: TagtraumOptions = {}): Promise<RealDataset> {
  const mode = options.features ?? 'song+audio';
  const labelsFile = join(dataDir, 'msd10k-tagtraum-cd1-joined', 'msd10k_tagtraum_cd1.csv');
  const audioFile = join(dataDir, 'msd10k-timbre-pitch-means-mbgenre', 'final_song_level.csv');
  const L = await readCsvFile(labelsFile);
  const notes: string[] = [`${labelsFile}: ${L.rows.length} rows`];
  const idx = (name: string) => column(L.header, name, labelsFile);
  const songCol = idx('song_id'),
    artistCol = idx('artist_name'),
    genreCol = idx('genre'),
    keyCol = idx('key');
  const songCols = TAGTRAUM_SONG_FIELDS.map(idx);
  const audioNames = [...Array.from({ length: 12 }, (_, k) => `timbre_${k}_mean`), ...Array.from({ length: 12 }, (_, k) => `pitch_${k}_mean`)];
  const audio = new Map<string, Float64Array>();
  if (mode !== 'song') {
    const A = await readCsvFile(audioFile);
    notes.push(`${audioFile}: ${A.rows.length} rows`);
    const aSong = column(A.header, 'song_id', audioFile);
    const aCols = audioNames.map((n) => column(A.header, n, audioFile));
    A.rows.forEach((r, li) => {
      if (r.length !== A.header.length) throw new RangeError(`real: ${audioFile}:${li + 2}: ${r.length} fields, header has ${A.header.length}`);
      audio.set(
        r[aSong],
        Float64Array.from(aCols, (c, k) => num(r[c], audioFile, li + 2, audioNames[k])),
      );
    });
  }
  const featureNames: string[] = [];
  if (mode !== 'audio') {
    featureNames.push(...TAGTRAUM_SONG_FIELDS);
    for (let k = 0; k < 12; k++) featureNames.push(`key=${k}`);
  }
  if (mode !== 'song') featureNames.push(...audioNames);
  const F = featureNames.length;
  const xs: number[] = [],
    labels: string[] = [],
    groups: string[] = [];
  let noAudio = 0,
    noGenre = 0;
  L.rows.forEach((r, li) => {
    const line = li + 2;
    if (r.length !== L.header.length) throw new RangeError(`real: ${labelsFile}:${line}: ${r.length} fields, header has ${L.header.length}`);
    const genre = r[genreCol];
    if (genre === '') {
      noGenre++;
      return;
    }
    let a = audio.get(r[songCol]);
    if (mode !== 'song' && a === undefined) {
      if (!options.keepMissingAudio) {
        noAudio++;
        return;
      }
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
  'loudness',
  'tempo',
  'time_signature',
  'key',
  'mode',
  'duration',
  ...Array.from({ length: 12 }, (_, k) => `avg_timbre${k + 1}`),
  ...Array.from({ length: 12 }, (_, k) => `var_timbre${k + 1}`),
] as const;

/**
 * Loads msd-genre-2class-subset/msd_genre_dataset.txt (0 = dance and electronica, 1 = jazz and blues).
 * Rows with fewer than 34 fields (truncated in the source) are rejected and listed in `notes`.
 * The variances enter as log(var) (they span four orders of magnitude).
 *
 * ```ts
 * const ds = await loadGenre2(dataDir); // ds.notes[1]: "rejected 72 truncated rows (lines 14, …)"
 * ```
 */
export async function loadGenre2(dataDir: string): Promise<RealDataset> {
  const file = join(dataDir, 'msd-genre-2class-subset', 'msd_genre_dataset.txt');
  const { header, rows } = await readCsvFile(file);
  const notes = [`${file}: ${rows.length} rows`];
  const genreCol = column(header, 'genre', file),
    artistCol = column(header, 'artist_name', file);
  const cols = GENRE2_FIELDS.map((n) => column(header, n, file));
  const xs: number[] = [],
    labels: string[] = [],
    groups: string[] = [];
  const bad: number[] = [];
  rows.forEach((r, li) => {
    const line = li + 2;
    if (r.length !== header.length) {
      bad.push(line);
      return;
    }
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
    notes.push(
      `rejected ${bad.length} truncated rows with fewer than ${header.length} fields (lines ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''})`,
    );
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
