// Imports only go down the stack: genre -> nn -> tensor. This test reads every package's src/ and
// checks each import specifier: siblings by package name only, never upward, never a relative
// path that leaves the package's src/ folder.
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
            if (relative(src, target).startsWith('..')) bad.push(`${where} (leaves src/)`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('each package.json declares exactly the @timbre dependencies it may use', () => {
    for (const [pkg, deps] of Object.entries(allowed)) {
      const manifest = JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const declared = Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@timbre/')).sort();
      expect(declared, pkg).toEqual([...deps].sort());
    }
  });
});
