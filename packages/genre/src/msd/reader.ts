// Reads MSD song files (one song) and aggregate files (many songs) into typed Songs, with the
// semantics of the MSD's hdf5_getters.py: scalars from the three compound `songs` tables, arrays
// sliced by their idx_* columns. Every failure is an MsdFormatError naming the file and the object.

import { readFileSync } from 'node:fs';
import { H5File, DEFAULT_LIMITS } from './h5.js';
import type { H5Column, H5Dataset, H5Limits, H5Table } from './h5.js';
import { H5Corrupt, MsdFormatError, wrapError } from './errors.js';
import { SONG_ARRAY_FIELDS, SONG_FLOAT_FIELDS, SONG_INT_FIELDS, SONG_STRING_FIELDS } from './song.js';
import type { Matrix12, Song } from './song.js';

/** Options of {@link readSongs}, {@link readSong} and {@link MsdFile.open}. */
export interface ReadSongsOptions {
  /** Name used in error messages when `source` is a buffer (default '<buffer>'). */
  readonly name?: string;
  /** Largest dataset the reader allocates, in bytes (default 1 GiB): a guard against corrupt sizes. */
  readonly maxDatasetBytes?: number;
}

/** The three compound tables of an MSD file that hold per-song scalars. */
export type TableName = '/metadata/songs' | '/analysis/songs' | '/musicbrainz/songs';
const TABLES: readonly TableName[] = ['/metadata/songs', '/analysis/songs', '/musicbrainz/songs'];

type ArrayValue = Float64Array | Int32Array | string[] | Matrix12;

/**
 * An open MSD HDF5 file (song file or aggregate). Tables and arrays are decoded once and cached;
 * `song(i)` slices them with hdf5_getters semantics.
 *
 * @example
 * const f = MsdFile.open('data/B/D/A/TRBDAAA128F4250E97.h5');
 * const song = f.song(0);           // f.numSongs === 1 for song files
 * console.log(song.artist_name, song.segments_timbre.rows);
 */
export class MsdFile {
  /** The path (or buffer name) used in error messages. */
  readonly file: string;
  /** Number of songs (rows of /metadata/songs; the three tables must agree). */
  readonly numSongs: number;
  readonly #h5: H5File;
  readonly #tables: Record<TableName, H5Table>;
  readonly #arrays = new Map<string, ArrayValue>();

