// Atomic file output: write to a temporary sibling, then rename over the target, so a crash or a
// bad row never leaves a half-written file behind.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

let counter = 0;

/** A temporary path next to `path` (same directory, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
}

/**
 * Writes `data` to `path` atomically (temp file + rename); creates the parent directory.
 *
 * ```ts
 * writeFileAtomic('runs/model.json', JSON.stringify(meta));
 * ```
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Runs `write(tmp)` (which fills the temporary file, e.g. by streaming), then renames it to `path`;
 * on any error the temporary file is removed and `path` is left untouched.
 */
export async function withAtomicFile<T>(path: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const r = await write(tmp);
    renameSync(tmp, path);
    return r;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
