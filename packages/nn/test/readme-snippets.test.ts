// The READMEs' TypeScript blocks compile and run. Every ```ts block of the root README and of each
// packages/*/README.md is type-checked against the workspace packages (their src/, as tests see them) and
// then run with tsx in a scratch directory. A block opts out with a first-line marker:
//   // snippet: fragment   not checked at all (it uses names the reader supplies)
//   // snippet: no-run     type-checked, not run (it needs files or services the test does not have)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Snippet {
  readme: string;
  line: number;
  code: string;
  mode: 'run' | 'no-run' | 'fragment';
  file: string;
}

/** The ```ts blocks of a Markdown file (fences may be indented, as in list items), with the line each starts on. */
function extractTsBlocks(markdown: string): { line: number; code: string }[] {
  const lines = markdown.split('\n'),
    out: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]);
    if (open === null) continue;
    const indent = open[1].length,
      body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].slice(Math.min(indent, lines[j].search(/\S|$/))));
    if (j === lines.length) throw new Error(`unclosed \`\`\`ts block at line ${i + 1}`);
    out.push({ line: i + 1, code: body.join('\n') });
    i = j;
  }
  return out;
}

function modeOf(code: string): Snippet['mode'] {
  const m = /^\s*\/\/ snippet: ([a-z-]+)/.exec(code);
  if (m === null) return 'run';
  if (m[1] !== 'fragment' && m[1] !== 'no-run') throw new Error(`unknown snippet marker '${m[1]}' (use fragment or no-run)`);
  return m[1];
}

function readmes(): string[] {
  const pkgs = readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'README.md'));
  return ['README.md', ...pkgs].filter((f) => existsSync(join(root, f)));
}

function snippets(dir: string): Snippet[] {
  const out: Snippet[] = [];
  for (const readme of readmes()) {
    for (const { line, code } of extractTsBlocks(readFileSync(join(root, readme), 'utf8'))) {
      const file = join(dir, `${readme.replace(/[/.]/g, '_')}_${line}.ts`);
      out.push({ readme, line, code, mode: modeOf(code), file });
    }
  }
  return out;
}

describe('README snippets', () => {
  it('extractTsBlocks finds fenced ts blocks, indented ones too, and only those', () => {
    const md = 'x\n```ts\nconst a = 1;\n```\n```sh\nls\n```\n- item\n\n  ```ts\n  const b = 2;\n    const c = 3;\n  ```\n';
    expect(extractTsBlocks(md)).toEqual([
      { line: 2, code: 'const a = 1;' },
      { line: 10, code: 'const b = 2;\n  const c = 3;' },
    ]);
    expect(() => extractTsBlocks('```ts\nopen')).toThrow(/unclosed/);
    expect(modeOf('// snippet: fragment\nx')).toBe('fragment');
    expect(() => modeOf('// snippet: skip')).toThrow(/unknown snippet marker 'skip'/);
  });

  it('type-check, and the complete ones run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timbre-snippets-'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const all = snippets(dir);
    expect(all.length).toBeGreaterThanOrEqual(6);
    const checked = all.filter((s) => s.mode !== 'fragment');
    // Each file is a module (`export {}`), so blocks never see each other's names.
    for (const s of checked) writeFileSync(s.file, `${s.code}\nexport {};\n`);

    const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, root);
    const options: ts.CompilerOptions = {
      ...parsed.options,
      noEmit: true,
      composite: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      incremental: false,
      customConditions: ['source'],
      typeRoots: [join(dir, 'node_modules', '@types')],
      // A snippet shows an API: a result it names but does not use is the point, not a mistake.
      noUnusedLocals: false,
      noUnusedParameters: false,
    };
    const program = ts.createProgram(
      checked.map((s) => s.file),
      options,
    );
    const where = (f: string | undefined) => {
      const s = checked.find((c) => c.file === f);
      return s === undefined ? relative(root, f ?? '?') : `${s.readme}:${s.line}`;
    };
    // Only the snippets' own diagnostics: the packages' sources are type-checked by tsc -b with their own settings.
    const errors = checked
      .flatMap((s) => ts.getPreEmitDiagnostics(program, program.getSourceFile(s.file)))
      .map((d) => {
        const pos = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
        return `${where(d.file?.fileName)} (block line ${pos === null ? '?' : pos.line + 1}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(errors).toEqual([]);

    const runnable = checked.filter((c) => c.mode === 'run');
    expect(runnable.length).toBeGreaterThanOrEqual(5);
    for (const s of runnable) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', s.file], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, TIMBRE_THREADS: '1' },
      });
      expect(r.status, `${s.readme}:${s.line} exited with ${r.status}${r.signal === null ? '' : ` (${r.signal})`}:\n${r.stderr}`).toBe(0);
    }
  }, 300_000);
});
