// The rows extraction writes: the original project's SongCSV columns (with its bugs fixed: full Duration and
// AlbumID, no trailing comma) and an extended table with every scalar field plus timbre/pitch
// means and population variances. Numbers print as the shortest round-trip decimal; NaN as ''.

import type { Song } from '../msd/song.js';
import { SONG_SCALAR_FIELDS } from '../msd/song.js';
import { audioFeatureNames, audioFeatureValues, audioSummary } from '../msd/audio.js';

/** The original project's SongCSV header (SEED.md), without its trailing empty column. Genre comes from labelling, later. */
export const SONGCSV_COLUMNS = [
  'SongNumber',
  'SongID',
  'AlbumID',
  'AlbumName',
  'ArtistID',
  'ArtistLatitude',
  'ArtistLocation',
  'ArtistLongitude',
  'ArtistName',
  'Danceability',
  'Duration',
  'KeySignature',
  'KeySignatureConfidence',
  'Tempo',
  'TimeSignature',
  'TimeSignatureConfidence',
  'Title',
  'Year',
] as const;

/** Extended header: source file, row in it, every scalar field, segment count, audio summaries. */
export const EXTENDED_COLUMNS: readonly string[] = ['file', 'song_index', ...SONG_SCALAR_FIELDS, 'n_segments', ...audioFeatureNames()];

/** Header of the errors file. */
export const ERROR_COLUMNS = ['file', 'reason'] as const;

/** A number as CSV text: shortest round-trip form (like Python's repr), '' for NaN/±Infinity. */
export function numberCell(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

/** SongCSV cells of a song, without SongNumber (assigned when the parts are joined). */
export function songCsvCells(s: Song): string[] {
  return [
    s.song_id,
    numberCell(s.release_7digitalid),
    s.release,
    s.artist_id,
    numberCell(s.artist_latitude),
    s.artist_location,
    numberCell(s.artist_longitude),
    s.artist_name,
    numberCell(s.danceability),
    numberCell(s.duration),
    numberCell(s.key),
    numberCell(s.key_confidence),
    numberCell(s.tempo),
    numberCell(s.time_signature),
    numberCell(s.time_signature_confidence),
    s.title,
    numberCell(s.year),
  ];
}

/** Extended cells of a song. Audio columns are '' for a song without segments (n_segments says 0). */
export function extendedCells(s: Song, file: string, index: number): string[] {
  const out: string[] = [file, String(index)];
  for (const k of SONG_SCALAR_FIELDS) {
    const v = s[k];
    out.push(typeof v === 'string' ? v : numberCell(v));
  }
  const n = s.segments_timbre.rows;
  out.push(String(n));
  if (n === 0) {
    for (let i = 0; i < 48; i++) out.push('');
  } else {
    // covariances are not written; ddof 0 keeps one-segment songs valid
    for (const v of audioFeatureValues(audioSummary(s, { covarianceDdof: 0 }))) out.push(numberCell(v));
  }
  return out;
}
