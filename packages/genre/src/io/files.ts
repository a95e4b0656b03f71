// Walking a folder tree for input files. Paths are also given relative to the root with '/'
// separators, so listings sort the same on every machine. Directories and files are identified by
// (device, inode) from one stat each, so the walk costs one system call per entry whatever the depth,
// a symlink loop is seen when its target is a folder on the current path, and a file reached through
// several links is listed once.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One input file: absolute path and the '/'-separated path relative to the input root. */
export interface InputFile {
  readonly path: string;
  readonly rel: string;
}

/** Something the walk could not use: a dangling link, a symlink loop, a folder it cannot read. */
export interface SkippedPath {
  readonly path: string;
  readonly rel: string;
  readonly reason: string;
}

/** Options of {@link listFiles}. */
export interface ListFilesOptions {
  /**
   * Receives what was skipped: unreadable folders, dangling links, symlink loops. Without it, an
   * unreadable folder is an error (nothing under it would be listed) and the others are skipped silently.
   */
  readonly onSkip?: (skipped: SkippedPath) => void;
}

const idOf = (s: Stats): string => `${s.dev}:${s.ino}`;
const byRel = (a: { rel: string }, b: { rel: string }): number => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);
const errText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code !== undefined ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}` : String(e);
};

/**
 * Every file under `root` whose name ends in `extension` (case-insensitive), at any depth, sorted by
 * relative path. Symlinks are followed; a file or folder reached through several links is listed or
 * walked once (under its first relative path); symlink loops and dangling links are skipped, and
 * folders that cannot be read are reported (see `onSkip`). Only regular files are listed: a folder or
 * a FIFO named `x.h5` is not a file. A file path is accepted as a one-file input.
 *
 * ```ts
 * listFiles('MillionSongSubset/data', '.h5'); // [{ path: '/…/A/A/A/TRAAAAW128F429D538.h5', rel: 'A/A/A/TRAAAAW128F429D538.h5' }, …]
 * ```
 */
export function listFiles(root: string, extension: string, options: ListFilesOptions = {}): InputFile[] {
  const ext = extension.toLowerCase();
  const st = statSync(root);
  if (st.isFile()) return [{ path: root, rel: root.split(sep).pop()! }];
  if (!st.isDirectory()) throw new Error(`${root}: not a file or a folder`);
  const found: (InputFile & { id: string })[] = [];
  const walked = new Set<string>();
  const onPath = new Map<string, string>(); // folders on the current path: id -> rel
  const rel = (p: string): string => relative(root, p).split(sep).join('/');
  const skip = (path: string, reason: string, fatal: boolean): void => {
    const s = { path, rel: rel(path), reason };
    if (options.onSkip !== undefined) options.onSkip(s);
    else if (fatal) throw new Error(`${path}: ${reason}`);
  };
  const walk = (dir: string, id: string): void => {
    walked.add(id);
    onPath.set(id, rel(dir));
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      onPath.delete(id);
      skip(dir, `cannot read the folder (${errText(e)})`, true);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      const isLink = e.isSymbolicLink();
      if (!isLink && !e.isDirectory() && !e.isFile()) continue; // FIFOs, sockets, devices
      if (!isLink && e.isFile() && !e.name.toLowerCase().endsWith(ext)) continue; // no stat for files we do not want
      let s: Stats;
      try {
        s = statSync(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (isLink && code === 'ENOENT') skip(p, 'dangling symlink (its target does not exist)', false);
        else if (code === 'ELOOP') skip(p, 'symlink loop (the link resolves to itself)', false);
        else skip(p, `cannot read (${errText(err)})`, false);
        continue;
      }
      if (s.isDirectory()) {
        const target = idOf(s);
        const ancestor = onPath.get(target);
        if (ancestor !== undefined) skip(p, `symlink loop (points to ${ancestor === '' ? 'the input root' : ancestor}, a folder above it)`, false);
        else if (!walked.has(target)) walk(p, target);
      } else if (s.isFile() && e.name.toLowerCase().endsWith(ext)) {
        found.push({ path: p, rel: rel(p), id: idOf(s) });
      }
    }
    onPath.delete(id);
  };
  walk(root, idOf(st));
  found.sort(byRel);
  const seen = new Set<string>();
  const out: InputFile[] = [];
  for (const f of found) {
    if (seen.has(f.id)) continue; // the same file through another link: read once
    seen.add(f.id);
    out.push({ path: f.path, rel: f.rel });
  }
  return out;
}
