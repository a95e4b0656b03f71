// The generic HDF5 writer, read back by jsfive (numbers, strings, 2-D, empty, attributes, groups) and
// by the project's reader (compound tables, which jsfive cannot decode), in both storage layouts.
import { describe, expect, it } from 'vitest';
import * as hdf5 from 'jsfive';
import { Rng } from '@timbre/tensor';
import {
  encodeCompound,
  encodeFixedStrings,
  encodeFloat64,
  encodeHdf5,
  encodeInt32,
  datatypeSize,
  type H5Dataset,
  type H5Datatype,
  type H5Group,
} from '../src/msd/hdf5-writer.js';
import { H5File } from '../src/msd/h5.js';

interface JsfiveDataset {
  shape: number[];
  dtype: unknown;
  value: unknown[];
  attrs: Record<string, unknown>;
}
interface JsfiveGroup {
  keys: string[];
  attrs: Record<string, unknown>;
  get(path: string): JsfiveDataset & JsfiveGroup;
}

function openJsfive(bytes: Uint8Array): JsfiveGroup {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return new (hdf5 as unknown as { File: new (b: ArrayBuffer, name: string) => JsfiveGroup }).File(ab, 'test.h5');
}

const stripNul = (s: unknown): string => String(s).replace(/\0+$/, '');

const ds = (name: string, type: H5Datatype, shape: number[], data: Uint8Array, extra: Partial<H5Dataset> = {}): H5Dataset => ({
  kind: 'dataset',
  name,
  type,
  shape,
  data,
  ...extra,
});

const F64 = { class: 'float64' } as const;
const I32 = { class: 'int32' } as const;

// values chosen to catch byte-order, sign and special-value mistakes
const floats = [0, -0, 1.5, -2.25e-310, 1e308, -1e300, Math.PI, NaN, Infinity, -Infinity];
const ints = [0, 1, -1, 2147483647, -2147483648, 123456789, -98765];
const strings = ['', 'ARX', 'héllo wörld', 'Björk — 日本語', 'x'.repeat(20)];
const matrix = Float64Array.from({ length: 203 * 12 }, (_, i) => (i % 97) * 0.125 - 3); // 203 rows: edge chunks

function sampleTree(): H5Group {
  return {
    kind: 'group',
    name: '/',
    attrs: [
      { name: 'TITLE', value: 'H5 Song File' },
      { name: 'N', value: { int32: -7 } },
      { name: 'BIG', value: { int64: 2 ** 40 } },
      { name: 'X', value: { float64: 0.25 } },
    ],
    children: [
      {
        kind: 'group',
        name: 'g',
        attrs: [{ name: 'CLASS', value: 'GROUP' }],
        children: [
          ds('f', F64, [floats.length], encodeFloat64(floats), { maxShape: [null], chunkShape: [3] }),
          ds('i', I32, [ints.length], encodeInt32(ints), { maxShape: [null], chunkShape: [4] }),
          ds('s', { class: 'string', size: 20 }, [strings.length], encodeFixedStrings(strings, 20), { maxShape: [null] }),
          ds('m', F64, [203, 12], encodeFloat64(matrix), { maxShape: [null, 12], chunkShape: [85, 12] }),
          ds('empty_f', F64, [0], new Uint8Array(0), { maxShape: [null], chunkShape: [1024] }),
          ds('empty_s', { class: 'string', size: 256 }, [0], new Uint8Array(0), { maxShape: [null], chunkShape: [32] }),
          ds('empty_m', F64, [0, 12], new Uint8Array(0), { maxShape: [null, 12], chunkShape: [85, 12] }),
          ds('empty_i', I32, [0], new Uint8Array(0), { maxShape: [null] }),
        ],
      },
      // more children than one symbol-table node holds (8), names out of order
      { kind: 'group', name: 'many', children: Array.from({ length: 30 }, (_, k) => ds(`d${(k * 7) % 30}`, I32, [1], encodeInt32([(k * 7) % 30]))) },
      { kind: 'group', name: 'empty_group', children: [] },
    ],
  };
}

