// Atomic file output for every package: write a temporary sibling, flush it to disk, rename it over
// the target and flush the directory, so a crash or an error never leaves a half-written file and a
// finished write survives a power cut.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `fsync`: flush file and directory to disk (default true; false trades crash safety for speed). */
export interface AtomicWriteOptions {
  /** Flush the file and its directory to disk before returning (default true). */
  readonly fsync?: boolean;
}

let counter = 0;

/** A temporary path beside `path` (same directory, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
}

function syncPath(path: string, flags: string): void {
  let fd = -1;
  try {
    fd = openSync(path, flags);
    fsyncSync(fd);
  } catch (e) {
    // Directories cannot be opened or synced on some platforms (Windows): the rename is still atomic.
    if (flags === 'r+') throw e;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Flushes `tmp`, renames it to `path` and flushes the directory (or only renames, with fsync false). */
export function commitTempFile(tmp: string, path: string, options: AtomicWriteOptions = {}): void {
  const sync = options.fsync !== false;
  if (sync) syncPath(tmp, 'r+');
  renameSync(tmp, path);
  if (sync) syncPath(dirname(path), 'r');
}

/**
 * Writes `data` to `path` atomically; creates the parent directory.
 *
 * ```ts
 * writeFileAtomic('runs/model.json', JSON.stringify(meta));
 * ```
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    commitTempFile(tmp, path, options);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Runs `write(tmpPath)` (which fills the temporary file, e.g. by streaming), then commits it to `path`;
 * on any error the temporary file is removed and `path` is left untouched.
 *
 * ```ts
 * await withAtomicFile('out.csv', async (tmp) => { await pipeline(rows, createWriteStream(tmp)); });
 * ```
 */
export async function withAtomicFile<T>(path: string, write: (tmpPath: string) => Promise<T>, options: AtomicWriteOptions = {}): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const r = await write(tmp);
    commitTempFile(tmp, path, options);
    return r;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
