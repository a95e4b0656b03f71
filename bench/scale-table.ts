// The scale suite's labelled table: the shared tagtraum-joined CSV repeated, each copy with its own
// MSD-shaped track, song and artist ids (seeded), so an artist-disjoint split still works and no two copies
// share an artist. 925 copies of its 1,082 rows = 1,000,850 rows (~200 MB). Generated data: never commit it.
//   npx tsx --conditions=source bench/scale-table.ts --copies 925 -o bench/.cache/scale/table-925.csv
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@timbre/tensor';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
/** The source table, read relative to the repository root (`<repo>/../shared/data`). */
export const SOURCE_TABLE = path.resolve(benchDir, '..', '..', 'shared', 'data', 'msd10k-tagtraum-cd1-joined', 'msd10k_tagtraum_cd1.csv');
/** Where the suite keeps generated tables and outputs (gitignored: `.cache/`). */
export const CACHE_DIR = path.join(benchDir, '.cache', 'scale');

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `k` seeded characters of [0-9A-Z]. */
function randomChars(rng: Rng, k: number): string {
  let s = '';
  for (let i = 0; i < k; i++) s += ALNUM[rng.int(36)];
  return s;
}

/** `n` in base 36, upper case, left-padded to `width` (throws if it does not fit: ids must stay unique). */
function base36(n: number, width: number): string {
  const s = n.toString(36).toUpperCase();
  if (s.length > width) throw new RangeError(`scale-table: ${n} does not fit ${width} base-36 digits`);
  return s.padStart(width, '0');
}

/**
 * An 18-character MSD-style id: prefix (TR, SO, AR), copy (3 base-36 digits), index within the copy (3), then 10
 * seeded characters. Copy and index make it unique; the random tail makes ids look and hash like real ones.
 */
function makeId(prefix: string, copy: number, index: number, rng: Rng): string {
  return prefix + base36(copy, 3) + base36(index, 3) + randomChars(rng, 10);
}

/** Rows in the source table (its data rows, not counting the header). */
export function sourceRows(source = SOURCE_TABLE): number {
  return readSource(source).lines.length;
}

function readSource(source: string): { header: string; lines: string[] } {
  const text = readFileSync(source, 'utf8');
  const all = text
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l !== '');
  const header = all[0];
  if (!header.startsWith('track_id,song_id,artist_name,')) {
    throw new Error(
      `scale-table: ${source}: expected the header to start with track_id,song_id,artist_name (the tagtraum-joined CSV), got "${header.slice(0, 60)}"`,
    );
  }
  return { header, lines: all.slice(1) };
}

/**
 * Writes `copies` copies of the source table to `output` with fresh ids and an `artist_id` column after
 * `song_id` (which preprocessing groups by), atomically. Same seed, same file. Returns the data-row count.
 */
export function writeScaleTable(options: { copies: number; output: string; seed?: number; source?: string }): number {
  const { copies, output, seed = 20, source = SOURCE_TABLE } = options;
  if (!Number.isInteger(copies) || copies < 1) throw new RangeError(`scale-table: copies must be a positive integer, got ${copies}`);
  const { header, lines } = readSource(source);
  // track_id and song_id are unquoted ids and the artist name is never quoted in this file, so each line is
  // `track,song,artist,rest` split at its first three commas; a quoted artist would need a real CSV parser.
  const parts = lines.map((l, i) => {
    const a = l.indexOf(','),
      b = l.indexOf(',', a + 1),
      c = l.indexOf(',', b + 1);
    if (a < 0 || b < 0 || c < 0 || l[b + 1] === '"')
      throw new Error(`scale-table: ${source}: data row ${i + 1} does not start with unquoted track_id,song_id,artist_name`);
    return { artist: l.slice(b + 1, c), tail: l.slice(b + 1) };
  });
  const artistIndex = new Map<string, number>();
  for (const p of parts) if (!artistIndex.has(p.artist)) artistIndex.set(p.artist, artistIndex.size);
  const rng = new Rng(seed);
  mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  const tmp = `${output}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `track_id,song_id,artist_id,${header.slice('track_id,song_id,'.length)}\n`);
    for (let copy = 0; copy < copies; copy++) {
      // One id per original artist in this copy: the copy's songs by an artist keep sharing it.
      const artistIds = [...artistIndex.values()].map((k) => makeId('AR', copy, k, rng));
      let chunk = '';
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        chunk += `${makeId('TR', copy, i, rng)},${makeId('SO', copy, i, rng)},${artistIds[artistIndex.get(p.artist)!]},${p.tail}\n`;
      }
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, output);
  return copies * parts.length;
}

/** The cached table of `copies` copies under bench/.cache/scale (written once per copies and seed). */
export function cachedScaleTable(copies: number, seed = 20): { file: string; rows: number; generated: boolean } {
  const file = path.join(CACHE_DIR, `table-${copies}x-seed${seed}.csv`);
  if (existsSync(file)) return { file, rows: copies * sourceRows(), generated: false };
  return { file, rows: writeScaleTable({ copies, output: file, seed }), generated: true };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const copies = Number(at('--copies') ?? 925),
    output = at('-o') ?? at('--output'),
    seed = Number(at('--seed') ?? 20);
  if (output === undefined) {
    console.error('usage: npx tsx --conditions=source bench/scale-table.ts [--copies 925] [--seed 20] -o <file.csv>');
    process.exitCode = 2;
  } else {
    const t0 = performance.now();
    const rows = writeScaleTable({ copies, output, seed });
    console.log(
      `wrote ${rows} rows (${copies} copies of ${path.relative(process.cwd(), SOURCE_TABLE)}) to ${output} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}
