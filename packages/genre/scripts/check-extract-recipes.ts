// Checks the Kubernetes and Slurm recipes of docs/extract.md by running them: the shard and merge
// commands are read from the markdown itself (so the doc and the check cannot drift), every shard runs
// locally on a SYNTHETIC corpus with the recipe's index variable set, the merge joins them, and the
// merged CSVs must equal a single-process extraction byte for byte. Usage (from the repo root):
//   npm run check-recipes [-- --shards N] [--songs N] [--keep DIR]
// Substitutions, printed as they are made: `node` is this Node; packages/genre/dist/cli/main.js becomes
// the TypeScript source through tsx (no build needed); the recipe's input folder becomes the corpus'
// data folder and its output folder a temporary one; `srun` is dropped (the step runs directly);
// `--shards N` replaces the recipe's shard count everywhere it appears.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractMsd, generateSyntheticCorpus } from '../src/index.js';

/** One recipe as the markdown states it. */
export interface Recipe {
  readonly name: 'kubernetes' | 'slurm';
  /** Shards the recipe runs (Kubernetes `completions`, the Slurm `--array` size). */
  readonly shards: number;
  /** The variable that gives each shard its index. */
  readonly indexEnv: 'JOB_COMPLETION_INDEX' | 'SLURM_ARRAY_TASK_ID';
  /** argv of the shard command (the same for every shard: the index comes from `indexEnv`). */
  readonly extract: readonly string[];
  /** argv of the merge command. */
  readonly merge: readonly string[];
}

const SCRIPT_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(SCRIPT_DIR, '..', '..', '..');
export const DOC = join(SCRIPT_DIR, '..', 'docs', 'extract.md');
const BUILT_CLI = 'packages/genre/dist/cli/main.js';
const SOURCE_CLI = join(REPO, 'packages/genre/src/cli/main.ts');

/** The fenced code blocks of `md` under the heading that starts with `heading`. */
function blocksUnder(md: string, heading: string): { lang: string; body: string }[] {
  const blocks: { lang: string; body: string }[] = [];
  let inSection = false,
    found = false;
  let fence: { lang: string; lines: string[] } | null = null;
  for (const line of md.split('\n')) {
    if (fence !== null) {
      // inside a code block a '#' line is a comment, not a heading
      if (line.startsWith('```')) {
        if (inSection) blocks.push({ lang: fence.lang, body: fence.lines.join('\n') + '\n' });
        fence = null;
      } else fence.lines.push(line);
    } else if (line.startsWith('```')) {
      fence = { lang: line.slice(3).trim(), lines: [] };
    } else if (line.startsWith('#')) {
      inSection = line.startsWith(`### ${heading}`);
      found ||= inSection;
    }
  }
  if (!found) throw new Error(`check-recipes: docs/extract.md has no "### ${heading}" section`);
  return blocks;
}

