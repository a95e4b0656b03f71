#!/usr/bin/env node
// The `timbre` command: one file per command beside this one (extract, merge, labels, preprocess,
// train, evaluate, predict, run, models, compare, search, fit). Human output on stdout by default, one
// JSON object with --json; errors on stderr with exit code 1 (and as JSON on stdout with --json). Every
// file is written atomically, so a failed command leaves nothing half-written.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addCompareCommand } from './compare.js';
import { addEvaluateCommand } from './evaluate.js';
import { addExtractCommand } from './extract.js';
import { addFitCommand } from './fit.js';
import { addLabelsCommand } from './labels.js';
import { addMergeCommand } from './merge.js';
import { addModelsCommand } from './models.js';
import type { Globals } from './options.js';
import { addPredictCommand } from './predict.js';
import { addPreprocessCommand } from './preprocess.js';
import { addRunCommand } from './run.js';
import { addSearchCommand } from './search.js';
import { addTrainCommand } from './train.js';

/** The package's version, from its package.json (two folders up from src/cli and dist/cli alike). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Builds the program; commander errors are thrown, not exits (exported so tests can run commands in-process). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('timbre')
    .description('Million Song Dataset genre classification on a pure-TypeScript neural-net library')
    .version(version(), '-V, --version', 'print the version')
    .option('--json', 'print one JSON object on stdout instead of text')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride() // before the commands are added, so they inherit it: errors reach main(), which returns the exit code
    .configureOutput({ outputError: (str, write) => write(str) });
  // `--json` may come anywhere; commands that declare their own --json (models, compare, …) see it too.
  program.hook('preAction', (_root, action) => {
    if (program.opts<Globals>().json === true && action.options.some((opt) => opt.attributeName() === 'json')) action.setOptionValue('json', true);
  });
  // In the order the data flows.
  for (const add of [
    addExtractCommand,
    addMergeCommand,
    addLabelsCommand,
    addPreprocessCommand,
    addTrainCommand,
    addEvaluateCommand,
    addPredictCommand,
    addRunCommand,
    addModelsCommand,
    addCompareCommand,
    addSearchCommand,
    addFitCommand,
  ])
    add(program);
  return program;
}

/** Runs the CLI; returns the exit code (errors are printed, never thrown). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  // A command that finishes but fails its job (extract: no file readable) sets process.exitCode;
  // it is this call's result, and does not leak into the next call of main() in the same process.
  const outer = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const err = e as Error & { code?: unknown; exitCode?: number };
    const code = typeof err.code === 'string' ? err.code : '';
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (code.startsWith('commander.')) return err.exitCode ?? 1; // commander already printed it
    const message = err instanceof Error ? err.message : String(e);
    if (argv.includes('--json')) process.stdout.write(JSON.stringify({ error: message }) + '\n');
    process.stderr.write(`timbre: error: ${message}\n`);
    return 1;
  } finally {
    process.exitCode = outer;
  }
}

// Run when executed directly (node dist/cli/main.js, tsx src/cli/main.ts), not when imported.
const invoked = process.argv[1] ?? '';
if (/(^|[\\/])(main\.(ts|js)|timbre)$/.test(invoked)) {
  main().then((code) => {
    process.exitCode = code;
  });
}
