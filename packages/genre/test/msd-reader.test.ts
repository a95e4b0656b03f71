// The MSD reader on the 285 real files of the 10k subset, value by value against independent
// extractions: MillionSong_10ksample.csv (pandas dump of the three songs tables), SongCSV.csv
// (full-precision hotttnesss and mbtags) and MANIFEST_BD.csv (segment counts). Each file is parsed once.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { MsdFile, readSong, readSongs, SONG_FLOAT_FIELDS, SONG_INT_FIELDS, SONG_STRING_FIELDS } from '../src/index.js';
import type { Song } from '../src/index.js';
import { DATA, H5_ROOT, listH5, loadCsv, loadLooseCsv } from './msd-helpers.js';

interface Parsed {
  path: string;
  song: Song;
  file: MsdFile;
}
const parsed: Parsed[] = [];
let tables: Record<string, string>[] = [];
let songCsv: Map<string, Record<string, string>>;
let manifest: Record<string, string>[] = [];

beforeAll(async () => {
  for (const path of listH5(H5_ROOT)) {
    const file = MsdFile.open(path);
    parsed.push({ path, file, song: file.song(0) });
  }
  tables = await loadCsv(join(DATA, 'msd10k-songs-tables', 'MillionSong_10ksample.csv'));
  songCsv = new Map(loadLooseCsv(join(DATA, 'msd10k-songcsv', 'SongCSV.csv')).map((r) => [r.SongID, r]));
  manifest = await loadCsv(join(DATA, 'msd10k-h5', 'MANIFEST_BD.csv'));
}, 120_000);

/** The CSV rounds floats to 9 decimal places (shorter values are exact); '' is NaN. */
function sameFloat(ours: number, csv: string): boolean {
  if (csv === '') return Number.isNaN(ours);
  const ref = Number(csv);
  return Math.abs(ours - ref) <= 5e-10 + 1e-15 * Math.abs(ref);
}