describe.each(['chunked', 'contiguous'] as const)('encodeHdf5 (%s) read back by jsfive', (storage) => {
  const f = openJsfive(encodeHdf5(sampleTree(), { storage }));

  it('lists groups and children (sorted by name, several symbol-table nodes)', () => {
    expect(f.keys.sort()).toEqual(['empty_group', 'g', 'many']);
    expect(f.get('empty_group').keys).toEqual([]);
    const many = f.get('many');
    expect([...many.keys].sort()).toEqual(Array.from({ length: 30 }, (_, k) => `d${k}`).sort());
    for (let k = 0; k < 30; k++) expect(f.get(`many/d${k}`).value).toEqual([k]);
  });

  it('round-trips float64 (NaN, ±Inf, -0, subnormal) and int32 extremes', () => {
    const fv = f.get('g/f');
    expect(fv.shape).toEqual([floats.length]);
    const got = fv.value as number[];
    for (let i = 0; i < floats.length; i++) expect(Object.is(got[i], floats[i]), `f[${i}]`).toBe(true);
    expect(f.get('g/i').value).toEqual(ints);
  });

  it('round-trips fixed-length UTF-8 strings (NUL padded)', () => {
    const got = (f.get('g/s').value as string[]).map(stripNul);
    expect(got).toEqual(strings);
  });

  it('round-trips a 2-D array whose rows do not fill the last chunk', () => {
    const m = f.get('g/m');
    expect(m.shape).toEqual([203, 12]);
    expect(Float64Array.from(m.value as number[])).toEqual(matrix);
  });

  it('writes zero-length 1-D, 2-D and string arrays', () => {
    expect(f.get('g/empty_f').shape).toEqual([0]);
    expect(f.get('g/empty_f').value).toHaveLength(0);
    expect(f.get('g/empty_s').value).toHaveLength(0);
    expect(f.get('g/empty_m').shape).toEqual([0, 12]);
    expect(f.get('g/empty_m').value).toHaveLength(0);
    expect(f.get('g/empty_i').value).toHaveLength(0);
  });

  it('writes scalar attributes (string, int32, int64, float64)', () => {
    expect(stripNul(f.attrs.TITLE)).toBe('H5 Song File');
    expect(f.attrs.N).toBe(-7);
    expect(Number(f.attrs.BIG)).toBe(2 ** 40);
    expect(f.attrs.X).toBe(0.25);
    expect(stripNul(f.get('g').attrs.CLASS)).toBe('GROUP');
  });
});

describe('compound datasets read back by the project reader', () => {
  const type = {
    class: 'compound',
    members: [
      { name: 'a_name', type: { class: 'string', size: 16 } },
      { name: 'b_int', type: I32 },
      { name: 'c_float', type: F64 },
      { name: 'd_str', type: { class: 'string', size: 3 } },
    ],
  } as const;
  const rows = 40; // > the 3-row chunks: several chunks, an edge chunk
  const cols = {
    a_name: Array.from({ length: rows }, (_, r) => (r % 5 === 0 ? `Zoë ${r}` : `row${r}`)),
    b_int: Array.from({ length: rows }, (_, r) => (r - 20) * 100000),
    c_float: Array.from({ length: rows }, (_, r) => (r === 7 ? NaN : r / 3)),
    d_str: Array.from({ length: rows }, (_, r) => 'abc'.slice(0, r % 4)),
  };

  it.each(['chunked', 'contiguous'] as const)('%s: every column of every row', (storage) => {
    expect(datatypeSize(type)).toBe(16 + 4 + 8 + 3);
    const bytes = encodeHdf5(
      {
        kind: 'group',
        name: '/',
        children: [
          { kind: 'group', name: 't', children: [ds('songs', type, [rows], encodeCompound(type, rows, cols), { maxShape: [null], chunkShape: [3] })] },
        ],
      },
      { storage },
    );
    const table = new H5File(bytes).dataset('/t/songs')!.readTable();
    expect(table.rows).toBe(rows);
    expect(table.columns.a_name).toEqual(cols.a_name);
    expect(Array.from(table.columns.b_int as Int32Array)).toEqual(cols.b_int);
    expect(Array.from(table.columns.c_float as Float64Array)).toEqual(cols.c_float);
    expect(table.columns.d_str).toEqual(cols.d_str);
  });
});

describe('chunking and compression', () => {
  it('grows the chunk when a dataset would need more than one B-tree leaf of chunks', () => {
    const n = 5000;
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const bytes = encodeHdf5({ kind: 'group', name: '/', children: [ds('x', F64, [n], encodeFloat64(values), { maxShape: [null], chunkShape: [10] })] });
    expect(Float64Array.from(openJsfive(bytes).get('x').value as number[])).toEqual(values);
  });

  it('deflate shrinks compressible data; deflateLevel 0 stores raw chunks that still read back', () => {
    const zeros = new Float64Array(10000);
    const tree = (): H5Group => ({
      kind: 'group',
      name: '/',
      children: [ds('z', F64, [zeros.length], encodeFloat64(zeros), { maxShape: [null], chunkShape: [1024] })],
    });
    const packed = encodeHdf5(tree());
    const raw = encodeHdf5(tree(), { deflateLevel: 0 });
    expect(packed.length).toBeLessThan(raw.length / 10);
    expect(openJsfive(raw).get('z').value).toEqual(Array.from(zeros));
    expect(openJsfive(packed).get('z').value).toEqual(Array.from(zeros));
  });
});