/** Splits a shell command line into words: blanks separate, "…" expands $VAR / ${VAR}, '…' is literal. */
export function shellWords(line: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | null = null;
  const expand = (name: string): string => {
    const v = vars[name];
    if (v === undefined) throw new Error(`check-recipes: the command uses $${name}, which the recipe does not set`);
    return v;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`check-recipes: unclosed ' in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"' || c === '$') {
      const end = c === '"' ? line.indexOf('"', i + 1) : i;
      if (end < 0) throw new Error(`check-recipes: unclosed " in: ${line}`);
      const text = c === '"' ? line.slice(i + 1, end) : (line.slice(i).match(/^\$(\{\w+\}|\w+)/)?.[0] ?? '$');
      const expanded = text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => expand(a ?? b!));
      word = (word ?? '') + expanded;
      i = c === '"' ? end : i + text.length - 1;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** Reads both recipes from the markdown of docs/extract.md; throws naming what it cannot find. */
export function readRecipes(md: string): Recipe[] {
  const k8s = blocksUnder(md, 'Kubernetes Indexed Job').find((b) => b.lang === 'yaml');
  if (k8s === undefined) throw new Error('check-recipes: no yaml block under "### Kubernetes Indexed Job"');
  const completions = /^\s*completions:\s*(\d+)/m.exec(k8s.body);
  const args = /^\s*args:\s*(\[[\s\S]*?\])/m.exec(k8s.body);
  const k8sMerge = /^#.*\s--\s+(node\s.*\bmerge\b.*)$/m.exec(k8s.body);
  if (completions === null || args === null || k8sMerge === null) {
    throw new Error('check-recipes: the Kubernetes recipe lost its `completions:`, its `args: [...]` or its `-- node … merge …` comment');
  }
  const slurmBlocks = blocksUnder(md, 'Slurm job array').filter((b) => b.lang === 'bash');
  const sbatch = slurmBlocks.find((b) => b.body.includes('#SBATCH'));
  const after = slurmBlocks.find((b) => b.body.includes('--wrap'));
  if (sbatch === undefined || after === undefined) throw new Error('check-recipes: the Slurm recipe lost its sbatch script or its `sbatch … --wrap` merge');
  const array = /^#SBATCH\s+--array=(\d+)-(\d+)/m.exec(sbatch.body);
  const cpus = /^#SBATCH\s+--cpus-per-task=(\d+)/m.exec(sbatch.body);
  const srun = /^srun\s+((?:.*\\\n)*.*)$/m.exec(sbatch.body);
  const wrap = /--wrap\s+\\?\s*("(?:[^"\\]|\\.)*")/.exec(after.body);
  if (array === null || srun === null || wrap === null)
    throw new Error('check-recipes: the Slurm recipe lost its `#SBATCH --array=a-b`, its `srun` line or its `--wrap "…"`');
  if (array[1] !== '0') throw new Error(`check-recipes: the Slurm array starts at ${array[1]}; shard indexes are 0-based`);
  const vars: Record<string, string> = cpus !== null ? { SLURM_CPUS_PER_TASK: cpus[1] } : {};
  return [
    {
      name: 'kubernetes',
      shards: Number(completions[1]),
      indexEnv: 'JOB_COMPLETION_INDEX',
      extract: JSON.parse(args[1]) as string[],
      merge: shellWords(k8sMerge[1], {}),
    },
    {
      name: 'slurm',
      shards: Number(array[2]) + 1,
      indexEnv: 'SLURM_ARRAY_TASK_ID',
      extract: shellWords(srun[1].replace(/\\\n/g, ' '), vars),
      merge: shellWords(shellWords(wrap[1], vars)[0], vars),
    }, // --wrap's one word is a command line
  ];
}

/** The value after `flag` in argv. */
const flagValue = (argv: readonly string[], flag: string, what: string): string => {
  const i = argv.indexOf(flag);
  if (i < 0 || i + 1 >= argv.length) throw new Error(`check-recipes: ${what} has no ${flag}`);
  return argv[i + 1];
};

/** A recipe's commands made local (see the file header); `notes` says what was substituted. */
export function localCommands(recipe: Recipe, input: string, outDir: string, shards: number): { extract: string[]; merge: string[]; notes: string[] } {
  const shard = flagValue(recipe.extract, '--shard', `the ${recipe.name} shard command`);
  if (shard !== `/${recipe.shards}`) {
    throw new Error(`check-recipes: the ${recipe.name} recipe runs ${recipe.shards} shards but its command says --shard ${shard}`);
  }
  const at = recipe.extract.indexOf('extract');
  const docInput = recipe.extract[at + 1];
  const docOut = dirname(flagValue(recipe.extract, '-o', `the ${recipe.name} shard command`));
  if (at < 0 || docInput === undefined) throw new Error(`check-recipes: the ${recipe.name} shard command has no \`extract <dir>\``);
  const notes = [`${docInput} -> ${input}`, `${docOut} -> ${outDir}`];
  if (shards !== recipe.shards) notes.push(`${recipe.shards} shards -> ${shards}`);
  const local = (argv: readonly string[]): string[] => {
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (i === 0 && a === 'srun') continue;
      if (a === 'node' && out.length === 0) out.push(process.execPath);
      else if (a === BUILT_CLI) out.push('--import', 'tsx', '--conditions=source', SOURCE_CLI);
      else if (a === docInput) out.push(input);
      else if (a === docOut || a.startsWith(`${docOut}/`)) out.push(outDir + a.slice(docOut.length));
      else if (a === `/${recipe.shards}` && argv[i - 1] === '--shard') out.push(`/${shards}`);
      else out.push(a);
    }
    if (out[0] !== process.execPath) throw new Error(`check-recipes: the ${recipe.name} command does not start with node: ${argv.join(' ')}`);
    return out;
  };
  return { extract: local(recipe.extract), merge: local(recipe.merge), notes };
}