describe('readSongs on the real MSD 10k files', () => {
  it('reads all 285 files, one song each', { timeout: 60_000 }, () => {
    expect(parsed.length).toBe(285);
    for (const p of parsed) expect(p.file.numSongs, p.path).toBe(1);
    const ids = new Set(parsed.map((p) => p.song.track_id));
    expect(ids.size).toBe(285);
    for (const p of parsed) expect(p.path.endsWith(`${p.song.track_id}.h5`), p.path).toBe(true);
  });

  it('every scalar (and idx_* column) of every file equals MillionSong_10ksample.csv', { timeout: 60_000 }, () => {
    const byTrack = new Map(tables.map((r) => [r.track_id, r]));
    expect(byTrack.size).toBe(10_000);
    const kinds = new Map<string, 'str' | 'int' | 'float'>();
    for (const k of SONG_STRING_FIELDS) kinds.set(k, 'str');
    for (const k of SONG_INT_FIELDS) kinds.set(k, 'int');
    for (const k of SONG_FLOAT_FIELDS) kinds.set(k, 'float');
    const columns = Object.keys(tables[0]).filter((c) => c !== '');
    expect(columns.length).toBe(53);
    let checked = 0;
    const mismatches: string[] = [];
    for (const { song, file } of parsed) {
      const row = byTrack.get(song.track_id);
      expect(row, song.track_id).toBeDefined();
      for (const c of columns) {
        const csv = row![c];
        if (c.startsWith('idx_')) {
          const table = (['/metadata/songs', '/analysis/songs', '/musicbrainz/songs'] as const)
            .map((t) => file.table(t).columns[c])
            .find((x) => x !== undefined) as Int32Array;
          if (table[0] !== Number(csv)) mismatches.push(`${song.track_id}.${c}: ${table[0]} vs ${csv}`);
        } else {
          const kind = kinds.get(c);
          expect(kind, c).toBeDefined();
          const ours = song[c as keyof Song] as string | number;
          const ok = kind === 'str' ? ours === csv : kind === 'int' ? ours === Number(csv) : sameFloat(ours as number, csv);
          if (!ok) mismatches.push(`${song.track_id}.${c}: ${String(ours)} vs ${csv}`);
        }
        checked++;
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(285 * 53);
  });

  it('hotttnesss (full precision), numbers and mbtags equal SongCSV.csv', { timeout: 60_000 }, () => {
    let withTags = 0;
    for (const { song } of parsed) {
      const r = songCsv.get(song.song_id);
      expect(r, song.song_id).toBeDefined();
      const exact = (ours: number, csv: string): void => {
        if (csv === '') expect(ours, song.track_id).toBeNaN();
        else expect(ours, song.track_id).toBe(Number(csv));
      };
      exact(song.song_hotttnesss, r!.song_hotttnesss);
      exact(song.artist_hotttnesss, r!.artist_hotttnesss);
      exact(song.artist_latitude, r!.ArtistLatitude);
      exact(song.artist_longitude, r!.ArtistLongitude);
      expect(song.duration).toBe(Number(r!.Duration));
      expect(song.tempo).toBe(Number(r!.Tempo));
      expect(song.release_7digitalid).toBe(Number(r!.AlbumID));
      // that extractor deleted commas from strings
      const noComma = (x: string): string => x.replace(/,/g, '');
      expect(noComma(song.title)).toBe(r!.Title);
      expect(noComma(song.artist_name)).toBe(r!.ArtistName);
      expect(noComma(song.release)).toBe(r!.AlbumName);
      expect(noComma(song.artist_location)).toBe(r!.ArtistLocation);
      expect(song.artist_mbtags.join(' ')).toBe(r!.artist_mbtags);
      const counts = r!.artist_mbtags_count.replace(/^\[|\]$/g, '').trim();
      expect(Array.from(song.artist_mbtags_count)).toEqual(counts === '' ? [] : counts.split(/\s+/).map(Number));
      if (song.artist_mbtags.length > 0) withTags++;
    }
    expect(withTags).toBeGreaterThan(0);
  });

  it('arrays have consistent lengths; segment counts equal MANIFEST_BD.csv', { timeout: 60_000 }, () => {
    const bySeg = new Map(manifest.map((r) => [r.track_id, Number(r.n_segments)]));
    let matched = 0;
    for (const { song } of parsed) {
      const n = song.segments_start.length;
      expect(n).toBeGreaterThan(0);
      for (const a of [song.segments_confidence, song.segments_loudness_max, song.segments_loudness_max_time, song.segments_loudness_start]) {
        expect(a.length, song.track_id).toBe(n);
      }
      for (const m of [song.segments_timbre, song.segments_pitches]) {
        expect(m.rows).toBe(n);
        expect(m.cols).toBe(12);
        expect(m.data.length).toBe(n * 12);
        expect(m.data.every(Number.isFinite)).toBe(true);
      }
      let sorted = true;
      for (let i = 1; i < n; i++) if (song.segments_start[i] < song.segments_start[i - 1]) sorted = false;
      expect(sorted, song.track_id).toBe(true);
      expect(song.sections_confidence.length).toBe(song.sections_start.length);
      expect(song.beats_confidence.length).toBe(song.beats_start.length);
      expect(song.bars_confidence.length).toBe(song.bars_start.length);
      expect(song.tatums_confidence.length).toBe(song.tatums_start.length);
      expect(song.artist_terms_freq.length).toBe(song.artist_terms.length);
      expect(song.artist_terms_weight.length).toBe(song.artist_terms.length);
      expect(song.artist_mbtags_count.length).toBe(song.artist_mbtags.length);
      expect(song.segments_start).toBeInstanceOf(Float64Array);
      expect(song.artist_mbtags_count).toBeInstanceOf(Int32Array);
      // pitches are chroma in [0, 1]
      expect(song.segments_pitches.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      const expected = bySeg.get(song.track_id);
      if (expected !== undefined) {
        expect(n, song.track_id).toBe(expected);
        matched++;
      }
    }
    expect(matched).toBe(279);
  });

  it('matches the documented statistics of the 279 B/D files (NaNs, empty arrays, UTF-8 strings)', { timeout: 60_000 }, () => {
    const bd = parsed.filter((p) => p.song.track_id.startsWith('TRBD')).map((p) => p.song);
    expect(bd.length).toBe(279);
    const count = (f: (s: Song) => boolean): number => bd.filter(f).length;
    expect(count((s) => Number.isNaN(s.song_hotttnesss))).toBe(129);
    expect(count((s) => Number.isNaN(s.artist_latitude))).toBe(167);
    expect(count((s) => Number.isNaN(s.artist_longitude))).toBe(167);
    expect(count((s) => s.artist_mbtags.length === 0)).toBe(173);
    expect(count((s) => s.bars_start.length === 0)).toBe(1);
    // eslint-disable-next-line no-control-regex
    const nonAscii = (x: string): boolean => /[^\x00-\x7f]/.test(x);
    expect(count((s) => nonAscii(s.title))).toBe(10);
    expect(count((s) => nonAscii(s.release))).toBe(11);
    expect(count((s) => nonAscii(s.artist_name))).toBe(5);
    expect(count((s) => nonAscii(s.artist_location))).toBe(2);
    expect(count((s) => s.artist_mbtags.some(nonAscii))).toBe(8);
    const medium = bd.find((s) => s.track_id === 'TRBDDMU128F9350474')!;
    expect(medium.title).toBe('Médium');
    const tiny = bd.find((s) => s.track_id === 'TRBDXOD128F422C47B')!;
    expect(tiny.segments_timbre.rows).toBe(5);
    expect(tiny.beats_start.length + tiny.bars_start.length + tiny.sections_start.length).toBe(0);
    // no string keeps NUL padding
    for (const s of bd) for (const k of SONG_STRING_FIELDS) expect(s[k].includes('\0')).toBe(false);
  });

  it('readSong/readSongs accept a path or the bytes, with the same result', () => {
    const path = parsed[7].path;
    const a = readSong(path);
    const [b] = readSongs(readFileSync(path), { name: 'x.h5' });
    expect(b.track_id).toBe(a.track_id);
    expect(Array.from(b.segments_timbre.data)).toEqual(Array.from(a.segments_timbre.data));
    expect(b.artist_terms).toEqual(a.artist_terms);
    expect(() => readSong(path, 1)).toThrow(/has 1 songs, no song 1/);
  });
});
