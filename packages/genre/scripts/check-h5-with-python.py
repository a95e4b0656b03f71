#!/usr/bin/python3
"""Opens MSD files written by timbre's TypeScript HDF5 writer with h5py AND PyTables and checks every
value against expected.json (written next to them by make-h5-check-files.ts). PyTables reads go
through the access pattern of MSongsDB's hdf5_getters.py (h5.root.metadata.songs.cols.title[i],
arrays sliced by the idx_* columns). Never run by `npm test`.

  npx tsx --conditions=source packages/genre/scripts/make-h5-check-files.ts /tmp/h5check
  /usr/bin/python3 packages/genre/scripts/check-h5-with-python.py /tmp/h5check
"""
import json
import math
import os
import sys

import h5py
import numpy as np
import tables

SCHEMA = {  # MSD_SCHEMA.md: field order as stored (alphabetical) and dtypes
    'metadata': ['analyzer_version', 'artist_7digitalid', 'artist_familiarity', 'artist_hotttnesss', 'artist_id',
                 'artist_latitude', 'artist_location', 'artist_longitude', 'artist_mbid', 'artist_name',
                 'artist_playmeid', 'genre', 'idx_artist_terms', 'idx_similar_artists', 'release',
                 'release_7digitalid', 'song_hotttnesss', 'song_id', 'title', 'track_7digitalid'],
    'analysis': ['analysis_sample_rate', 'audio_md5', 'danceability', 'duration', 'end_of_fade_in', 'energy',
                 'idx_bars_confidence', 'idx_bars_start', 'idx_beats_confidence', 'idx_beats_start',
                 'idx_sections_confidence', 'idx_sections_start', 'idx_segments_confidence',
                 'idx_segments_loudness_max', 'idx_segments_loudness_max_time', 'idx_segments_loudness_start',
                 'idx_segments_pitches', 'idx_segments_start', 'idx_segments_timbre', 'idx_tatums_confidence',
                 'idx_tatums_start', 'key', 'key_confidence', 'loudness', 'mode', 'mode_confidence',
                 'start_of_fade_out', 'tempo', 'time_signature', 'time_signature_confidence', 'track_id'],
    'musicbrainz': ['idx_artist_mbtags', 'year'],
}
STRING_SIZES = {'analyzer_version': 32, 'artist_id': 32, 'artist_location': 1024, 'artist_mbid': 40,
                'artist_name': 1024, 'genre': 1024, 'release': 1024, 'song_id': 32, 'title': 1024,
                'audio_md5': 32, 'track_id': 32}
FLOATS = {'artist_familiarity', 'artist_hotttnesss', 'artist_latitude', 'artist_longitude', 'song_hotttnesss',
          'danceability', 'duration', 'end_of_fade_in', 'energy', 'key_confidence', 'loudness',
          'mode_confidence', 'start_of_fade_out', 'tempo', 'time_signature_confidence'}
# array field -> (group, idx column, kind)
ARRAYS = {
    'similar_artists': ('metadata', 'idx_similar_artists', 'S20'),
    'artist_terms': ('metadata', 'idx_artist_terms', 'S256'),
    'artist_terms_freq': ('metadata', 'idx_artist_terms', 'f8'),
    'artist_terms_weight': ('metadata', 'idx_artist_terms', 'f8'),
    'artist_mbtags': ('musicbrainz', 'idx_artist_mbtags', 'S256'),
    'artist_mbtags_count': ('musicbrainz', 'idx_artist_mbtags', 'i4'),
}
for name in ['segments_start', 'segments_confidence', 'segments_loudness_max', 'segments_loudness_max_time',
             'segments_loudness_start', 'sections_start', 'sections_confidence', 'beats_start', 'beats_confidence',
             'bars_start', 'bars_confidence', 'tatums_start', 'tatums_confidence']:
    ARRAYS[name] = ('analysis', 'idx_' + name, 'f8')
ARRAYS['segments_pitches'] = ('analysis', 'idx_segments_pitches', 'f8x12')
ARRAYS['segments_timbre'] = ('analysis', 'idx_segments_timbre', 'f8x12')

failures = []


def fail(msg):
    failures.append(msg)
    print('  FAIL', msg)


def num(x):
    return float(x) if not isinstance(x, str) else float(x)  # 'NaN', 'Infinity', '-Infinity'


def same_number(a, b):
    a, b = float(a), num(b)
    return (math.isnan(a) and math.isnan(b)) or a == b


def decode(b):
    return b.rstrip(b'\0').decode('utf-8')


def getter_slice(arr, idx_col, i, n):
    """hdf5_getters semantics: arr[idx[i]:] for the last song, else arr[idx[i]:idx[i+1]]."""
    start = int(idx_col[i])
    return arr[start:] if i == n - 1 else arr[start:int(idx_col[i + 1])]


def check_value(where, field, got, want):
    if field in STRING_SIZES:
        if decode(got) != want:
            fail(f'{where} {field}: {decode(got)!r} != {want!r}')
    elif field in FLOATS:
        if not same_number(got, want):
            fail(f'{where} {field}: {got!r} != {want!r}')
    elif int(got) != want:
        fail(f'{where} {field}: {got!r} != {want!r}')


