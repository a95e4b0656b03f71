// Broken inputs (../shared/data/msd-h5-bad): each gets an MsdFormatError naming the file and saying
// what is wrong, from a path and from a buffer; never a bare string or a generic crash.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { MsdFile, MsdFormatError, readSong, readSongs } from '../src/index.js';
import { BAD_DIR, H5_ROOT, listH5 } from './msd-helpers.js';

function errorOf(f: () => unknown): MsdFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MsdFormatError);
    return e as MsdFormatError;
  }
  throw new Error('expected an MsdFormatError, nothing was thrown');
}

const CASES: [file: string, reason: RegExp][] = [
  ['empty.h5', /empty file \(0 bytes\)/],
  ['not_hdf5.h5', /not an HDF5 file/],
  ['stub_rootonly.h5', /missing group \/metadata/],
  ['TRAXLZU12903D05F94.truncated.h5', /missing group \/metadata/],
  ['truncated_half.h5', /lies past the end of the 100000-byte file \(truncated\?\)/],
];

describe('broken MSD files', () => {
  for (const [name, reason] of CASES) {
    it(`${name}: MsdFormatError naming the file and the problem`, () => {
      const path = join(BAD_DIR, name);
      const e = errorOf(() => readSongs(path));
      expect(e.message.startsWith(`msd: ${path}: `)).toBe(true);
      expect(e.message).toMatch(reason);
      expect(e.file).toBe(path);
      const b = errorOf(() => readSong(readFileSync(path), 0, { name }));
      expect(b.message.startsWith(`msd: ${name}: `)).toBe(true);
      expect(b.message).toMatch(reason);
    });
  }

  it('truncated_half.h5 names the dataset it could not read', () => {
    const e = errorOf(() => MsdFile.open(join(BAD_DIR, 'truncated_half.h5')).songs());
    expect(e.object).toMatch(/^\/analysis\//);
  });

  it('a missing file is an MsdFormatError too', () => {
    const e = errorOf(() => readSongs(join(BAD_DIR, 'no-such-file.h5')));
    expect(e.message).toMatch(/cannot read file \(ENOENT/);
  });

  it('wraps the bare strings jsfive throws', () => {
    const src = new Uint8Array(readFileSync(listH5(H5_ROOT)[3]));
    src[8] = 5; // superblock version 5 does not exist: jsfive throws a string
    const e = errorOf(() => readSongs(src, { name: 'sb5.h5' }));
    expect(e.message).toBe('msd: sb5.h5: corrupt HDF5 (unsupported superblock version: 5)');
    expect(typeof e.cause).toBe('string');
  });

  it('a file cut anywhere gives a named MsdFormatError', () => {
    const src = readFileSync(listH5(H5_ROOT)[3]);
    // cutting the file anywhere must give a named MsdFormatError (a cut is never silently OK
    // unless nothing after the cut is needed, which for a song file is never the case)
    for (const at of [8, 64, 96, 200, 512, 800, 1500, 3000, 6000, 12000, src.length >> 1, src.length - 1]) {
      const e = errorOf(() => readSongs(src.subarray(0, at), { name: `cut-${at}.h5` }));
      expect(e.message.startsWith(`msd: cut-${at}.h5: `)).toBe(true);
    }
  });

  it('enforces the dataset size limit instead of allocating', () => {
    const src = readFileSync(listH5(H5_ROOT)[3]);
    const e = errorOf(() => readSongs(src, { name: 'tiny-limit.h5', maxDatasetBytes: 1024 }));
    expect(e.message).toMatch(/exceeds the 1024-byte limit/);
  });
});

describe('timbre extract over broken files only', () => {
  it('exits 1 when no file is readable, and the next command in the process exits 0', async () => {
    const { runCli } = await import('./cli-helpers.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'timbre-extract-bad-'));
    try {
      const r = await runCli('extract', BAD_DIR, '-o', join(dir, 'S.csv'), '-q', '-j', '0');
      expect(r.code, r.err).toBe(1);
      expect(r.out + r.err).toMatch(/0 songs from 0\/\d+ files/);
      expect((await runCli('--version')).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
