// npm run bench [-- [--quick] [suite ...] [filter ...]]: runs every bench/*.bench.ts (or only the
// named suites) in one process. Each suite exports `run({ quick, only })`; words that are not
// suite names are passed to the suites as `only` filters (e.g. `npm run bench -- matmul 256x`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatMachine, machineInfo } from './lib/machine.js';

export interface BenchOptions {
  /** Shorter runs (the whole `--quick` run stays under a minute per suite). */
  quick: boolean;
  /** Filters a suite may apply to its cases (e.g. shapes, impls); absent = run everything. */
  only?: string[];
}

interface Suite {
  run(opts: BenchOptions): Promise<void>;
  /** Node/V8 flags the suite must run under (start-up only, e.g. --single-threaded-gc); run.ts re-runs it in a child process with them. */
  nodeFlags?: readonly string[];
}

const benchDir = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const unknownFlags = args.filter((a) => a.startsWith('-') && a !== '--quick');
  if (unknownFlags.length > 0) {
    console.error(`bench: unknown option ${unknownFlags.join(' ')} (usage: npm run bench -- [--quick] [suite ...] [filter ...])`);
    return 2;
  }
  const all = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
  const words = args.filter((a) => !a.startsWith('-'));
  const chosen = words.filter((w) => all.includes(w));
  const only = words.filter((w) => !all.includes(w));
  const suites = chosen.length > 0 ? chosen : all;
  if (suites.length === 0) {
    console.error(`bench: no bench/*.bench.ts files in ${benchDir}`);
    return 2;
  }
  console.log(`bench: ${suites.join(', ')}${quick ? ' (quick)' : ''}${only.length > 0 ? ` only ${only.join(' ')}` : ''}`);
  console.log(`machine: ${formatMachine(machineInfo())}`);
  let failed = 0;
  for (const name of suites) {
    console.log(`\n=== ${name} ===`);
    const t0 = performance.now();
    try {
      const mod = (await import(pathToFileURL(path.join(benchDir, `${name}.bench.ts`)).href)) as Partial<Suite>;
      if (typeof mod.run !== 'function') throw new Error(`bench/${name}.bench.ts does not export run(opts)`);
      const missing = (mod.nodeFlags ?? []).filter((f) => !process.execArgv.includes(f));
      if (missing.length > 0) {
        // V8 flags such as --single-threaded-gc cannot be set once the process runs: same command, this suite only, in a child
        console.log(`(${name} runs in a child process with ${missing.join(' ')})`);
        const r = spawnSync(process.execPath, [...missing, ...process.execArgv, process.argv[1], name, ...(quick ? ['--quick'] : []), ...only], {
          stdio: 'inherit',
        });
        if (r.status !== 0) throw new Error(`the child process exited with ${r.status ?? r.signal}`);
      } else {
        await mod.run({ quick, ...(only.length > 0 ? { only } : {}) });
      }
    } catch (err) {
      failed++;
      console.error(`bench: suite ${name} failed:`, err);
    }
    console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