  private constructor(file: string, h5: H5File) {
    this.file = file;
    this.#h5 = h5;
    const tables = {} as Record<TableName, H5Table>;
    for (const path of TABLES) {
      tables[path] = this.#at(path, () => {
        const group = path.slice(0, path.lastIndexOf('/'));
        if (!h5.hasGroup(group)) throw new MsdFormatError(file, `missing group ${group} (not an MSD song file?)`);
        return this.#dataset(path).readTable();
      });
    }
    this.#tables = tables;
    const n = tables['/metadata/songs'].rows;
    for (const path of TABLES) {
      if (tables[path].rows !== n) {
        throw new MsdFormatError(file, `${path} has ${tables[path].rows} rows but /metadata/songs has ${n}`);
      }
    }
    this.numSongs = n;
    checkColumns(this, tables);
  }

  /** Opens a file path or an in-memory buffer holding an HDF5 file. */
  static open(source: string | Uint8Array, opts: ReadSongsOptions = {}): MsdFile {
    const file = typeof source === 'string' ? source : (opts.name ?? '<buffer>');
    let bytes: Uint8Array;
    if (typeof source === 'string') {
      try {
        bytes = readFileSync(source);
      } catch (e) {
        throw new MsdFormatError(file, `cannot read file (${(e as Error).message})`, undefined, { cause: e });
      }
    } else {
      bytes = source;
    }
    const limits: H5Limits = { maxDatasetBytes: opts.maxDatasetBytes ?? DEFAULT_LIMITS.maxDatasetBytes };
    let h5: H5File;
    try {
      h5 = new H5File(bytes, limits);
    } catch (e) {
      throw wrapError(e, file);
    }
    try {
      return new MsdFile(file, h5);
    } catch (e) {
      throw wrapError(e, file);
    }
  }

  /** The decoded compound table at `path`: typed columns, idx_* columns included. */
  table(path: TableName): H5Table {
    return this.#tables[path];
  }

  /** The song at `index` (0-based), with every array sliced to it. */
  song(index: number): Song {
    if (!Number.isInteger(index) || index < 0 || index >= this.numSongs) {
      throw new RangeError(`MsdFile.song: index ${index} out of range for ${this.file} (${this.numSongs} songs)`);
    }
    const t = this.#tables;
    const md = t['/metadata/songs'].columns,
      an = t['/analysis/songs'].columns,
      mb = t['/musicbrainz/songs'].columns;
    const s = (c: Readonly<Record<string, H5Column>>, k: string): string => (c[k] as string[])[index];
    const n = (c: Readonly<Record<string, H5Column>>, k: string): number => (c[k] as Float64Array | Int32Array)[index];
    const arr = (field: string): ArrayValue => this.#slice(field, index);
    return {
      analyzer_version: s(md, 'analyzer_version'),
      artist_7digitalid: n(md, 'artist_7digitalid'),
      artist_familiarity: n(md, 'artist_familiarity'),
      artist_hotttnesss: n(md, 'artist_hotttnesss'),
      artist_id: s(md, 'artist_id'),
      artist_latitude: n(md, 'artist_latitude'),
      artist_location: s(md, 'artist_location'),
      artist_longitude: n(md, 'artist_longitude'),
      artist_mbid: s(md, 'artist_mbid'),
      artist_name: s(md, 'artist_name'),
      artist_playmeid: n(md, 'artist_playmeid'),
      genre: s(md, 'genre'),
      release: s(md, 'release'),
      release_7digitalid: n(md, 'release_7digitalid'),
      song_hotttnesss: n(md, 'song_hotttnesss'),
      song_id: s(md, 'song_id'),
      title: s(md, 'title'),
      track_7digitalid: n(md, 'track_7digitalid'),
      similar_artists: arr('similar_artists') as string[],
      artist_terms: arr('artist_terms') as string[],
      artist_terms_freq: arr('artist_terms_freq') as Float64Array,
      artist_terms_weight: arr('artist_terms_weight') as Float64Array,
      analysis_sample_rate: n(an, 'analysis_sample_rate'),
      audio_md5: s(an, 'audio_md5'),
      danceability: n(an, 'danceability'),
      duration: n(an, 'duration'),
      end_of_fade_in: n(an, 'end_of_fade_in'),
      energy: n(an, 'energy'),
      key: n(an, 'key'),
      key_confidence: n(an, 'key_confidence'),
      loudness: n(an, 'loudness'),
      mode: n(an, 'mode'),
      mode_confidence: n(an, 'mode_confidence'),
      start_of_fade_out: n(an, 'start_of_fade_out'),
      tempo: n(an, 'tempo'),
      time_signature: n(an, 'time_signature'),
      time_signature_confidence: n(an, 'time_signature_confidence'),
      track_id: s(an, 'track_id'),
      segments_start: arr('segments_start') as Float64Array,
      segments_confidence: arr('segments_confidence') as Float64Array,
      segments_pitches: arr('segments_pitches') as Matrix12,
      segments_timbre: arr('segments_timbre') as Matrix12,
      segments_loudness_max: arr('segments_loudness_max') as Float64Array,
      segments_loudness_max_time: arr('segments_loudness_max_time') as Float64Array,
      segments_loudness_start: arr('segments_loudness_start') as Float64Array,
      sections_start: arr('sections_start') as Float64Array,
      sections_confidence: arr('sections_confidence') as Float64Array,
      beats_start: arr('beats_start') as Float64Array,
      beats_confidence: arr('beats_confidence') as Float64Array,
      bars_start: arr('bars_start') as Float64Array,
      bars_confidence: arr('bars_confidence') as Float64Array,
      tatums_start: arr('tatums_start') as Float64Array,
      tatums_confidence: arr('tatums_confidence') as Float64Array,
      year: n(mb, 'year'),
      artist_mbtags: arr('artist_mbtags') as string[],
      artist_mbtags_count: arr('artist_mbtags_count') as Int32Array,
    };
  }

  /** Every song of the file, in row order. */
  songs(): Song[] {
    const out: Song[] = new Array(this.numSongs);
    for (let i = 0; i < this.numSongs; i++) out[i] = this.song(i);
    return out;
  }

  #at<T>(object: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw wrapError(e, this.file, object);
    }
  }

  #dataset(path: string): H5Dataset {
    const ds = this.#h5.dataset(path);
    if (ds === null) throw new MsdFormatError(this.file, `missing dataset ${path}`);
    return ds;
  }

  /** Decodes (once) the whole array of `field`, then slices song `index` out of it. */
  #slice(field: string, index: number): ArrayValue {
    const spec = SONG_ARRAY_FIELDS.find((a) => a.field === field)!;
    let whole = this.#arrays.get(field);
    if (whole === undefined) {
      whole = this.#at(spec.path, () => decodeArray(this.#dataset(spec.path), spec.kind));
      this.#arrays.set(field, whole);
    }
    const rows = 'rows' in whole ? whole.rows : whole.length;
    if (this.numSongs === 1) return whole; // song files: the whole array (idx is checked in checkColumns)
    const [tablePath, column] = spec.index.split(':') as [TableName, string];
    const idx = this.#tables[tablePath].columns[column] as Int32Array;
    const start = idx[index];
    const end = index === this.numSongs - 1 ? rows : idx[index + 1];
    if (!(start >= 0 && start <= end && end <= rows)) {
      throw new MsdFormatError(this.file, `song ${index}: ${column} gives rows [${start}, ${end}) of ${rows}`, spec.path);
    }
    if ('rows' in whole) {
      return { rows: end - start, cols: 12, data: whole.data.slice(start * 12, end * 12) };
    }
    return whole.slice(start, end) as ArrayValue; // typed arrays: copy, so songs don't pin the whole aggregate
  }
}