describe('bad input', () => {
  const root = (child: H5Dataset): H5Group => ({ kind: 'group', name: '/', children: [child] });

  it('rejects data whose length does not match the shape, naming the dataset', () => {
    expect(() => encodeHdf5(root(ds('x', F64, [3], encodeFloat64([1, 2]))))).toThrow(/\/x: data has 16 bytes but shape \[3\]/);
  });
  it('rejects strings longer than their field and non-int32 numbers', () => {
    expect(() => encodeFixedStrings(['ok', 'much too long'], 4, 'names')).toThrow(/names\[1\] is 13 UTF-8 bytes, longer than its 4-byte field/);
    expect(() => encodeFixedStrings(['é'], 1)).toThrow(RangeError); // 2 UTF-8 bytes
    expect(() => encodeInt32([1, 2.5], 'idx')).toThrow(/idx\[1\] = 2.5 is not an int32/);
    expect(() => encodeInt32([2 ** 31])).toThrow(RangeError);
  });
  it('names the row and field of a bad compound value', () => {
    const type = {
      class: 'compound',
      members: [
        { name: 'n', type: I32 },
        { name: 's', type: { class: 'string', size: 2 } },
      ],
    } as const;
    expect(() => encodeCompound(type, 2, { n: [1, 2], s: ['ab', 'abc'] }, '/t')).toThrow(/\/t row 1 field s/);
    expect(() => encodeCompound(type, 2, { n: [1, NaN], s: ['a', 'b'] }, '/t')).toThrow(/\/t row 1 field n = NaN is not an int32/);
    expect(() => encodeCompound(type, 2, { n: [1, 2] }, '/t')).toThrow(/missing column s/);
  });
  it('rejects duplicate and invalid child names', () => {
    const d = ds('x', I32, [1], encodeInt32([1]));
    expect(() => encodeHdf5({ kind: 'group', name: '/', children: [d, d] })).toThrow(/duplicate child name "x"/);
    expect(() => encodeHdf5(root(ds('a/b', I32, [1], encodeInt32([1]))))).toThrow(/bad child name/);
  });
});

describe('random shapes and chunk shapes (seeded)', () => {
  // 40 datasets of rank 1..3 with random (sometimes zero) dims and chunk shapes smaller or larger than
  // the data, so chunks split every dimension and edge chunks are partial in several dims at once.
  const rng = new Rng(20260);
  const cases = Array.from({ length: 40 }, (_, c) => {
    const rank = 1 + rng.int(3);
    const shape = Array.from({ length: rank }, (_, d) => (d === 0 && rng.uniform() < 0.1 ? 0 : 1 + rng.int(d === 0 ? 60 : 9)));
    const chunkShape = shape.map((d) => 1 + rng.int(Math.max(1, d + 3)));
    const n = shape.reduce((a, b) => a * b, 1);
    const isInt = c % 3 === 0;
    const values = Array.from({ length: n }, () => (isInt ? rng.int(2000) - 1000 : rng.normal() * 100));
    return { name: `d${c}`, shape, chunkShape, values, isInt };
  });
  const tree: H5Group = {
    kind: 'group',
    name: '/',
    children: cases.map((k) =>
      ds(k.name, k.isInt ? I32 : F64, k.shape, k.isInt ? encodeInt32(k.values) : encodeFloat64(k.values), {
        maxShape: k.shape.map((d, i) => (i === 0 ? null : d)),
        chunkShape: k.chunkShape,
      }),
    ),
  };

  it.each(['chunked', 'contiguous'] as const)('%s: jsfive and the project reader read every element back', (storage) => {
    const bytes = encodeHdf5(tree, { storage });
    const f = openJsfive(bytes);
    const h5 = new H5File(bytes);
    for (const k of cases) {
      const where = `${k.name} shape [${k.shape}] chunk [${k.chunkShape}]`;
      expect(f.get(k.name).shape, where).toEqual(k.shape);
      expect(Array.from(f.get(k.name).value as number[]), where).toEqual(k.values);
      const d = h5.dataset(`/${k.name}`)!;
      expect(d.shape, where).toEqual(k.shape);
      expect(Array.from(d.readNumbers()), where).toEqual(k.values);
    }
  });
});
