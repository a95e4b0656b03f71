// Writing CSV with fast-csv, atomically (temp file + rename).
import { createWriteStream } from 'node:fs';
import { format as csvFormat } from 'fast-csv';
import { withAtomicFile } from './atomic.js';

/**
 * Writes `rows` under `header` to `path` with fast-csv; the file appears only when complete.
 *
 * ```ts
 * await writeCsvAtomic('runs/predictions.csv', ['track_id', 'genre'], [['TRA…', 'rock']]);
 * ```
 */
export async function writeCsvAtomic(path: string, header: readonly string[], rows: Iterable<readonly (string | number)[]>): Promise<void> {
  await withAtomicFile(path, (tmp) => new Promise<void>((resolve, reject) => {
    const out = createWriteStream(tmp);
    const stream = csvFormat({ headers: [...header] });
    stream.on('error', reject);
    out.on('error', reject);
    out.on('finish', () => resolve());
    stream.pipe(out);
    let n = 0;
    try {
      for (const r of rows) {
        n++;
        if (r.length !== header.length) throw new RangeError(`writeCsv: ${path}: row ${n} has ${r.length} fields, header has ${header.length}`);
        stream.write(r.map((v) => (typeof v === 'number' ? (Number.isNaN(v) ? '' : String(v)) : v)));
      }
    } catch (e) {
      stream.end();
      reject(e);
      return;
    }
    stream.end();
  }));
}
