// Walking a folder tree for input files. Paths are also given relative to the root with '/'
// separators, so listings sort the same on every machine. Directories and files are identified by
// (device, inode) from one stat each; a symlink loop is seen when its target is a folder on the
// current path, and a file reached through several links is listed once. On Linux, in folders 16 or
// more levels deep, every system call names its target relative to an open descriptor of its folder
// (/proc/self/fd/N/name), so the kernel resolves two components per call instead of the whole path
// and the walk costs the same per entry at any depth; shallower folders (the MSD's are 4-8 levels
// deep), other systems and folders past the descriptor budget use full paths.
import { closeSync, constants, existsSync, openSync, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { normalize, sep } from 'node:path';

/** One input file: absolute path and the '/'-separated path relative to the input root. */
export interface InputFile {
  readonly path: string;
  readonly rel: string;
}

/** An input file with what the walk's stat said about it (the extraction manifest records both). */
export interface WalkedFile extends InputFile {
  readonly size: number;
  readonly mtimeMs: number;
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

const FD_ROOT = process.platform === 'linux' && existsSync('/proc/self/fd') ? '/proc/self/fd/' : null;
// Folder descriptors held at once (one per level of the current path). Deeper levels use full paths;
// 2,048 levels of one-letter names already exceed Linux's 4,096-byte PATH_MAX for the files below.
const MAX_HELD_FDS = 2048;
const DIR_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0);
// Below this many path components a full path resolves faster than the /proc/self/fd magic link: a
// stat through the link took 15-37 µs, one by a 7-component path 8-18 µs, by a 1,000-component path
// 750 µs (warm caches, Linux in a VM). `npm run bench -- walk` times a deep and an MSD-shaped tree.
const FD_MIN_DEPTH = 16;

const idOf = (s: Stats): string => `${s.dev}:${s.ino}`;
const errText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code !== undefined ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}` : String(e);
};
const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** A folder being listed: its entries in relative-path order and how far the walk has got. */
interface Frame {
  readonly path: string;
  readonly rel: string; // '' for the root, else 'a/b/'
  readonly id: string;
  readonly fd: number; // -1: no descriptor, system calls take `path`
  readonly depth: number; // components of `path`
  readonly items: { name: string; key: string; stats: Stats }[];
  next: number;
}

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
  return walkFiles(root, extension, options).map((f) => ({ path: f.path, rel: f.rel }));
}

/** {@link listFiles} with each file's size and modification time from the walk's own stat. */
export function walkFiles(root: string, extension: string, options: ListFilesOptions = {}): WalkedFile[] {
  const ext = extension.toLowerCase();
  const st = statSync(root);
  if (st.isFile()) return [{ path: root, rel: root.split(sep).pop()!, size: st.size, mtimeMs: st.mtimeMs }];
  if (!st.isDirectory()) throw new Error(`${root}: not a file or a folder`);
  let top = normalize(root);
  while (top.length > 1 && top.endsWith(sep)) top = top.slice(0, -1);
  const join = (dir: string, name: string): string => (dir.endsWith(sep) ? dir + name : dir + sep + name);

  const out: WalkedFile[] = [];
  const listed = new Set<string>(); // file ids already listed
  const walked = new Set<string>(); // folder ids already walked
  const onPath = new Map<string, string>(); // folders on the current path: id -> rel ('' for the root)
  const skip = (path: string, rel: string, reason: string, fatal: boolean): void => {
    if (options.onSkip !== undefined) options.onSkip({ path, rel, reason });
    else if (fatal) throw new Error(`${path}: ${reason}`);
  };
  const stack: Frame[] = [];
  let heldFds = 0;

  /** Opens and lists the folder at `path` (through `parentFd`/`name` when there is one); false if unreadable. */
  const enter = (path: string, rel: string, id: string, depth: number, parentFd: number, name: string): boolean => {
    let fd = -1;
    let entries: Dirent[];
    try {
      if (FD_ROOT !== null && depth >= FD_MIN_DEPTH && heldFds < MAX_HELD_FDS) {
        fd = openSync(parentFd >= 0 ? `${FD_ROOT}${parentFd}/${name}` : path, DIR_FLAGS);
        heldFds++;
      }
      entries = readdirSync(fd >= 0 ? `${FD_ROOT}${fd}` : path, { withFileTypes: true });
    } catch (e) {
      if (fd >= 0) {
        closeSync(fd);
        heldFds--;
      }
      skip(path, rel === '' ? '' : rel.slice(0, -1), `cannot read the folder (${errText(e)})`, true);
      return false;
    }
    const base = fd >= 0 ? `${FD_ROOT}${fd}/` : join(path, '');
    const items: Frame['items'] = [];
    for (const e of entries) {
      const isLink = e.isSymbolicLink();
      if (!isLink && !e.isDirectory() && !e.isFile()) continue; // FIFOs, sockets, devices
      if (!isLink && e.isFile() && !e.name.toLowerCase().endsWith(ext)) continue; // no stat for files we do not want
      let s: Stats;
      try {
        s = statSync(base + e.name);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const p = join(path, e.name),
          r = rel + e.name;
        if (isLink && code === 'ENOENT') skip(p, r, 'dangling symlink (its target does not exist)', false);
        else if (code === 'ELOOP') skip(p, r, 'symlink loop (the link resolves to itself)', false);
        else skip(p, r, `cannot read (${errText(err)})`, false);
        continue;
      }
      // A folder sorts as "name/", so walking in key order lists files in relative-path order.
      if (s.isDirectory()) items.push({ name: e.name, key: `${e.name}/`, stats: s });
      else if (s.isFile() && e.name.toLowerCase().endsWith(ext)) items.push({ name: e.name, key: e.name, stats: s });
    }
    items.sort(byKey);
    walked.add(id);
    onPath.set(id, rel === '' ? '' : rel.slice(0, -1));
    stack.push({ path, rel, id, fd, depth, items, next: 0 });
    return true;
  };

  enter(top, '', idOf(st), top.split(sep).length - 1, -1, '');
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.next === f.items.length) {
      stack.pop();
      onPath.delete(f.id);
      if (f.fd >= 0) {
        closeSync(f.fd);
        heldFds--;
      }
      continue;
    }
    const item = f.items[f.next++];
    const path = join(f.path, item.name),
      rel = f.rel + item.name;
    const id = idOf(item.stats);
    if (item.stats.isDirectory()) {
      const ancestor = onPath.get(id);
      if (ancestor !== undefined) skip(path, rel, `symlink loop (points to ${ancestor === '' ? 'the input root' : ancestor}, a folder above it)`, false);
      else if (!walked.has(id)) {
        try {
          enter(path, `${rel}/`, id, f.depth + 1, f.fd, item.name);
        } catch (e) {
          for (const g of stack) if (g.fd >= 0) closeSync(g.fd);
          throw e;
        }
      }
    } else if (!listed.has(id)) {
      // the same file through another link: read once
      listed.add(id);
      out.push({ path, rel, size: item.stats.size, mtimeMs: item.stats.mtimeMs });
    }
  }
  return out;
}
