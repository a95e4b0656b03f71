// The HDF5 layer beyond what MSD files use: a SYNTHETIC file in the newest format (superblock v3,
// version-2 object headers, layout v4; made by fixtures/h5-latest.py with h5py libver='latest'),
// a big-endian member, int16, and a clear error for the chunk indexes we do not support.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { H5File } from '../src/msd/h5.js';
import { MsdFile, MsdFormatError } from '../src/index.js';

const bytes = readFileSync(new URL('./fixtures/h5-latest.h5', import.meta.url));

describe('HDF5 1.10 "latest" format', () => {
  it('reads a contiguous compound table and a 2-D float array through v2 object headers', () => {
    const f = new H5File(bytes);
    const t = f.dataset('/analysis/songs')!.readTable();
    expect(t.rows).toBe(2);
    expect(Array.from(t.columns.a_int as Int32Array)).toEqual([1, -2]);
    expect(t.columns.a_int).toBeInstanceOf(Int32Array);
    expect((t.columns.b_float as Float64Array)[0]).toBe(0.5);
    expect((t.columns.b_float as Float64Array)[1]).toBeNaN();
    expect(t.columns.c_str).toEqual(['one', 'déux']);
    expect(Array.from(t.columns.d_small as Float64Array)).toEqual([-3, 7]); // int16 widened
    expect(Array.from(t.columns.e_be as Float64Array)).toEqual([1.25, -2.5]); // big-endian member
    const m = f.dataset('/analysis/matrix')!;
    expect(m.shape).toEqual([3, 12]);
    expect(Array.from(m.readNumbers())).toEqual(Array.from({ length: 36 }, (_, i) => i));
    expect(f.dataset('/analysis/nope')).toBeNull();
    expect(f.dataset('/nope/songs')).toBeNull();
  });

  it('says which chunk index is unsupported, and MsdFile says it is not an MSD file', () => {
    const f = new H5File(bytes);
    expect(() => f.dataset('/analysis/chunked')!.readNumbers()).toThrow(/chunk index "fixed array" \(HDF5 1\.10\+ format\) is not supported/);
    expect(() => MsdFile.open(bytes, { name: 'latest.h5' })).toThrow(MsdFormatError);
    expect(() => MsdFile.open(bytes, { name: 'latest.h5' })).toThrow(/msd: latest\.h5: missing group \/metadata/);
  });
});
