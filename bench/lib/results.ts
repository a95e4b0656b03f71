// Writes bench/results/<name>.json atomically (temp file + rename), so a crash mid-run never
// leaves a half-written result. Also writes <name>.meta.json with the machine info.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MachineInfo } from './machine.js';

/** bench/results, resolved from this file so the cwd does not matter. */
export const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * Writes `records` (one object per measured case) to bench/results/<name>.json and
 * the run's context to bench/results/<name>.meta.json. Returns the results path, or null for a
 * filtered run (`only` non-empty: part of the suite), which must not replace a full run's results.
 */
export function writeResults(
  name: string,
  records: unknown[],
  meta: { machine: MachineInfo; quick: boolean; [k: string]: unknown },
  only: readonly string[] = [],
): string | null {
  const file = path.join(resultsDir, `${name}.json`);
  if (only.length > 0) {
    console.log(`(filtered run: ${path.relative(process.cwd(), file)} not written)`);
    return null;
  }
  writeAtomic(file, JSON.stringify(records, null, 2) + '\n');
  writeAtomic(path.join(resultsDir, `${name}.meta.json`), JSON.stringify(meta, null, 2) + '\n');
  return file;
}
