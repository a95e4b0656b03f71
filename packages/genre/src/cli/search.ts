// `timbre search`: hyperparameter search (grid, random or TPE) on the training rows of a preprocessed CSV.
import type { Command } from 'commander';
import { writeFileAtomic } from '@timbre/nn';
import type { ModelOptions } from '../ml/registry.js';
import { runSearch, type Strategy } from '../ml/search/search.js';
import { GBDT_SPACE, MLP_SPACE, paramsToOptions, type SearchSpace } from '../ml/search/space.js';
import { searchReportSection } from '../report/search.js';
import { escapeHtml } from '../report/svg.js';
import { preparedRows } from './compare.js';
import { int, jsonArg, print } from './options.js';

/** Adds `search` to the program. */
export function addSearchCommand(program: Command): void {
  program
    .command('search')
    .description('hyperparameter search (grid, random or TPE) maximising artist-disjoint CV macro-F1 on the training rows only')
    .argument('<preprocessed>', 'preprocessed_data.csv (its test split is never used)')
    .option('--model <name>', 'model to tune: mlp or gbdt (or any registered model with --space)', 'mlp')
    .option('--space <json>', 'search space JSON (default: the built-in space of --model)', jsonArg('--space'))
    .option('--options <json>', 'fixed model options, e.g. \'{"epochs":100,"patience":10}\'', jsonArg('--options'), {})
    .option('--strategy <s>', 'tpe, random or grid', 'tpe')
    .option('--trials <n>', 'trials', int('--trials'), 20)
    .option('--parallel <n>', 'worker threads', int('--parallel'), 2)
    .option('--folds <k>', 'cross-validation folds per trial', int('--folds'), 3)
    .option('--seed <n>', 'search seed', int('--seed'), 0)
    .option('--journal <file>', 'JSONL journal: resumes an interrupted search with the same settings')
    .option('--report <html>', 'write the results table and plot as an HTML page')
    .option('--json', 'print JSON')
    .action(async (file: string, o) => {
      const { ds, source } = await preparedRows(file, true);
      if (!['tpe', 'random', 'grid'].includes(o.strategy)) throw new Error(`--strategy must be tpe, random or grid, got "${o.strategy}"`);
      const space: SearchSpace | undefined =
        (o.space as SearchSpace | undefined) ?? (o.model === 'mlp' ? MLP_SPACE : o.model === 'gbdt' ? GBDT_SPACE : undefined);
      if (space === undefined) throw new Error(`--model ${o.model} has no built-in space: pass --space`);
      const objective = { model: o.model as string, options: o.options as ModelOptions, cv: { folds: o.folds, seed: o.seed } };
      const result = await runSearch(ds, objective, {
        space,
        strategy: o.strategy as Strategy,
        trials: o.trials,
        parallel: o.parallel,
        seed: o.seed,
        ...(o.journal ? { journal: o.journal } : {}),
        onTrial: (t, resumed) => {
          if (!o.json) process.stderr.write(`  trial ${t.index}${resumed ? ' (journal)' : ''}: macro-F1 ${t.score.toFixed(4)}\n`);
        },
      });
      if (o.report) {
        const sec = searchReportSection(result);
        writeFileAtomic(
          o.report,
          `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(sec.title)}</title></head><body><h1>${escapeHtml(sec.title)}</h1>${sec.html}</body></html>\n`,
        );
      }
      const best = { ...result.best, options: paramsToOptions(result.best.params, objective.options) };
      print(
        o.json,
        [
          `${source}: ${ds.rows} rows; ${result.trials.length} trials (${result.resumed} from the journal)`,
          `best trial ${best.index}: CV macro-F1 ${best.score.toFixed(4)}, accuracy ${(100 * best.accuracy).toFixed(1)} %`,
          `options: ${JSON.stringify(best.options)}`,
        ].join('\n'),
        { source, rows: ds.rows, best, trials: result.trials },
      );
    });
}
