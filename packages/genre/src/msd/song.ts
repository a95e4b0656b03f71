// The typed record of one Million Song Dataset song: every value the MSD's hdf5_getters return.
// Field names are the HDF5 column/dataset names (snake_case, as in MSD_SCHEMA.md), so a Song maps
// 1:1 onto the files, the writer and the extended CSV without a renaming table.

/**
 * A row-major matrix with a fixed number of columns (segments × 12 for timbre and pitches).
 * Row `r`, column `c` is `data[r * cols + c]`.
 */
export interface Matrix12 {
  readonly rows: number;
  readonly cols: 12;
  readonly data: Float64Array;
}

/** Scalar string fields (fixed-length HDF5 strings: UTF-8 decoded, NUL padding stripped). */
export type SongStringField =
  | 'analyzer_version'
  | 'artist_id'
  | 'artist_location'
  | 'artist_mbid'
  | 'artist_name'
  | 'genre'
  | 'release'
  | 'song_id'
  | 'title'
  | 'audio_md5'
  | 'track_id';

/** Scalar int32 fields. */
export type SongIntField =
  | 'artist_7digitalid'
  | 'artist_playmeid'
  | 'release_7digitalid'
  | 'track_7digitalid'
  | 'analysis_sample_rate'
  | 'key'
  | 'mode'
  | 'time_signature'
  | 'year';

/** Scalar float64 fields (NaN kept as NaN: it means "unknown" in the MSD). */
export type SongFloatField =
  | 'artist_familiarity'
  | 'artist_hotttnesss'
  | 'artist_latitude'
  | 'artist_longitude'
  | 'song_hotttnesss'
  | 'danceability'
  | 'duration'
  | 'end_of_fade_in'
  | 'energy'
  | 'key_confidence'
  | 'loudness'
  | 'mode_confidence'
  | 'start_of_fade_out'
  | 'tempo'
  | 'time_signature_confidence';

/** 1-D float64 array fields. */
export type SongFloatArrayField =
  | 'artist_terms_freq'
  | 'artist_terms_weight'
  | 'segments_start'
  | 'segments_confidence'
  | 'segments_loudness_max'
  | 'segments_loudness_max_time'
  | 'segments_loudness_start'
  | 'sections_start'
  | 'sections_confidence'
  | 'beats_start'
  | 'beats_confidence'
  | 'bars_start'
  | 'bars_confidence'
  | 'tatums_start'
  | 'tatums_confidence';

/** String-array fields (S20 / S256 datasets). */
export type SongStringArrayField = 'similar_artists' | 'artist_terms' | 'artist_mbtags';

/** Matrix fields: [segments, 12]. */
export type SongMatrixField = 'segments_pitches' | 'segments_timbre';

/** Any scalar (one value per song) field of {@link Song}: string, integer or float. */
export type SongScalarField = SongStringField | SongIntField | SongFloatField;

/**
 * One MSD song: the scalars of /metadata/songs, /analysis/songs and /musicbrainz/songs (the `idx_*`
 * columns are not fields: they are used to slice the arrays) plus every array, sliced to this song.
 * The 54 per-song getters of hdf5_getters.py are all here (get_num_songs is a file property), plus
 * `analyzer_version` and `genre`, which are table columns without a getter (genre is empty in the
 * whole 10k subset).
 *
 * @example
 * const [song] = readSongs('data/B/D/A/TRBDAAA128F4250E97.h5');
 * console.log(song.title, song.duration, song.segments_timbre.rows);
 */
export interface Song {
  // /metadata/songs
  analyzer_version: string;
  artist_7digitalid: number;
  artist_familiarity: number;
  artist_hotttnesss: number;
  artist_id: string;
  artist_latitude: number;
  artist_location: string;
  artist_longitude: number;
  artist_mbid: string;
  artist_name: string;
  artist_playmeid: number;
  genre: string;
  release: string;
  release_7digitalid: number;
  song_hotttnesss: number;
  song_id: string;
  title: string;
  track_7digitalid: number;
  // /metadata arrays
  similar_artists: string[];
  artist_terms: string[];
  artist_terms_freq: Float64Array;
  artist_terms_weight: Float64Array;
  // /analysis/songs
  analysis_sample_rate: number;
  audio_md5: string;
  danceability: number;
  duration: number;
  end_of_fade_in: number;
  energy: number;
  key: number;
  key_confidence: number;
  loudness: number;
  mode: number;
  mode_confidence: number;
  start_of_fade_out: number;
  tempo: number;
  time_signature: number;
  time_signature_confidence: number;
  track_id: string;
  // /analysis arrays
  segments_start: Float64Array;
  segments_confidence: Float64Array;
  segments_pitches: Matrix12;
  segments_timbre: Matrix12;
  segments_loudness_max: Float64Array;
  segments_loudness_max_time: Float64Array;
  segments_loudness_start: Float64Array;
  sections_start: Float64Array;
  sections_confidence: Float64Array;
  beats_start: Float64Array;
  beats_confidence: Float64Array;
  bars_start: Float64Array;
  bars_confidence: Float64Array;
  tatums_start: Float64Array;
  tatums_confidence: Float64Array;
  // /musicbrainz/songs + arrays
  year: number;
  artist_mbtags: string[];
  artist_mbtags_count: Int32Array;
}

