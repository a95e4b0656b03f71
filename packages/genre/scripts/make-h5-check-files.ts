// Writes MSD files with the TypeScript writer plus expected.json (every field of every song), for
// scripts/check-h5-with-python.py to open with h5py and PyTables. Usage (from the repo root):
//   npx tsx --conditions=source packages/genre/scripts/make-h5-check-files.ts /tmp/h5check
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMsdFile, generateSyntheticSongs, type Song } from '../src/index.js';

const out = process.argv[2];
if (out === undefined) {
  console.error('usage: make-h5-check-files.ts <output-dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const { songs } = generateSyntheticSongs({ songs: 5, seed: 7 });
const base = songs.map((s) => s.song);
const e = new Float64Array(0);
const empty: Song = {
  ...base[1],
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
const unicode: Song = {
  ...base[2],
  title: 'Synthetic Ünïcødé — 日本語 “title”',
  artist_name: 'Synthetic Sigur Rós & Björk',
  artist_location: 'Zürich',
  artist_latitude: NaN,
  song_hotttnesss: NaN,
  artist_mbtags: ['música', 'électro'],
  artist_mbtags_count: Int32Array.of(3, -2147483648),
};

// JSON has no NaN/Infinity: numbers are written as strings when not finite
const num = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
function plain(s: Song): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v instanceof Float64Array || v instanceof Int32Array) o[k] = Array.from(v, num);
    else if (typeof v === 'object' && v !== null && 'data' in v)
      o[k] = Array.from({ length: v.rows }, (_, r) => Array.from(v.data.subarray(r * 12, r * 12 + 12), num));
    else if (typeof v === 'number') o[k] = num(v);
    else o[k] = v;
  }
  return o;
}

const files: Record<string, Song[]> = {
  'single-chunked.h5': [base[0]],
  'single-contiguous.h5': [base[0]],
  'empty-arrays.h5': [empty],
  'unicode-nan.h5': [unicode],
  'aggregate-chunked.h5': [base[0], empty, unicode, base[3], base[4]],
  'aggregate-contiguous.h5': [base[0], empty, unicode, base[3], base[4]],
};
const expected: Record<string, unknown[]> = {};
for (const [name, list] of Object.entries(files)) {
  const storage = name.includes('contiguous') ? 'contiguous' : 'chunked';
  writeFileSync(join(out, name), encodeMsdFile(list, { storage }));
  expected[name] = list.map(plain);
}
writeFileSync(join(out, 'expected.json'), JSON.stringify(expected));
console.log(`wrote ${Object.keys(files).length} files and expected.json to ${out}`);
