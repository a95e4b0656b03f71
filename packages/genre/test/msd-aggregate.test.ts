// Aggregate files (many songs in one file): arrays sliced by the idx_* columns as hdf5_getters does.
// Reference 1: a SYNTHETIC 3-song file written by PyTables (fixtures/msd-aggregate.py) and the values
// it wrote. Reference 2: real songs packed into one file by our writer, read back field by field.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MsdFile, readSongs, SONG_SCALAR_FIELDS, SONG_ARRAY_FIELDS } from '../src/index.js';
import type { Song } from '../src/index.js';
import { encodeMsdFile } from '../src/msd/writer.js';
import { H5_ROOT, listH5 } from './msd-helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/msd-aggregate.h5', import.meta.url));
const EXPECTED = JSON.parse(readFileSync(new URL('./fixtures/msd-aggregate.json', import.meta.url), 'utf8')) as {
  songs: Record<string, unknown>[];
};

const num = (v: unknown): number => (v === 'NaN' ? NaN : (v as number));

/** Every field of `got` equals `want` (a Song or the fixture's JSON). */
function expectSong(got: Song, want: Record<string, unknown>, label: string): void {
  for (const k of SONG_SCALAR_FIELDS) {
    const w = want[k];
    if (typeof w === 'string' && w !== 'NaN') expect(got[k], `${label}.${k}`).toBe(w);
    else expect(got[k], `${label}.${k}`).toBe(num(w)); // toBe uses Object.is: NaN equals NaN
  }
  for (const { field, kind } of SONG_ARRAY_FIELDS) {
    const g = got[field],
      w = want[field];
    if (kind === 'mat12') {
      const m = g as Song['segments_timbre'];
      const rows = Array.isArray(w) ? (w as number[][]) : null;
      const flat = rows ? rows.flat() : Array.from((w as Song['segments_timbre']).data);
      expect(m.rows, `${label}.${field}`).toBe(flat.length / 12);
      expect(Array.from(m.data), `${label}.${field}`).toEqual(flat);
    } else if (kind === 'str') {
      expect(g, `${label}.${field}`).toEqual(Array.from(w as string[]));
    } else {
      expect(Array.from(g as Float64Array), `${label}.${field}`).toEqual(Array.from(w as ArrayLike<number>));
      expect(g).toBeInstanceOf(kind === 'i32' ? Int32Array : Float64Array);
    }
  }
}

describe('aggregate MSD files', () => {
  it('slices a PyTables-written aggregate file exactly like hdf5_getters', () => {
    const f = MsdFile.open(FIXTURE);
    expect(f.numSongs).toBe(3);
    expect(Array.from(f.table('/analysis/songs').columns.idx_segments_start as Int32Array)).toEqual([0, 7, 10]);
    expect(Array.from(f.table('/musicbrainz/songs').columns.idx_artist_mbtags as Int32Array)).toEqual([0, 2, 2]);
    const songs = f.songs();
    songs.forEach((s, i) => expectSong(s, EXPECTED.songs[i], `song ${i}`));
    // mbtags of a middle song come from /musicbrainz/songs.idx_artist_mbtags (upstream's getter reads a
    // /metadata column that does not exist there and fails): song 1 has none, song 2 has the last 3.
    expect(songs[1].artist_mbtags).toEqual([]);
    expect(songs[2].artist_mbtags).toEqual(['rock', 'hörspiel', 'jazz']);
    expect(songs[2].title).toBe('Títle Ç');
  });

  it('reads back real songs packed into one file by the writer (chunked and contiguous)', () => {
    const paths = listH5(H5_ROOT);
    const pick = [0, 5, paths.findIndex((p) => p.includes('TRBDXOD128F422C47B')), 40, 41];
    const originals = pick.map((i) => readSongs(paths[i])[0]);
    expect(originals.some((s) => s.artist_mbtags.length > 0)).toBe(true);
    for (const storage of ['chunked', 'contiguous'] as const) {
      const bytes = encodeMsdFile(originals, { storage });
      const back = readSongs(bytes, { name: `aggregate-${storage}.h5` });
      expect(back.length).toBe(originals.length);
      back.forEach((s, i) => expectSong(s, originals[i] as unknown as Record<string, unknown>, `${storage} ${i}`));
    }
  });

  it('rejects idx_* columns that do not slice the arrays', () => {
    const paths = listH5(H5_ROOT);
    const two = [readSongs(paths[1])[0], readSongs(paths[2])[0]];
    const bytes = encodeMsdFile(two, { storage: 'contiguous' });
    const f = MsdFile.open(bytes, { name: 'ok.h5' });
    const idx = f.table('/analysis/songs').columns.idx_segments_timbre as Int32Array;
    expect(idx[1]).toBe(two[0].segments_timbre.rows);
    // table() hands out the decoded columns the slicer uses: plant an impossible index in one.
    idx[1] = 1 << 30;
    expect(() => f.song(0)).toThrow(/ok\.h5.*song 0: idx_segments_timbre gives rows \[0, 1073741824\)/);
  });
});
