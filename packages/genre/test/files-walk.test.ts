// The folder walk on file systems as they are: a very deep tree, a file reached through several
// symlinks (listed once), symlink loops and dangling links (skipped and reported), folders named
// like files, unreadable folders (reported; extraction lists them in its errors file and goes on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles, walkFiles, type SkippedPath } from '../src/io/files.js';
import { extractMsd } from '../src/extract/extract.js';
import { generateSyntheticCorpus } from '../src/msd/synthetic.js';

const asRoot = process.getuid?.() === 0; // permissions do not stop root
let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'timbre-walk-'));
});
afterAll(() => {
  for (const d of locked) chmodSync(d, 0o755);
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});
const locked: string[] = [];

const walk = (root: string): { files: string[]; skipped: SkippedPath[] } => {
  const skipped: SkippedPath[] = [];
  const files = listFiles(root, '.h5', { onSkip: (s) => skipped.push(s) }).map((f) => f.rel);
  return { files, skipped: skipped.sort((a, b) => (a.rel < b.rel ? -1 : 1)) };
};

describe('listFiles', () => {
  it('walks a 1,000-deep tree', () => {
    const root = join(tmp, 'deep');
    const parts = Array.from({ length: 1000 }, () => 'd');
    mkdirSync(join(root, ...parts), { recursive: true });
    writeFileSync(join(root, ...parts, 'bottom.h5'), 'x');
    writeFileSync(join(root, 'd', 'top.h5'), 'x');
    const { files, skipped } = walk(root);
    expect(files).toEqual([`${parts.join('/')}/bottom.h5`, 'd/top.h5']);
    expect(skipped).toEqual([]);
  });

  it('walks a wide tree in the MSD layout: exactly its .h5 files, in relative-path order, with their sizes', () => {
    const root = join(tmp, 'wide');
    const expected: string[] = [];
    const L = 'ABCDEFGH';
    for (const a of L)
      for (const b of L)
        for (const c of 'ABC') {
          const dir = join(root, a, b, c);
          mkdirSync(dir, { recursive: true });
          for (let k = 0; k < 5; k++) {
            const name = `TR${a}${b}${c}${k}.${k === 4 ? 'H5' : 'h5'}`;
            writeFileSync(join(dir, name), 'x'.repeat(k));
            expected.push(`${a}/${b}/${c}/${name}`);
          }
          writeFileSync(join(dir, 'notes.txt'), 'not an input');
        }
    // Folder and file names that sort differently from the paths under them: 'a-b.h5' < 'a.h5' < 'a/x.h5'.
    mkdirSync(join(root, 'a'));
    for (const f of ['a/x.h5', 'a.h5', 'a-b.h5']) {
      writeFileSync(join(root, f), 'y');
      expected.push(f);
    }
    expected.sort();
    const walked = walkFiles(root, '.h5');
    expect(walked.map((f) => f.rel)).toEqual(expected);
    expect(walked.map((f) => f.size)).toEqual(expected.map((r) => statSync(join(root, r)).size));
    expect(walked.map((f) => f.path)).toEqual(expected.map((r) => join(root, r)));
    expect(walk(`${root}/`).files).toEqual(expected);
  });

  it('lists a file reached through several links once, and skips and reports loops and dangling links', () => {
    const root = join(tmp, 'links');
    mkdirSync(join(root, 'real'), { recursive: true });
    writeFileSync(join(root, 'real', 'a.h5'), 'x');
    symlinkSync(join(root, 'real'), join(root, 'alias')); // the folder again
    symlinkSync(join(root, 'real', 'a.h5'), join(root, 'b.h5')); // the file again
    symlinkSync('..', join(root, 'real', 'up')); // a loop to the root
    symlinkSync(join(root, 'nowhere.h5'), join(root, 'gone.h5')); // dangling
    symlinkSync('self.h5', join(root, 'self.h5')); // resolves to itself
    const { files, skipped } = walk(root);
    expect(files).toEqual(['alias/a.h5']);
    expect(skipped.map((s) => [s.rel, s.reason])).toEqual([
      ['alias/up', 'symlink loop (points to the input root, a folder above it)'],
      ['gone.h5', 'dangling symlink (its target does not exist)'],
      ['self.h5', 'symlink loop (the link resolves to itself)'],
    ]);
  });

  it('a folder whose name ends in .h5 is a folder, not a file', () => {
    const root = join(tmp, 'named');
    mkdirSync(join(root, 'TRXXX.h5'), { recursive: true });
    writeFileSync(join(root, 'TRXXX.h5', 'inside.h5'), 'x');
    expect(walk(root).files).toEqual(['TRXXX.h5/inside.h5']);
  });

  it.skipIf(asRoot)('reports an unreadable folder to the caller, and without a callback names it in an error', () => {
    const root = join(tmp, 'perm');
    mkdirSync(join(root, 'closed'), { recursive: true });
    mkdirSync(join(root, 'open'), { recursive: true });
    writeFileSync(join(root, 'open', 'a.h5'), 'x');
    writeFileSync(join(root, 'closed', 'b.h5'), 'x');
    chmodSync(join(root, 'closed'), 0o000);
    locked.push(join(root, 'closed'));
    const { files, skipped } = walk(root);
    expect(files).toEqual(['open/a.h5']);
    expect(skipped.map((s) => s.rel)).toEqual(['closed']);
    expect(skipped[0].reason).toMatch(/cannot read the folder \(EACCES/);
    expect(() => listFiles(root, '.h5')).toThrow(/closed: cannot read the folder \(EACCES/);
  });
});

describe('extraction and the walk', () => {
  it('lists dangling links, loops and unreadable folders in its errors file and goes on', async () => {
    const corpus = join(tmp, 'corpus');
    await generateSyntheticCorpus({ dir: corpus, songs: 3, seed: 2 });
    const data = join(corpus, 'data');
    symlinkSync(join(data, 'missing.h5'), join(data, 'broken.h5'));
    symlinkSync('.', join(data, 'again'));
    if (!asRoot) {
      mkdirSync(join(data, 'private'));
      writeFileSync(join(data, 'private', 'c.h5'), 'x');
      chmodSync(join(data, 'private'), 0o000);
      locked.push(join(data, 'private'));
    }
    const r = await extractMsd({ input: data, output: join(tmp, 'out', 'SongCSV.csv'), workers: 0, progress: false });
    expect(r.songs).toBe(3);
    const expected = [['again', /symlink loop/], ['broken.h5', /dangling symlink/], ...(asRoot ? [] : [['private', /cannot read the folder/]])] as const;
    expect(r.errors.map((e) => e.file)).toEqual(expected.map((e) => e[0]));
    r.errors.forEach((e, i) => expect(e.reason).toMatch(expected[i][1]));
    const lines = readFileSync(r.errorsOutput, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('file,reason');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(expected.map((e) => e[0]));
  });
});
