// `timbre models`: the registered models, usable with --model and --models.
import type { Command } from 'commander';
import { listModels } from '../ml/registry.js';
import { print } from './options.js';

/** Adds `models` to the program. */
export function addModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list the registered models (usable with --model / --models)')
    .option('--json', 'print JSON')
    .action((o) => {
      const list = listModels();
      print(o.json, list.map((m) => `${m.name.padEnd(10)} ${m.description}`).join('\n'), list);
    });
}
