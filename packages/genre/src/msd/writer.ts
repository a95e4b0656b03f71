// Writes MSD-format song files (the layout PyTables gives MSongsDB's hdf5_utils.create_song_file; see
// MSD_SCHEMA.md) from typed Songs: the three compound `songs` tables with their idx_* columns, and every
// array concatenated over the songs, so N songs make one aggregate file that the MSD getters slice.

import { writeFileAtomic } from '@timbre/nn';
import { basename } from 'node:path';
import {
  encodeCompound,
  encodeFixedStrings,
  encodeFloat64,
  encodeHdf5,
  encodeInt32,
  type H5Attribute,
  type H5Dataset,
  type H5Datatype,
  type H5Group,
  type H5WriteOptions,
} from './hdf5-writer.js';
import { SONG_ARRAY_FIELDS, SONGS_TABLES, type Song, type SongsColumn } from './song.js';

/** Options of `encodeMsdFile` / `writeMsdFile`. */
export interface MsdWriteOptions {
  /**
   * 'chunked' (default): every leaf chunked, shuffle + deflate level 1, unlimited along dim 0, as in
   * real MSD files. 'contiguous': no chunks, no filters (bigger, simpler files).
   */
  readonly storage?: H5WriteOptions['storage'];
  /** Deflate level for chunked storage (default 1; 0 = no compression). */
  readonly deflateLevel?: number;
  /** Title attribute of the root group (default "H5 Song File", as MSongsDB writes). */
  readonly title?: string;
  /** `writeMsdFile` only: fsync the temporary file before the rename (default true; crash-safe). */
  readonly fsync?: boolean;
}

// Chunk rows of real MSD files (MSD_SCHEMA.md); the writer grows them for big aggregate files.
const TABLE_CHUNK_ROWS: Record<keyof typeof SONGS_TABLES, number> = {
  '/metadata/songs': 3,
  '/analysis/songs': 37,
  '/musicbrainz/songs': 1024,
};
const STRING_ARRAY_SIZE: Record<string, number> = { similar_artists: 20, artist_terms: 256, artist_mbtags: 256 };
const ARRAY_CHUNK_ROWS: Record<string, number> = {
  similar_artists: 409,
  artist_terms: 32,
  artist_mbtags: 32,
  artist_mbtags_count: 2048,
  segments_pitches: 85,
  segments_timbre: 85,
};
const GROUP_TITLES: Record<string, string> = {
  metadata: 'metadata about the song',
  analysis: 'Echo Nest analysis of the song',
  musicbrainz: 'data about the song coming from MusicBrainz',
};

function columnType(c: SongsColumn): H5Datatype {
  if (c.type === 'i4') return { class: 'int32' };
  if (c.type === 'f8') return { class: 'float64' };
  return { class: 'string', size: Number(c.type.slice(1)) };
}

type ArrayValue = ArrayLike<number> | readonly string[];

/** The length (rows) of one song's array field, checking its type. */
function arrayRows(song: Song, i: number, field: string, kind: string): number {
  const v = (song as unknown as Record<string, unknown>)[field];
  const where = `song ${i} (${song.track_id}) field ${field}`;
  if (kind === 'mat12') {
    const m = v as Song['segments_timbre'] | undefined;
    if (m === undefined || m === null || typeof m !== 'object' || !('data' in m)) throw new TypeError(`msd writer: ${where} must be a Matrix12`);
    if (m.cols !== 12 || m.data.length !== m.rows * 12) {
      throw new RangeError(`msd writer: ${where}: Matrix12 with rows=${m.rows}, cols=${m.cols} has ${m.data.length} values (expected rows*12)`);
    }
    return m.rows;
  }
  if (v === undefined || v === null || typeof (v as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`msd writer: ${where} must be an array`);
  }
  return (v as ArrayLike<unknown>).length;
}

/**
 * Builds the HDF5 tree of an MSD file holding `songs` (1 song = a song file; N = an aggregate file).
 * Arrays are concatenated in song order and the idx_* columns hold each song's first row.
 */
