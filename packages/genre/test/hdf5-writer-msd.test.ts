// MSD song files from the writer: every Song field round-trips through the project reader, aggregate
// files are sliced by their idx_* columns, real MSD files survive read -> write -> read, and
// writeMsdFile never leaves a partial file.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdf5 from 'jsfive';
import { encodeMsdFile, writeMsdFile } from '../src/msd/writer.js';
import { readSongs } from '../src/msd/reader.js';
import { H5File } from '../src/msd/h5.js';
import { generateSyntheticSongs } from '../src/msd/synthetic.js';
import { SONGS_TABLES, type Song } from '../src/msd/song.js';

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/** Song -> plain JSON-able object (typed arrays to arrays; NaN kept as the string 'NaN'). */
function plain(song: Song): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const num = (x: number): unknown => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x);
  for (const [k, v] of Object.entries(song)) {
    if (v instanceof Float64Array || v instanceof Int32Array) out[k] = Array.from(v, num);
    else if (typeof v === 'object' && v !== null && 'data' in v) out[k] = { rows: v.rows, cols: v.cols, data: Array.from(v.data, num) };
    else if (typeof v === 'number') out[k] = num(v);
    else out[k] = v;
  }
  return out;
}

function emptyArrays(song: Song): Song {
  const e = new Float64Array(0);
  return {
    ...song,
    similar_artists: [],
    artist_terms: [],
    artist_terms_freq: e,
    artist_terms_weight: e,
    segments_start: e,
    segments_confidence: e,
    segments_loudness_max: e,
    segments_loudness_max_time: e,
    segments_loudness_start: e,
    segments_pitches: { rows: 0, cols: 12, data: e },
    segments_timbre: { rows: 0, cols: 12, data: e },
    sections_start: e,
    sections_confidence: e,
    beats_start: e,
    beats_confidence: e,
    bars_start: e,
    bars_confidence: e,
    tatums_start: e,
    tatums_confidence: e,
    artist_mbtags: [],
    artist_mbtags_count: new Int32Array(0),
  };
}

const { songs: generated } = generateSyntheticSongs({ songs: 6, seed: 11 });
const base = generated.map((g) => g.song);
// a song exercising edge values: non-ASCII in every string kind, NaN, negative ints, long strings
const edge: Song = {
  ...base[0],
  title: 'Ünïcødé — “quoted” 日本語 ' + 'x'.repeat(980), // close to the 1024-byte field
  artist_name: 'Sigur Rós & Björk',
  release: 'Ça plane pour moi',
  artist_location: 'Zürich, CH',
  artist_latitude: NaN,
  artist_longitude: NaN,
  song_hotttnesss: NaN,
  artist_7digitalid: -1,
  year: 0,
  tempo: -0,
  loudness: -60.5,
  key: 11,
  mode: 0,
  artist_mbid: 'a'.repeat(40),
  song_id: 'S'.repeat(32),
  similar_artists: ['ARSYN0000000000001', 'ARÜ'],
  artist_terms: ['électro', 'hip hop'],
  artist_terms_freq: Float64Array.of(1, 0.5),
  artist_terms_weight: Float64Array.of(0.9, NaN),
  artist_mbtags: ['música', 'rock'],
  artist_mbtags_count: Int32Array.of(2147483647, -2147483648),
};

describe('encodeMsdFile -> readSongs', () => {
  it.each(['chunked', 'contiguous'] as const)('%s: a single song file round-trips every field', (storage) => {
    for (const song of [base[1], edge]) {
      const [back] = readSongs(encodeMsdFile([song], { storage }));
      expect(plain(back)).toEqual(plain(song));
    }
  });

  it('a song whose arrays are all empty (zero-row datasets)', () => {
    const song = emptyArrays(base[2]);
    const [back] = readSongs(encodeMsdFile([song]));
    expect(plain(back)).toEqual(plain(song));
    expect(back.segments_timbre.rows).toBe(0);
  });

  it.each(['chunked', 'contiguous'] as const)('%s: an aggregate file of N songs (some empty) slices each song back', (storage) => {
    const songs = [base[0], emptyArrays(base[1]), edge, base[3], emptyArrays(base[4]), base[5]];
    const bytes = encodeMsdFile(songs, { storage });
    const back = readSongs(bytes);
    expect(back).toHaveLength(songs.length);
    for (let i = 0; i < songs.length; i++) expect(plain(back[i]), `song ${i}`).toEqual(plain(songs[i]));

    // the idx_* columns hold each song's first row, and the arrays are the concatenation
    const h5 = new H5File(bytes);
    const idx = h5.dataset('/analysis/songs')!.readTable().columns.idx_segments_timbre as Int32Array;
    let start = 0;
    for (let i = 0; i < songs.length; i++) {
      expect(idx[i]).toBe(start);
      start += songs[i].segments_timbre.rows;
    }
    expect(h5.dataset('/analysis/segments_timbre')!.shape).toEqual([start, 12]);
    const mb = h5.dataset('/musicbrainz/songs')!.readTable().columns.idx_artist_mbtags as Int32Array;
    expect(Array.from(mb)).toEqual(songs.map((_, i) => songs.slice(0, i).reduce((a, s) => a + s.artist_mbtags.length, 0)));
  });

  it('stores the MSD schema: groups, table field order and types, array shapes (checked with jsfive)', () => {
    const bytes = encodeMsdFile([base[0]]);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const f = new (
      hdf5 as unknown as {
        File: new (
          b: ArrayBuffer,
          n: string,
        ) => {
          keys: string[];
          attrs: Record<string, unknown>;
          get(p: string): { keys: string[]; shape: number[]; dtype: string };
        };
      }
    ).File(ab, 'x.h5');
    expect(f.keys.sort()).toEqual(['analysis', 'metadata', 'musicbrainz']);
    expect(String(f.attrs.TITLE).replace(/\0+$/, '')).toBe('H5 Song File');
    expect(String(f.attrs.PYTABLES_FORMAT_VERSION).replace(/\0+$/, '')).toBe('2.0');
    expect(f.get('metadata').keys.sort()).toEqual(['artist_terms', 'artist_terms_freq', 'artist_terms_weight', 'similar_artists', 'songs']);
    expect(f.get('analysis/segments_timbre').shape).toEqual([base[0].segments_timbre.rows, 12]);
    expect(f.get('metadata/similar_artists').dtype).toBe('S20');
    expect(f.get('metadata/artist_terms').dtype).toBe('S256');
    expect(f.get('musicbrainz/artist_mbtags_count').dtype).toBe('<i4');
    const h5 = new H5File(bytes);
    for (const [path, columns] of Object.entries(SONGS_TABLES)) {
      const t = h5.dataset(path)!.type;
      if (t.kind !== 'compound') throw new Error(`${path} is not compound`);
      expect(
        t.members.map((m) => m.name),
        path,
      ).toEqual(columns.map((c) => c.name));
      expect(t.members.map((m) => (m.type.kind === 'string' ? `S${m.type.size}` : m.type.kind === 'int' ? 'i4' : 'f8'))).toEqual(columns.map((c) => c.type));
      expect(t.members.map((m) => m.type.size)).toEqual(columns.map((c) => (c.type === 'i4' ? 4 : c.type === 'f8' ? 8 : Number(c.type.slice(1)))));
    }
  });
});

