# PyTables peer of bench/extract.bench.ts: opens every MSD song file with PyTables and calls every
# getter the way MSongsDB's hdf5_getters does (scalars: table.cols.<field>[i]; arrays: sliced by the
# idx_* column, or to the end for the last song). Written for this benchmark, not copied.
# Usage: /usr/bin/python3 bench/pytables_extract.py LISTFILE PASSES   (LISTFILE: one .h5 path per line)
# Prints one JSON line: {"files": n, "songs": n, "passSeconds": [...], "filesPerSec": best-of-median}.
import json
import sys
import time

import tables

META_SCALARS = ['artist_familiarity', 'artist_hotttnesss', 'artist_id', 'artist_mbid', 'artist_playmeid',
                'artist_7digitalid', 'artist_latitude', 'artist_longitude', 'artist_location', 'artist_name',
                'release', 'release_7digitalid', 'song_id', 'song_hotttnesss', 'title', 'track_7digitalid']
ANALYSIS_SCALARS = ['analysis_sample_rate', 'audio_md5', 'danceability', 'duration', 'end_of_fade_in', 'energy',
                    'key', 'key_confidence', 'loudness', 'mode', 'mode_confidence', 'start_of_fade_out', 'tempo',
                    'time_signature', 'time_signature_confidence', 'track_id']
# (group, array, idx column in that group's songs table)
ARRAYS = [('metadata', 'similar_artists', 'idx_similar_artists'), ('metadata', 'artist_terms', 'idx_artist_terms'),
          ('metadata', 'artist_terms_freq', 'idx_artist_terms'), ('metadata', 'artist_terms_weight', 'idx_artist_terms')]
for a in ['segments_start', 'segments_confidence', 'segments_pitches', 'segments_timbre', 'segments_loudness_max',
          'segments_loudness_max_time', 'segments_loudness_start', 'sections_start', 'sections_confidence',
          'beats_start', 'beats_confidence', 'bars_start', 'bars_confidence', 'tatums_start', 'tatums_confidence']:
    ARRAYS.append(('analysis', a, 'idx_' + a))
ARRAYS += [('musicbrainz', 'artist_mbtags', 'idx_artist_mbtags'), ('musicbrainz', 'artist_mbtags_count', 'idx_artist_mbtags')]


def read_file(path):
    """Every getter for every song of one file; returns (songs, checksum)."""
    h5 = tables.open_file(path, mode='r')
    try:
        root = h5.root
        n = root.metadata.songs.nrows  # get_num_songs
        check = 0.0
        for i in range(n):
            for f in META_SCALARS:
                v = root.metadata.songs.cols._f_col(f)[i]
            for f in ANALYSIS_SCALARS:
                v = root.analysis.songs.cols._f_col(f)[i]
            v = root.musicbrainz.songs.cols.year[i]
            for group, name, idx in ARRAYS:
                table = getattr(root, group).songs
                col = table.cols._f_col(idx)
                arr = getattr(getattr(root, group), name)
                if table.nrows == i + 1:
                    data = arr[col[i]:]
                else:
                    data = arr[col[i]:col[i + 1]]
                check += len(data)
        return n, check
    finally:
        h5.close()


def main():
    paths = [l.strip() for l in open(sys.argv[1]) if l.strip()]
    passes = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    times = []
    songs = 0
    for _ in range(passes):
        t0 = time.perf_counter()
        songs = 0
        for p in paths:
            s, _c = read_file(p)
            songs += int(s)
        times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2]
    print(json.dumps({'files': len(paths), 'songs': songs, 'passSeconds': times, 'filesPerSec': len(paths) / median,
                      'tables': tables.__version__}))


if __name__ == '__main__':
    main()