export function msdTree(songs: readonly Song[], options: MsdWriteOptions = {}): H5Group {
  if (!Array.isArray(songs) || songs.length === 0) throw new RangeError('msd writer: need at least one song');
  const n = songs.length;
  const groups: Record<string, (H5Group | H5Dataset)[]> = { metadata: [], analysis: [], musicbrainz: [] };
  const idx: Record<string, number[]> = {}; // "/analysis/songs:idx_bars_start" -> per-song start row

  // arrays: concatenate and record each song's start; arrays sharing an idx column must agree in length
  const sharedLength = new Map<string, number[]>();
  for (const spec of SONG_ARRAY_FIELDS) {
    const rows = songs.map((s, i) => arrayRows(s, i, spec.field, spec.kind));
    const prev = sharedLength.get(spec.index);
    if (prev !== undefined) {
      for (let i = 0; i < n; i++) {
        if (prev[i] !== rows[i]) {
          throw new RangeError(
            `msd writer: song ${i} (${songs[i].track_id}): ${spec.field} has ${rows[i]} rows but ` +
              `the other arrays sliced by ${spec.index.split(':')[1]} have ${prev[i]}`,
          );
        }
      }
    } else {
      sharedLength.set(spec.index, rows);
      const starts: number[] = [];
      let acc = 0;
      for (const r of rows) {
        starts.push(acc);
        acc += r;
      }
      idx[spec.index] = starts;
    }
    let total = 0;
    for (const r of rows) total += r;
    const [, group, name] = spec.path.split('/');
    let type: H5Datatype, data: Uint8Array, shape: number[];
    if (spec.kind === 'mat12') {
      const flat = new Float64Array(total * 12);
      let at = 0;
      for (const s of songs) {
        const m = (s as unknown as Record<string, Song['segments_timbre']>)[spec.field];
        flat.set(m.data, at);
        at += m.data.length;
      }
      type = { class: 'float64' };
      data = encodeFloat64(flat);
      shape = [total, 12];
    } else if (spec.kind === 'str') {
      const all: string[] = [];
      for (const s of songs) for (const x of (s as unknown as Record<string, string[]>)[spec.field]) all.push(x);
      const size = STRING_ARRAY_SIZE[spec.field];
      type = { class: 'string', size };
      data = encodeFixedStrings(all, size, spec.path);
      shape = [total];
    } else {
      const flat = new Float64Array(total);
      let at = 0;
      for (const s of songs) {
        const a = (s as unknown as Record<string, ArrayLike<number>>)[spec.field];
        if (a instanceof Float64Array || a instanceof Int32Array) {
          flat.set(a, at);
          at += a.length;
          continue;
        }
        for (let k = 0; k < a.length; k++) flat[at++] = a[k];
      }
      if (spec.kind === 'i32') {
        type = { class: 'int32' };
        data = encodeInt32(flat, spec.path);
      } else {
        type = { class: 'float64' };
        data = encodeFloat64(flat);
      }
      shape = [total];
    }
    const chunkRows = ARRAY_CHUNK_ROWS[spec.field] ?? 1024;
    groups[group].push({
      kind: 'dataset',
      name,
      type,
      shape,
      data,
      maxShape: shape.length === 2 ? [null, 12] : [null],
      chunkShape: shape.length === 2 ? [chunkRows, 12] : [chunkRows],
      attrs: [
        { name: 'CLASS', value: 'EARRAY' },
        { name: 'EXTDIM', value: { int32: 0 } },
        { name: 'VERSION', value: '1.0' },
        { name: 'TITLE', value: `array of ${name.replace(/_/g, ' ')}` },
      ],
    });
  }

  // the three compound tables
  for (const [path, columns] of Object.entries(SONGS_TABLES) as [keyof typeof SONGS_TABLES, readonly SongsColumn[]][]) {
    const type: H5Datatype = { class: 'compound', members: columns.map((c) => ({ name: c.name, type: columnType(c) })) };
    const cols: Record<string, ArrayValue> = {};
    for (const c of columns) {
      if (c.name.startsWith('idx_')) {
        // idx_artist_mbtags lives in /musicbrainz/songs; other idx columns in the table of their arrays
        const key = `${path}:${c.name}`;
        const starts = idx[key];
        if (starts === undefined) throw new Error(`msd writer: internal: no array is sliced by ${key}`);
        cols[c.name] = starts;
      } else {
        cols[c.name] = songs.map((s, i) => {
          const v = (s as unknown as Record<string, unknown>)[c.name];
          if (c.type.startsWith('S') ? typeof v !== 'string' : typeof v !== 'number') {
            throw new TypeError(
              `msd writer: song ${i} (${s.track_id}) field ${c.name} must be a ` + `${c.type.startsWith('S') ? 'string' : 'number'}, got ${typeof v}`,
            );
          }
          return v as never;
        });
      }
    }
    const data = encodeCompound(type as Extract<H5Datatype, { class: 'compound' }>, n, cols, `${path}`);
    const [, group] = path.split('/');
    const attrs: H5Attribute[] = [
      { name: 'CLASS', value: 'TABLE' },
      { name: 'VERSION', value: '2.6' },
      { name: 'TITLE', value: `table of ${group} for ${n === 1 ? 'one song' : `${n} songs`}` },
      ...columns.map((c, k) => ({ name: `FIELD_${k}_NAME`, value: c.name })),
      { name: 'NROWS', value: { int64: n } },
    ];
    groups[group].push({
      kind: 'dataset',
      name: 'songs',
      type,
      shape: [n],
      data,
      maxShape: [null],
      chunkShape: [TABLE_CHUNK_ROWS[path]],
      attrs,
    });
  }

  const groupAttrs = (title: string): H5Attribute[] => [
    { name: 'CLASS', value: 'GROUP' },
    { name: 'TITLE', value: title },
    { name: 'VERSION', value: '1.0' },
  ];
  return {
    kind: 'group',
    name: '/',
    attrs: [...groupAttrs(options.title ?? 'H5 Song File'), { name: 'PYTABLES_FORMAT_VERSION', value: '2.0' }],
    children: (['metadata', 'analysis', 'musicbrainz'] as const).map((g) => ({
      kind: 'group' as const,
      name: g,
      attrs: groupAttrs(GROUP_TITLES[g]),
      children: groups[g],
    })),
  };
}

