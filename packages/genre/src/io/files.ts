// Walking a folder tree for input files. Paths are also given relative to the root with '/'
// separators, so listings sort the same on every machine.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One input file: absolute path and the '/'-separated path relative to the input root. */
export interface InputFile {
  readonly path: string;
  readonly rel: string;
}

/**
 * Every file under `root` whose name ends in `extension` (case-insensitive), at any depth, sorted by
 * relative path. Symlinked directories are followed once (cycles are skipped); dangling links are
 * skipped. A file path is accepted as a one-file input.
 *
 * ```ts
 * listFiles('MillionSongSubset/data', '.h5'); // [{ path: '/…/A/A/A/TRAAAAW128F429D538.h5', rel: 'A/A/A/TRAAAAW128F429D538.h5' }, …]
 * ```
 */
export function listFiles(root: string, extension: string): InputFile[] {
  const ext = extension.toLowerCase();
  const st = statSync(root);
  if (st.isFile()) return [{ path: root, rel: root.split(sep).pop()! }];
  const out: InputFile[] = [];
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      let isDir = e.isDirectory(), isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try { const s = statSync(p); isDir = s.isDirectory(); isFile = s.isFile(); } catch { continue; } // dangling link
      }
      if (isDir) walk(p);
      else if (isFile && e.name.toLowerCase().endsWith(ext)) out.push({ path: p, rel: relative(root, p).split(sep).join('/') });
    }
  };
  walk(root);
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