describe('bad songs', () => {
  it('names the song and field of a value that does not fit', () => {
    expect(() => encodeMsdFile([base[0], { ...base[1], title: 'é'.repeat(600) }])).toThrow(
      /row 1 field title is 1200 UTF-8 bytes, longer than its 1024-byte field/,
    );
    expect(() => encodeMsdFile([{ ...base[0], year: 1999.5 }])).toThrow(/row 0 field year = 1999.5 is not an int32/);
    expect(() => encodeMsdFile([{ ...base[0], artist_terms_freq: new Float64Array(1) }])).toThrow(
      /artist_terms_freq has 1 rows but the other arrays sliced by idx_artist_terms have/,
    );
    expect(() => encodeMsdFile([{ ...base[0], segments_timbre: { rows: 3, cols: 12, data: new Float64Array(35) } }])).toThrow(
      /segments_timbre: Matrix12 with rows=3/,
    );
    expect(() => encodeMsdFile([])).toThrow(/at least one song/);
  });
});

describe('real MSD files: read -> write -> read gives the same songs', () => {
  const dir = join(DATA, 'msd10k-h5/data/B/D');
  const files: string[] = [];
  for (const a of readdirSync(dir).sort()) for (const f of readdirSync(join(dir, a)).sort()) files.push(join(dir, a, f));
  // files spread over the subset, plus known hard cases: non-ASCII strings (Médium, Ça c'est Paris,
  // Andraé Crouch), no MusicBrainz tags, and a file with empty bars/beats/sections arrays
  const hard = ['D/TRBDDMU128F9350474.h5', 'O/TRBDOXZ128F93420F3.h5', 'D/TRBDDTD12903CA7AA9.h5', 'X/TRBDXOD128F422C47B.h5'];
  const picked = [...files.filter((_, i) => i % 40 === 0), ...hard.map((h) => join(dir, h))];

  it.each(picked.map((p) => [p.slice(p.lastIndexOf('/') + 1), p]))('%s', (_name, path) => {
    const songs = readSongs(path);
    const again = readSongs(encodeMsdFile(songs));
    expect(again.map(plain)).toEqual(songs.map(plain));
  });

  it('an aggregate of real songs (non-ASCII, NaN and empty mbtags among them)', () => {
    const songs = picked.map((p) => readSongs(p)[0]);
    // the picked files do cover the hard cases
    expect(songs.some((s) => [s.title, s.release, s.artist_name, s.artist_location].some((x) => /[^\x00-\x7f]/.test(x)))).toBe(true);
    expect(songs.some((s) => Number.isNaN(s.song_hotttnesss))).toBe(true);
    expect(songs.some((s) => s.artist_mbtags.length === 0)).toBe(true);
    expect(songs.some((s) => s.artist_mbtags.length > 0)).toBe(true);
    expect(songs.some((s) => s.bars_start.length === 0)).toBe(true);
    expect(readSongs(encodeMsdFile(songs)).map(plain)).toEqual(songs.map(plain));
  });
});

describe('writeMsdFile is atomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timbre-msd-writer-'));

  it('writes a file that reads back', async () => {
    const path = join(dir, 'TRSYNOK.h5');
    await writeMsdFile(path, [base[0]]);
    expect(plain(readSongs(path)[0])).toEqual(plain(base[0]));
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('bad input: throws naming the file, leaves no file and no temp file', async () => {
    const path = join(dir, 'TRSYNBAD.h5');
    await expect(writeMsdFile(path, [{ ...base[0], release: 'r'.repeat(2000) }])).rejects.toThrow(/TRSYNBAD\.h5: .*field release/);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('a failed rewrite leaves the previous file untouched', async () => {
    const path = join(dir, 'TRSYNKEEP.h5');
    writeFileSync(path, 'previous content');
    await expect(writeMsdFile(path, [{ ...base[0], key: 0.5 }])).rejects.toThrow(/field key/);
    expect(readFileSync(path, 'utf8')).toBe('previous content');
  });

  it('an I/O error (a file where the folder should be) leaves nothing behind', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const before = readdirSync(dir).sort();
    await expect(writeMsdFile(join(blocker, 'TRSYNX.h5'), [base[0]])).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