/** Runs argv (argv[0] is the program) with extra environment; resolves with stdout, rejects with stderr. */
export type Exec = (argv: readonly string[], env: Record<string, string>) => Promise<string>;

const spawnExec: Exec = (argv, env) =>
  new Promise((res, rej) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`${argv.join(' ')} exited with ${code}:\n${err}`))));
  });

/** Runs `recipe`'s shards (`parallel` at a time) and its merge; returns the merged SongCSV path. */
export async function runRecipe(
  recipe: Recipe,
  input: string,
  outDir: string,
  {
    shards = recipe.shards,
    parallel = availableParallelism(),
    exec = spawnExec,
    log = (_: string): void => {},
  }: { shards?: number; parallel?: number; exec?: Exec; log?: (line: string) => void } = {},
): Promise<string> {
  const cmds = localCommands(recipe, input, outDir, shards);
  log(`${recipe.name}: ${shards} shards (${cmds.notes.join('; ')})`);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < shards; i = next++) {
      try {
        await exec(cmds.extract, { [recipe.indexEnv]: String(i) });
      } catch (e) {
        throw new Error(`check-recipes: ${recipe.name} shard ${i} (${recipe.indexEnv}=${i}) failed: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, shards)) }, lane));
  await exec(cmds.merge, {});
  return flagValue(cmds.merge, '-o', `the ${recipe.name} merge command`);
}

/** Compares the three outputs next to `merged` with those next to `single`; returns the differing file names. */
export function differingOutputs(merged: string, single: string): string[] {
  const bad: string[] = [];
  for (const suffix of ['.csv', '.extended.csv', '.errors.csv']) {
    const a = merged.replace(/\.csv$/, suffix),
      b = single.replace(/\.csv$/, suffix);
    if (!existsSync(a) || readFileSync(a, 'utf8') !== readFileSync(b, 'utf8')) bad.push(a);
  }
  return bad;
}

async function main(argv: string[]): Promise<number> {
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const shardsOpt = opt('--shards'),
    songs = Number(opt('--songs') ?? 40),
    keep = opt('--keep');
  const shards = shardsOpt === undefined ? undefined : Number(shardsOpt);
  if (shards !== undefined && !(Number.isInteger(shards) && shards >= 1))
    throw new RangeError(`check-recipes: --shards must be a positive integer, got ${shardsOpt}`);
  if (!(Number.isInteger(songs) && songs >= 1)) throw new RangeError(`check-recipes: --songs must be a positive integer, got ${opt('--songs')}`);
  const recipes = readRecipes(readFileSync(DOC, 'utf8'));
  const tmp = keep !== undefined ? resolve(keep) : mkdtempSync(join(tmpdir(), 'timbre-recipes-'));
  try {
    const corpus = join(tmp, 'corpus');
    await generateSyntheticCorpus({ dir: corpus, songs, seed: 7 });
    const input = join(corpus, 'data');
    const single = await extractMsd({ input, output: join(tmp, 'single', 'SongCSV.csv'), workers: 0, progress: false });
    console.log(`single-process extraction: ${single.songs} songs of a SYNTHETIC corpus`);
    let failed = 0;
    for (const recipe of recipes) {
      const merged = await runRecipe(recipe, input, join(tmp, recipe.name), { ...(shards !== undefined ? { shards } : {}), log: console.log });
      const bad = differingOutputs(merged, single.output);
      console.log(bad.length === 0 ? `${recipe.name}: merged outputs equal the single-process extraction` : `${recipe.name}: DIFFERENT: ${bad.join(', ')}`);
      if (bad.length > 0) failed++;
    }
    return failed === 0 ? 0 : 1;
  } finally {
    if (keep === undefined) rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 2;
    },
  );
}