/** Scalar string fields, in Song order. */
export const SONG_STRING_FIELDS: readonly SongStringField[] = [
  'analyzer_version',
  'artist_id',
  'artist_location',
  'artist_mbid',
  'artist_name',
  'genre',
  'release',
  'song_id',
  'title',
  'audio_md5',
  'track_id',
];
/** Scalar int32 fields. */
export const SONG_INT_FIELDS: readonly SongIntField[] = [
  'artist_7digitalid',
  'artist_playmeid',
  'release_7digitalid',
  'track_7digitalid',
  'analysis_sample_rate',
  'key',
  'mode',
  'time_signature',
  'year',
];
/** Scalar float64 fields. */
export const SONG_FLOAT_FIELDS: readonly SongFloatField[] = [
  'artist_familiarity',
  'artist_hotttnesss',
  'artist_latitude',
  'artist_longitude',
  'song_hotttnesss',
  'danceability',
  'duration',
  'end_of_fade_in',
  'energy',
  'key_confidence',
  'loudness',
  'mode_confidence',
  'start_of_fade_out',
  'tempo',
  'time_signature_confidence',
];

/** Every scalar field in table order (/metadata, /analysis, /musicbrainz; alphabetical within a table). */
export const SONG_SCALAR_FIELDS: readonly SongScalarField[] = [
  'analyzer_version',
  'artist_7digitalid',
  'artist_familiarity',
  'artist_hotttnesss',
  'artist_id',
  'artist_latitude',
  'artist_location',
  'artist_longitude',
  'artist_mbid',
  'artist_name',
  'artist_playmeid',
  'genre',
  'release',
  'release_7digitalid',
  'song_hotttnesss',
  'song_id',
  'title',
  'track_7digitalid',
  'analysis_sample_rate',
  'audio_md5',
  'danceability',
  'duration',
  'end_of_fade_in',
  'energy',
  'key',
  'key_confidence',
  'loudness',
  'mode',
  'mode_confidence',
  'start_of_fade_out',
  'tempo',
  'time_signature',
  'time_signature_confidence',
  'track_id',
  'year',
];

/**
 * Every array field with its HDF5 dataset path and the `idx_*` column of its group's `songs` table
 * that slices it in aggregate files (hdf5_getters semantics; see MSD_SCHEMA.md).
 */
export const SONG_ARRAY_FIELDS: readonly {
  readonly field: SongFloatArrayField | SongStringArrayField | SongMatrixField | 'artist_mbtags_count';
  readonly path: string;
  readonly index: string; // e.g. '/analysis/songs:idx_segments_timbre'
  readonly kind: 'f64' | 'i32' | 'str' | 'mat12';
}[] = [
  { field: 'similar_artists', path: '/metadata/similar_artists', index: '/metadata/songs:idx_similar_artists', kind: 'str' },
  { field: 'artist_terms', path: '/metadata/artist_terms', index: '/metadata/songs:idx_artist_terms', kind: 'str' },
  { field: 'artist_terms_freq', path: '/metadata/artist_terms_freq', index: '/metadata/songs:idx_artist_terms', kind: 'f64' },
  { field: 'artist_terms_weight', path: '/metadata/artist_terms_weight', index: '/metadata/songs:idx_artist_terms', kind: 'f64' },
  { field: 'segments_start', path: '/analysis/segments_start', index: '/analysis/songs:idx_segments_start', kind: 'f64' },
  { field: 'segments_confidence', path: '/analysis/segments_confidence', index: '/analysis/songs:idx_segments_confidence', kind: 'f64' },
  { field: 'segments_pitches', path: '/analysis/segments_pitches', index: '/analysis/songs:idx_segments_pitches', kind: 'mat12' },
  { field: 'segments_timbre', path: '/analysis/segments_timbre', index: '/analysis/songs:idx_segments_timbre', kind: 'mat12' },
  { field: 'segments_loudness_max', path: '/analysis/segments_loudness_max', index: '/analysis/songs:idx_segments_loudness_max', kind: 'f64' },
  { field: 'segments_loudness_max_time', path: '/analysis/segments_loudness_max_time', index: '/analysis/songs:idx_segments_loudness_max_time', kind: 'f64' },
  { field: 'segments_loudness_start', path: '/analysis/segments_loudness_start', index: '/analysis/songs:idx_segments_loudness_start', kind: 'f64' },
  { field: 'sections_start', path: '/analysis/sections_start', index: '/analysis/songs:idx_sections_start', kind: 'f64' },
  { field: 'sections_confidence', path: '/analysis/sections_confidence', index: '/analysis/songs:idx_sections_confidence', kind: 'f64' },
  { field: 'beats_start', path: '/analysis/beats_start', index: '/analysis/songs:idx_beats_start', kind: 'f64' },
  { field: 'beats_confidence', path: '/analysis/beats_confidence', index: '/analysis/songs:idx_beats_confidence', kind: 'f64' },
  { field: 'bars_start', path: '/analysis/bars_start', index: '/analysis/songs:idx_bars_start', kind: 'f64' },
  { field: 'bars_confidence', path: '/analysis/bars_confidence', index: '/analysis/songs:idx_bars_confidence', kind: 'f64' },
  { field: 'tatums_start', path: '/analysis/tatums_start', index: '/analysis/songs:idx_tatums_start', kind: 'f64' },
  { field: 'tatums_confidence', path: '/analysis/tatums_confidence', index: '/analysis/songs:idx_tatums_confidence', kind: 'f64' },
  // Both mbtags arrays are sliced by /musicbrainz/songs:idx_artist_mbtags (upstream's getter reads a
  // non-existent /metadata column for songidx < nrows-1; we use the column that exists).
  { field: 'artist_mbtags', path: '/musicbrainz/artist_mbtags', index: '/musicbrainz/songs:idx_artist_mbtags', kind: 'str' },
  { field: 'artist_mbtags_count', path: '/musicbrainz/artist_mbtags_count', index: '/musicbrainz/songs:idx_artist_mbtags', kind: 'i32' },
];

