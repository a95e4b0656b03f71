// Dumps song-level fields and timbre/pitch summaries of an in-memory synthetic corpus to CSV, for
// scripts/synthetic-learnability.py. Usage: npx tsx --conditions=source packages/genre/scripts/synthetic-features.ts <songs> <seed> <out.csv>
import { generateSyntheticSongs } from '../src/msd/synthetic.js';
import { writeFileSync } from 'node:fs';
const { songs } = generateSyntheticSongs({ songs: Number(process.argv[2] ?? 1200), seed: Number(process.argv[3] ?? 1) });
const rows = [
  'genre,artist,' +
    ['tempo', 'loudness', 'duration', 'mode', 'key', 'time_signature', 'energy', 'danceability', 'artist_familiarity', 'artist_hotttnesss', 'year'].join(',') +
    ',' +
    Array.from({ length: 12 }, (_, k) => 'tm' + k).join(',') +
    ',' +
    Array.from({ length: 12 }, (_, k) => 'tv' + k).join(',') +
    ',' +
    Array.from({ length: 12 }, (_, k) => 'pm' + k).join(','),
];
for (const { song: s, genre } of songs) {
  const t = s.segments_timbre,
    p = s.segments_pitches,
    n = t.rows;
  const m = new Array(12).fill(0),
    v = new Array(12).fill(0),
    pm = new Array(12).fill(0);
  for (let r = 0; r < n; r++)
    for (let k = 0; k < 12; k++) {
      m[k] += t.data[r * 12 + k] / n;
      pm[k] += p.data[r * 12 + k] / n;
    }
  for (let r = 0; r < n; r++) for (let k = 0; k < 12; k++) v[k] += (t.data[r * 12 + k] - m[k]) ** 2 / n;
  rows.push(
    [
      genre,
      s.artist_id,
      s.tempo,
      s.loudness,
      s.duration,
      s.mode,
      s.key,
      s.time_signature,
      s.energy,
      s.danceability,
      s.artist_familiarity,
      s.artist_hotttnesss,
      s.year,
      ...m,
      ...v,
      ...pm,
    ].join(','),
  );
}
writeFileSync(process.argv[4] ?? 'synthetic-features.csv', rows.join('\n'));
