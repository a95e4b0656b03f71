// Imports only go down the stack: genre -> nn -> tensor. This test reads every package's src/ and
// checks each import specifier: siblings by package name only, never upward, never a relative
// path that leaves the package's src/ folder. Inside genre, the folders of src/ follow the data from
// bytes to predictions, and each may import only the folders declared below it (GENRE_FOLDERS).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const allowed: Record<string, string[]> = {
  tensor: [],
  nn: ['@timbre/tensor'],
  genre: ['@timbre/tensor', '@timbre/nn'],
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

// `import … from 'x'`, `export … from 'x'`, `import('x')`, `new URL('x', import.meta.url)`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)['"]([^'"]+)['"]/g;

/**
 * The folders of packages/genre/src in the order the data flows, each with the folders it may import.
 * `ml` is general tabular learning: it knows nothing of songs, MSD files, labels or genres.
 * Files directly in src/ (index.ts) may import every folder.
 */
const GENRE_FOLDERS: readonly (readonly [string, readonly string[]])[] = [
  ['io', []], // CSV reading and writing, atomic files, walking folders
  ['parallel', []], // the worker pool for coarse jobs
  ['msd', ['io']], // HDF5 on jsfive, the writer, Song, audio summaries, synthetic corpus
  ['extract', ['io', 'parallel', 'msd']], // .h5 trees -> SongCSV
  ['labels', ['io']], // last.fm, tagtraum -> genre labels
  ['ml', ['io', 'parallel']], // models, metrics, splits, scaler, cross-validation, search
  ['preprocess', ['io', 'labels', 'ml']], // song tables + labels -> features
  ['report', ['io', 'ml', 'preprocess']], // HTML and SVG
  ['pipeline', ['io', 'parallel', 'msd', 'extract', 'labels', 'ml', 'preprocess', 'report']], // train, evaluate, predict, model files
  ['cli', ['io', 'parallel', 'msd', 'extract', 'labels', 'ml', 'preprocess', 'report', 'pipeline']],
];

/** Relative imports of genre's src/ that run against GENRE_FOLDERS: "file: 'spec' (from -> to)". */
function folderViolations(src: string, files: readonly { path: string; text: string }[]): string[] {
  const deps = new Map(GENRE_FOLDERS);
  const folderOf = (p: string): string | null => {
    const parts = relative(src, p).split(/[\\/]/);
    return parts.length > 1 ? parts[0] : null; // null: a file directly in src/
  };
  const bad: string[] = [];
  for (const { path, text } of files) {
    const from = folderOf(path);
    if (from === null) continue;
    if (!deps.has(from)) {
      bad.push(`${relative(src, path)}: folder '${from}' is not declared in GENRE_FOLDERS`);
      continue;
    }
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1];
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(path), spec);
      if (relative(src, target).startsWith('..')) continue; // outside src/: the package test above judges it
      const to = folderOf(target);
      if (to === from) continue;
      if (to === null || !deps.get(from)!.includes(to)) bad.push(`${relative(src, path)}: '${spec}' (${from} -> ${to ?? 'src/'})`);
    }
  }
  return bad;
}

describe('layering', () => {
  for (const [pkg, deps] of Object.entries(allowed)) {
    it(`@timbre/${pkg} imports only ${deps.length ? deps.join(', ') : 'no other @timbre package'} and stays inside src/`, () => {
      const src = join(packagesDir, pkg, 'src');
      const files = sources(src);
      expect(files.length).toBeGreaterThan(0);
      const bad: string[] = [];
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(SPECIFIER)) {
          const spec = m[1];
          const where = `${relative(packagesDir, file)}: '${spec}'`;
          if (spec.startsWith('@timbre/')) {
            if (!deps.includes(spec)) bad.push(`${where} (not a dependency of @timbre/${pkg})`);
          } else if (spec.startsWith('.')) {
            const target = resolve(dirname(file), spec);
            const ownManifest = target === join(packagesDir, pkg, 'package.json'); // read for --version
            if (relative(src, target).startsWith('..') && !ownManifest) bad.push(`${where} (leaves src/)`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('genre: every folder of src/ imports only the folders declared below it', () => {
    const src = join(packagesDir, 'genre', 'src');
    const files = sources(src).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    const folders = new Set(
      files
        .map((f) => relative(src, f.path).split(/[\\/]/))
        .filter((p) => p.length > 1)
        .map((p) => p[0]),
    );
    expect([...folders].sort()).toEqual(GENRE_FOLDERS.map(([f]) => f).sort());
    expect(folderViolations(src, files)).toEqual([]);
  });

  it('genre: the declared folder order is a DAG read bottom-up (each folder imports only folders listed before it)', () => {
    GENRE_FOLDERS.forEach(([folder, deps], i) => {
      const earlier = GENRE_FOLDERS.slice(0, i).map(([f]) => f);
      for (const d of deps) expect(earlier, `${folder} -> ${d}`).toContain(d);
    });
  });

  it('genre: an import against the order is reported (ml must not reach songs, io must not reach ml)', () => {
    const src = '/pkg/src';
    const found = folderViolations(src, [
      { path: '/pkg/src/ml/gbdt.ts', text: "import { Song } from '../msd/song.js';\nimport { x } from './binning.js';" },
      { path: '/pkg/src/io/csv.ts', text: "export { fitScaler } from '../ml/scaler.js';" },
      { path: '/pkg/src/pipeline/run.ts', text: "import { y } from '../ml/mlp.js'; import('../cli/main.js');" },
      { path: '/pkg/src/index.ts', text: "export * from './cli/main.js';" },
    ]);
    expect(found).toEqual([
      "ml/gbdt.ts: '../msd/song.js' (ml -> msd)",
      "io/csv.ts: '../ml/scaler.js' (io -> ml)",
      "pipeline/run.ts: '../cli/main.js' (pipeline -> cli)",
    ]);
  });

  it('each package.json declares exactly the @timbre dependencies it may use', () => {
    for (const [pkg, deps] of Object.entries(allowed)) {
      const manifest = JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const declared = Object.keys(manifest.dependencies ?? {})
        .filter((d) => d.startsWith('@timbre/'))
        .sort();
      expect(declared, pkg).toEqual([...deps].sort());
    }
  });
});
