// The Kubernetes and Slurm recipes of docs/extract.md as scripts/check-extract-recipes.ts reads them:
// the commands it takes from the markdown, and one recipe run end to end in this process (3 shards
// instead of 64, on 5 synthetic songs) whose merge must equal a single-process extraction. In this
// process the recipe's Node flags (--single-threaded-gc) cannot apply and its worker threads become the
// main thread (-j 0, which keeps the test near a second); `npm run check-recipes` runs the real
// command lines as child processes with the recipe's own shard count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOC, differingOutputs, localCommands, readRecipes, runRecipe, shellWords, type Exec } from '../scripts/check-extract-recipes.js';
import { extractMsd } from '../src/extract/extract.js';
import { generateSyntheticCorpus } from '../src/msd/synthetic.js';
import { runCli } from './cli-helpers.js';

const CLI = 'packages/genre/dist/cli/main.js';
const recipes = readRecipes(readFileSync(DOC, 'utf8'));

describe('recipes read from docs/extract.md', () => {
  it('Kubernetes: 64 completions, the shard command from args, the merge from the comment', () => {
    const k = recipes.find((r) => r.name === 'kubernetes')!;
    expect(k.shards).toBe(64);
    expect(k.indexEnv).toBe('JOB_COMPLETION_INDEX');
    expect(k.extract).toEqual(['node', '--single-threaded-gc', CLI, 'extract', '/msd/data', '--shard', '/64', '-o', '/out/SongCSV.csv', '-j', '4', '-q']);
    expect(k.merge).toEqual(['node', CLI, 'merge', '/out', '-o', '/out/SongCSV.csv']);
  });

  it('Slurm: a 0-63 array, the srun line with its continuation and $SLURM_CPUS_PER_TASK, the --wrap merge', () => {
    const s = recipes.find((r) => r.name === 'slurm')!;
    expect(s.shards).toBe(64);
    expect(s.indexEnv).toBe('SLURM_ARRAY_TASK_ID');
    expect(s.extract).toEqual([
      'node',
      '--single-threaded-gc',
      CLI,
      'extract',
      '/data/msd/data',
      '--shard',
      '/64',
      '-j',
      '4',
      '-o',
      '/scratch/msd/SongCSV.csv',
      '-q',
    ]);
    expect(s.merge).toEqual(['node', CLI, 'merge', '/scratch/msd', '-o', '/scratch/msd/SongCSV.csv']);
  });

  it('shell words: quotes, variables, and an unknown variable is an error', () => {
    expect(shellWords(`a "b c" 'd $X' $X"\${X}y" e`, { X: '1' })).toEqual(['a', 'b c', 'd $X', '11y', 'e']);
    expect(() => shellWords('run $NOPE', {})).toThrow(/\$NOPE/);
  });

  it('a recipe whose shard count and --shard disagree is refused', () => {
    const k = recipes.find((r) => r.name === 'kubernetes')!;
    expect(() => localCommands({ ...k, shards: 32 }, '/in', '/tmp/x', 32)).toThrow(/32 shards but its command says --shard \/64/);
  });

  it('a missing section is named', () => {
    expect(() => readRecipes('# nothing here\n')).toThrow(/Kubernetes Indexed Job/);
  });
});

describe('a recipe run end to end', () => {
  let tmp = '',
    input = '';
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'timbre-recipes-'));
    await generateSyntheticCorpus({ dir: join(tmp, 'corpus'), songs: 5, seed: 3 });
    input = join(tmp, 'corpus', 'data');
  }, 60_000);
  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  // The command line after the CLI entry, run through the CLI's main() with the shard variable set.
  const inProcess: Exec = async (argv, env) => {
    const at = argv.findIndex((a) => a.endsWith('cli/main.ts'));
    const args = argv.slice(at + 1);
    const j = args.indexOf('-j');
    if (j >= 0) args[j + 1] = '0';
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const r = await runCli(...args);
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
      return r.out;
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };

  it('Slurm with 3 shards: every shard writes its files, and the merge equals one extraction', async () => {
    const single = await extractMsd({ input, output: join(tmp, 'single', 'SongCSV.csv'), workers: 0, progress: false });
    const slurm = recipes.find((r) => r.name === 'slurm')!;
    const out = join(tmp, 'slurm');
    const merged = await runRecipe(slurm, input, out, { shards: 3, parallel: 1, exec: inProcess });
    expect(merged).toBe(join(out, 'SongCSV.csv'));
    expect(
      readdirSync(out)
        .filter((f) => f.includes('.shard-'))
        .sort(),
    ).toEqual([0, 1, 2].flatMap((i) => ['', '.errors', '.extended'].map((x) => `SongCSV.shard-000${i}-of-0003${x}.csv`)).sort());
    expect(differingOutputs(merged, single.output)).toEqual([]);
    expect(readFileSync(merged, 'utf8').trim().split('\n').length).toBe(1 + 5);
  }, 60_000);
});
