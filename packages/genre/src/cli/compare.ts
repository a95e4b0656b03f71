// `timbre compare`: artist-disjoint cross-validation of several registered models on a preprocessed CSV.
import type { Command } from 'commander';
import { crossValPredict } from '../ml/cv.js';
import { createModel, type ModelOptions } from '../ml/registry.js';
import { meanStd } from '../ml/summary.js';
import type { Dataset } from '../ml/types.js';
import { rawDataset } from '../pipeline/datasets.js';
import { readPrepared, SPLIT_NAMES } from '../preprocess/preprocess.js';
import { int, jsonArg, print } from './options.js';

/** Adds `compare` to the program. */
export function addCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('artist-disjoint cross-validation of several models: accuracy and macro-F1, mean ± std over seeds, wall time')
    .argument('<preprocessed>', 'preprocessed_data.csv (all rows are cross-validated unless --without-test)')
    .option('--models <list>', 'comma-separated registered model names', 'majority,logreg,rf,gbdt,mlp')
    .option('--options <json>', 'per-model options, e.g. \'{"gbdt":{"nRounds":300},"mlp":{"epochs":100}}\'', jsonArg('--options'), {})
    .option('--folds <k>', 'folds', int('--folds'), 5)
    .option('--seeds <n>', 'seeds (fold assignments and model seeds 0..n-1)', int('--seeds'), 3)
    .option('--without-test', 'leave the preprocessed test split out')
    .option('--json', 'print JSON')
    .action(async (file: string, o) => {
      const { ds, source } = await preparedRows(file, !!o.withoutTest);
      const names = String(o.models)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const rows: { model: string; accuracy: ReturnType<typeof meanStd>; macroF1: ReturnType<typeof meanStd>; seconds: number }[] = [];
      for (const name of names) {
        createModel(name, (o.options as Record<string, ModelOptions>)[name] ?? {}, 0); // fail fast on a bad name/options
        const acc: number[] = [],
          f1: number[] = [];
        const t0 = performance.now();
        for (let s = 0; s < o.seeds; s++) {
          const r = crossValPredict(ds, (seed) => createModel(name, (o.options as Record<string, ModelOptions>)[name] ?? {}, seed), {
            folds: o.folds,
            seed: s,
          });
          acc.push(r.accuracy);
          f1.push(r.macroF1);
        }
        rows.push({ model: name, accuracy: meanStd(acc), macroF1: meanStd(f1), seconds: (performance.now() - t0) / 1000 });
        if (!o.json) process.stderr.write(`  ${name} done\n`);
      }
      const human = [
        `${source}: ${ds.rows} rows, ${ds.classes} classes; ${o.folds}-fold artist-disjoint CV × ${o.seeds} seeds`,
        'model        accuracy %     macro-F1        seconds',
        ...rows.map(
          (r) =>
            `${r.model.padEnd(12)} ${(100 * r.accuracy.mean).toFixed(1)} ± ${(100 * r.accuracy.std).toFixed(1)}   ` +
            `${r.macroF1.mean.toFixed(3)} ± ${r.macroF1.std.toFixed(3)}   ${r.seconds.toFixed(1)}`,
        ),
      ].join('\n');
      print(o.json, human, { source, rows: ds.rows, classes: ds.classes, folds: o.folds, seeds: o.seeds, results: rows });
    });
}

/** The rows of a preprocessed CSV as an unscaled Dataset (without its test split when asked). */
export async function preparedRows(file: string, withoutTest: boolean): Promise<{ ds: Dataset; source: string }> {
  const data = await readPrepared(file);
  const keep: number[] = [];
  for (let i = 0; i < data.rows; i++) if (!withoutTest || SPLIT_NAMES[data.split[i]] !== 'test') keep.push(i);
  return { ds: rawDataset(data, keep), source: withoutTest ? `${file} (train and valid rows)` : file };
}