def check_array(where, field, kind, got, want):
    if kind.startswith('S'):
        got_list = [decode(x) for x in got]
        if got_list != want:
            fail(f'{where} {field}: {got_list[:5]} != {want[:5]}')
        return
    got = np.asarray(got)
    if kind == 'f8x12':
        want_arr = np.array([[num(x) for x in row] for row in want], dtype=np.float64).reshape(-1, 12)
    else:
        want_arr = np.array([num(x) for x in want], dtype=np.float64)
    if got.shape != want_arr.shape:
        fail(f'{where} {field}: shape {got.shape} != {want_arr.shape}')
    elif not np.array_equal(got.astype(np.float64), want_arr, equal_nan=True):
        fail(f'{where} {field}: values differ')


def check_h5py(path, songs):
    with h5py.File(path, 'r') as f:
        assert set(f.keys()) == {'metadata', 'analysis', 'musicbrainz'}, list(f.keys())
        for g, fields in SCHEMA.items():
            t = f[g]['songs']
            if list(t.dtype.names) != fields:
                fail(f'h5py {g}/songs field order {t.dtype.names}')
            for name in fields:
                dt = t.dtype[name]
                want = f'S{STRING_SIZES[name]}' if name in STRING_SIZES else ('<f8' if name in FLOATS else '<i4')
                if dt.str.lstrip('|') != want:
                    fail(f'h5py {g}/songs.{name} dtype {dt.str} != {want}')
            if t.shape != (len(songs),):
                fail(f'h5py {g}/songs shape {t.shape}')
        n = len(songs)
        for i, song in enumerate(songs):
            for g, fields in SCHEMA.items():
                row = f[g]['songs'][i]
                for name in fields:
                    if not name.startswith('idx_'):
                        check_value(f'h5py song {i}', name, row[name], song[name])
            for field, (g, idx, kind) in ARRAYS.items():
                idx_col = f[g]['songs'][idx]
                check_array(f'h5py song {i}', field, kind, getter_slice(f[g][field], idx_col, i, n), song[field])


def check_pytables(path, songs):
    h5 = tables.open_file(path, mode='r')
    try:
        root = h5.root
        if root._v_attrs.TITLE != 'H5 Song File':
            fail(f'PyTables root TITLE {root._v_attrs.TITLE!r}')
        n = root.metadata.songs.nrows  # get_num_songs
        if n != len(songs):
            fail(f'PyTables nrows {n} != {len(songs)}')
        for i, song in enumerate(songs):
            for g, fields in SCHEMA.items():
                table = getattr(root, g).songs
                for name in fields:
                    if not name.startswith('idx_'):
                        # the getters' pattern, e.g. h5.root.metadata.songs.cols.title[songidx]
                        check_value(f'PyTables song {i}', name, getattr(table.cols, name)[i], song[name])
            for field, (g, idx, kind) in ARRAYS.items():
                group = getattr(root, g)
                idx_col = getattr(group.songs.cols, idx)
                start = idx_col[i]
                arr = getattr(group, field)
                got = arr[start:] if group.songs.nrows == i + 1 else arr[start:idx_col[i + 1]]
                check_array(f'PyTables song {i}', field, kind, got, song[field])
    finally:
        h5.close()


def check_append(path):
    """The HDF5 library can also modify our files: PyTables appends a row and segments (B-tree growth,
    heap and object-header changes), h5py reads the result back."""
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, os.path.basename(path))
        shutil.copy(path, copy)
        h5 = tables.open_file(copy, mode='a')
        n = h5.root.analysis.songs.nrows
        rows = h5.root.analysis.segments_timbre.nrows
        h5.root.analysis.songs.append(h5.root.analysis.songs[0:1])
        h5.root.analysis.segments_timbre.append(np.full((300, 12), 7.0))
        h5.root._v_attrs.EXTRA = 'appended'
        h5.close()
        with h5py.File(copy, 'r') as f:
            ok = (f['analysis/songs'].shape == (n + 1,) and f['analysis/segments_timbre'].shape == (rows + 300, 12)
                  and float(f['analysis/segments_timbre'][-1, 0]) == 7.0
                  and f['analysis/songs'][n]['track_id'] == f['analysis/songs'][0]['track_id'])
        if not ok:
            fail(f'{os.path.basename(path)}: PyTables append + h5py re-read gave unexpected shapes/values')
        print(f'{os.path.basename(path)}: PyTables append mode: {"ok" if ok else "FAILED"}')


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    d = sys.argv[1]
    with open(os.path.join(d, 'expected.json'), encoding='utf-8') as fh:
        expected = json.load(fh)
    print(f'h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}), PyTables {tables.__version__}')
    for name, songs in expected.items():
        path = os.path.join(d, name)
        before = len(failures)
        check_h5py(path, songs)
        check_pytables(path, songs)
        status = 'ok' if len(failures) == before else f'{len(failures) - before} failures'
        print(f'{name}: {len(songs)} song(s), {os.path.getsize(path)} bytes: {status}')
    for name in expected:
        if name.startswith('aggregate') and 'contiguous' not in name:  # contiguous datasets cannot grow
            check_append(os.path.join(d, name))
    print('ALL OK' if not failures else f'{len(failures)} FAILURES')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