/** A column of a compound `songs` table: `S<n>` fixed-length string, `i4` int32 or `f8` float64 (little-endian). */
export interface SongsColumn {
  readonly name: string;
  readonly type: 'i4' | 'f8' | `S${number}`;
}

/**
 * The three compound `songs` tables as PyTables writes them (fields in alphabetical order, which is
 * the stored order). Includes the `idx_*` columns.
 */
export const SONGS_TABLES: Readonly<Record<'/metadata/songs' | '/analysis/songs' | '/musicbrainz/songs', readonly SongsColumn[]>> = {
  '/metadata/songs': [
    { name: 'analyzer_version', type: 'S32' },
    { name: 'artist_7digitalid', type: 'i4' },
    { name: 'artist_familiarity', type: 'f8' },
    { name: 'artist_hotttnesss', type: 'f8' },
    { name: 'artist_id', type: 'S32' },
    { name: 'artist_latitude', type: 'f8' },
    { name: 'artist_location', type: 'S1024' },
    { name: 'artist_longitude', type: 'f8' },
    { name: 'artist_mbid', type: 'S40' },
    { name: 'artist_name', type: 'S1024' },
    { name: 'artist_playmeid', type: 'i4' },
    { name: 'genre', type: 'S1024' },
    { name: 'idx_artist_terms', type: 'i4' },
    { name: 'idx_similar_artists', type: 'i4' },
    { name: 'release', type: 'S1024' },
    { name: 'release_7digitalid', type: 'i4' },
    { name: 'song_hotttnesss', type: 'f8' },
    { name: 'song_id', type: 'S32' },
    { name: 'title', type: 'S1024' },
    { name: 'track_7digitalid', type: 'i4' },
  ],
  '/analysis/songs': [
    { name: 'analysis_sample_rate', type: 'i4' },
    { name: 'audio_md5', type: 'S32' },
    { name: 'danceability', type: 'f8' },
    { name: 'duration', type: 'f8' },
    { name: 'end_of_fade_in', type: 'f8' },
    { name: 'energy', type: 'f8' },
    { name: 'idx_bars_confidence', type: 'i4' },
    { name: 'idx_bars_start', type: 'i4' },
    { name: 'idx_beats_confidence', type: 'i4' },
    { name: 'idx_beats_start', type: 'i4' },
    { name: 'idx_sections_confidence', type: 'i4' },
    { name: 'idx_sections_start', type: 'i4' },
    { name: 'idx_segments_confidence', type: 'i4' },
    { name: 'idx_segments_loudness_max', type: 'i4' },
    { name: 'idx_segments_loudness_max_time', type: 'i4' },
    { name: 'idx_segments_loudness_start', type: 'i4' },
    { name: 'idx_segments_pitches', type: 'i4' },
    { name: 'idx_segments_start', type: 'i4' },
    { name: 'idx_segments_timbre', type: 'i4' },
    { name: 'idx_tatums_confidence', type: 'i4' },
    { name: 'idx_tatums_start', type: 'i4' },
    { name: 'key', type: 'i4' },
    { name: 'key_confidence', type: 'f8' },
    { name: 'loudness', type: 'f8' },
    { name: 'mode', type: 'i4' },
    { name: 'mode_confidence', type: 'f8' },
    { name: 'start_of_fade_out', type: 'f8' },
    { name: 'tempo', type: 'f8' },
    { name: 'time_signature', type: 'i4' },
    { name: 'time_signature_confidence', type: 'f8' },
    { name: 'track_id', type: 'S32' },
  ],
  '/musicbrainz/songs': [
    { name: 'idx_artist_mbtags', type: 'i4' },
    { name: 'year', type: 'i4' },
  ],
};