/**
 * Encodes `songs` as the bytes of one MSD-format HDF5 file (1 song: a song file; N: an aggregate file).
 * Throws a RangeError/TypeError naming the song and field on bad input (e.g. a title longer than 1024
 * UTF-8 bytes, a non-integer `year`).
 *
 * @example
 * const bytes = encodeMsdFile([song]);
 * const again = readSongs(bytes); // the reader gives the same Song back
 */
export function encodeMsdFile(songs: readonly Song[], options: MsdWriteOptions = {}): Uint8Array {
  return encodeHdf5(msdTree(songs, options), { storage: options.storage, deflateLevel: options.deflateLevel });
}

/**
 * Writes `songs` to `path` atomically: the bytes are encoded first (bad input throws before anything
 * touches the disk), written to a temporary file next to `path`, flushed, then renamed over `path`.
 * On any error the temporary file is removed and `path` is left as it was.
 *
 * @example
 * await writeMsdFile('data/A/B/C/TRSYNABC000000001.h5', [song]);
 */
export async function writeMsdFile(path: string, songs: readonly Song[], options: MsdWriteOptions = {}): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = encodeMsdFile(songs, options);
  } catch (e) {
    if (e instanceof Error) e.message = `writeMsdFile: ${basename(path)}: ${e.message}`;
    throw e;
  }
  writeFileAtomic(path, bytes, { fsync: options.fsync !== false });
}
