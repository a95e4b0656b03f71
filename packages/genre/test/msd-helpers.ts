// Shared helpers of the msd-*/extract-*/audio-* tests: where the real data lives, a directory walk
// and a small CSV loader (fast-csv). Tests read ../shared/data in place, never copy it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFile } from 'fast-csv';

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
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const split = (line: string): string[] => {
    const out: string[] = [];
    let i = 0;
    for (;;) {
      if (line[i] === '"') {
        let j = i + 1;
        for (;;) {
          const q = line.indexOf('"', j);
          if (q < 0) throw new Error(`unterminated quote in: ${line}`);
          if (q === line.length - 1 || line[q + 1] === ',') { out.push(line.slice(i + 1, q)); i = q + 1; break; }
          j = q + 1;
        }
      } else {
        const c = line.indexOf(',', i);
        out.push(line.slice(i, c < 0 ? line.length : c));
        i = c < 0 ? line.length : c;
      }
      if (i >= line.length) break;
      i++; // the comma
      if (i === line.length) { out.push(''); break; }
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
