// Shared helpers of the msd-*/extract-*/audio-* tests: where the real data lives, a directory walk
// and a small CSV loader (fast-csv). Tests read ../shared/data in place, never copy it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFile } from 'fast-csv';
import { inflateRawSync } from 'node:zlib';

export const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const H5_ROOT = join(DATA, 'msd10k-h5', 'data');
export const BAD_DIR = join(DATA, 'msd-h5-bad');

/** Every .h5 file under `dir`, sorted. */
export function listH5(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.h5')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** A CSV with a header row, as objects of strings. */
export function loadCsv(path: string): Promise<Record<string, string>[]> {
  return new Promise((resolve, reject) => {
    const rows: Record<string, string>[] = [];
    parseFile(path, { headers: true })
      .on('error', reject)
      .on('data', (r: Record<string, string>) => rows.push(r))
      .on('end', () => resolve(rows));
  });
}

/**
 * A CSV whose quoted fields may hold unescaped quotes (the AGeoCoder SongCSV writer wrapped strings
 * in quotes without escaping): a quoted field ends at a quote followed by a comma or the line end.
 */
export function loadLooseCsv(path: string): Record<string, string>[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const split = (line: string): string[] => {
    const out: string[] = [];
    let i = 0;
    for (;;) {
      if (line[i] === '"') {
        let j = i + 1;
        for (;;) {
          const q = line.indexOf('"', j);
          if (q < 0) throw new Error(`unterminated quote in: ${line}`);
          if (q === line.length - 1 || line[q + 1] === ',') {
            out.push(line.slice(i + 1, q));
            i = q + 1;
            break;
          }
          j = q + 1;
        }
      } else {
        const c = line.indexOf(',', i);
        out.push(line.slice(i, c < 0 ? line.length : c));
        i = c < 0 ? line.length : c;
      }
      if (i >= line.length) break;
      i++; // the comma
      if (i === line.length) {
        out.push('');
        break;
      }
    }
    return out;
  };
  const header = split(lines[0]);
  return lines.slice(1).map((l) => {
    const cells = split(l);
    if (cells.length !== header.length) throw new Error(`${path}: ${cells.length} cells, expected ${header.length}: ${l}`);
    return Object.fromEntries(header.map((h, k) => [h, cells[k]]));
  });
}

/** One array of a NumPy .npz file: little-endian f8 / i4 / i8 / <U strings (C order). */
export interface NpyArray {
  shape: number[];
  data: Float64Array | Int32Array | number[] | string[];
}

/** Reads every array of a .npz (a zip of .npy files; stored or deflated entries). */
export function readNpz(path: string): Record<string, NpyArray> {
  const zip = readFileSync(path);
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${path}: not a zip file`);
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out: Record<string, NpyArray> = {};
  for (let e = 0; e < entries; e++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const method = zip.readUInt16LE(p + 10),
      csize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28),
      extraLen = zip.readUInt16LE(p + 30),
      commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + csize);
    const npy = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : null;
    if (npy === null) throw new Error(`${path}: ${name}: zip method ${method}`);
    out[name.replace(/\.npy$/, '')] = parseNpy(npy, `${path}:${name}`);
  }
  return out;
}

function parseNpy(b: Buffer, what: string): NpyArray {
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${what}: not .npy`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = b.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const n = shape.reduce((a, c) => a * c, 1);
  const body = b.subarray(hstart + hlen);
  const copy = (bytes: number): ArrayBuffer => body.buffer.slice(body.byteOffset, body.byteOffset + bytes) as ArrayBuffer;
  if (fortran && (descr !== '<f8' || shape.length !== 2)) throw new Error(`${what}: Fortran order only for 2-D <f8`);
  if (descr === '<f8' && fortran) {
    const f = new Float64Array(copy(8 * n)),
      c = new Float64Array(n),
      [R, C] = shape;
    for (let r = 0; r < R; r++) for (let k = 0; k < C; k++) c[r * C + k] = f[k * R + r];
    return { shape, data: c };
  }
  if (descr === '<f8') return { shape, data: new Float64Array(copy(8 * n)) };
  if (descr === '<i4') return { shape, data: new Int32Array(copy(4 * n)) };
  if (descr === '<i8') return { shape, data: Array.from(new BigInt64Array(copy(8 * n)), Number) };
  const u = /^<U(\d+)$/.exec(descr);
  if (u !== null) {
    const len = Number(u[1]);
    const cps = new Uint32Array(copy(4 * len * n));
    const strs: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = '';
      for (let k = 0; k < len; k++) {
        const cp = cps[i * len + k];
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      strs.push(s);
    }
    return { shape, data: strs };
  }
  throw new Error(`${what}: dtype ${descr} unsupported`);
}