function decodeArray(ds: H5Dataset, kind: 'f64' | 'i32' | 'str' | 'mat12'): ArrayValue {
  const shape = ds.shape;
  if (kind === 'mat12') {
    if (shape.length !== 2 || shape[1] !== 12) throw new H5Corrupt(`expected shape [n, 12], found [${shape.join(', ')}]`);
    const v = ds.readNumbers();
    return { rows: shape[0], cols: 12, data: v instanceof Float64Array ? v : Float64Array.from(v) };
  }
  if (shape.length !== 1) throw new H5Corrupt(`expected a 1-D array, found shape [${shape.join(', ')}]`);
  if (kind === 'str') return ds.readStrings();
  const v = ds.readNumbers();
  if (kind === 'i32') {
    if (!(v instanceof Int32Array)) throw new H5Corrupt('expected int32 values');
    return v;
  }
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

/** Checks that every scalar and idx_* column exists with the right type, and that song files start at 0. */
function checkColumns(f: MsdFile, tables: Record<TableName, H5Table>): void {
  const where = new Map<string, TableName>();
  for (const path of TABLES) for (const k of Object.keys(tables[path].columns)) where.set(k, path);
  const need = (name: string, ok: (c: H5Column) => boolean, what: string): void => {
    const path = where.get(name);
    if (path === undefined) throw new MsdFormatError(f.file, `missing column ${name} in the songs tables`);
    if (!ok(tables[path].columns[name])) throw new MsdFormatError(f.file, `column ${name} is not ${what}`, path);
  };
  for (const k of SONG_STRING_FIELDS) need(k, (c) => Array.isArray(c), 'a string');
  for (const k of SONG_INT_FIELDS) need(k, (c) => c instanceof Int32Array, 'an int32');
  for (const k of SONG_FLOAT_FIELDS) need(k, (c) => c instanceof Float64Array, 'a float64');
  for (const a of SONG_ARRAY_FIELDS) {
    const [tablePath, column] = a.index.split(':') as [TableName, string];
    const col = tables[tablePath].columns[column];
    if (!(col instanceof Int32Array)) throw new MsdFormatError(f.file, `missing int32 column ${column}`, tablePath);
    if (f.numSongs === 1 && col[0] !== 0) {
      throw new MsdFormatError(f.file, `${column} is ${col[0]} in a one-song file (expected 0)`, tablePath);
    }
  }
}

/**
 * Reads every song of an MSD HDF5 file (a path or the file's bytes).
 *
 * @example
 * const songs = readSongs('TRBDAAA128F4250E97.h5');
 * songs[0].segments_timbre.data; // Float64Array of rows × 12
 */
export function readSongs(source: string | Uint8Array, opts: ReadSongsOptions = {}): Song[] {
  const f = MsdFile.open(source, opts);
  try {
    return f.songs();
  } catch (e) {
    throw wrapError(e, f.file);
  }
}

/**
 * Reads one song (default the first) of an MSD HDF5 file.
 *
 * @example
 * const song = readSong(buffer, 0, { name: 'TRBDAAA128F4250E97.h5' });
 */
export function readSong(source: string | Uint8Array, index = 0, opts: ReadSongsOptions = {}): Song {
  const f = MsdFile.open(source, opts);
  if (index >= f.numSongs) throw new MsdFormatError(f.file, `has ${f.numSongs} songs, no song ${index}`);
  try {
    return f.song(index);
  } catch (e) {
    throw wrapError(e, f.file);
  }
}
