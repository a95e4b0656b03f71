// `timbre evaluate`: score a saved model on a split of preprocessed data, beside the majority class.
import { Option, type Command } from 'commander';
import { argmaxRows, evaluatePredictions, majorityBaseline } from '../ml/metrics.js';
import { readPrepared, SPLIT_NAMES, type SplitName } from '../preprocess/preprocess.js';
import { datasetFromPrepared, splitRows, type SplitSpec } from '../pipeline/datasets.js';
import { loadGenreModel } from '../pipeline/model-file.js';
import { pct, print, type Globals } from './options.js';

/** Adds `evaluate` to the program. */
export function addEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('score a saved model on a split of preprocessed data')
    .argument('<model>', 'model .json (or .safetensors / base path)')
    .argument('<preprocessed>', 'preprocessed_data.csv')
    .addOption(new Option('--part <part>', 'which split to score').choices([...SPLIT_NAMES, 'all']).default('test'))
    .action(async (modelPath: string, file: string, o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const { classifier, meta } = loadGenreModel(modelPath);
      if (meta.fit?.refit === true && o.part !== 'all') {
        throw new Error(
          `evaluate: ${modelPath} was refit on all ${meta.fit.rows} labelled rows of its training data, so no ${o.part} split of that data is unseen by it: its artist-disjoint evaluation is stored in the model file (metrics); to score a split, train with --no-refit; to score other data, use --part all`,
        );
      }
      const data = await readPrepared(file, { classNames: meta.classNames });
      if (data.featureNames.join(',') !== meta.featureNames.join(',')) {
        const lacking = meta.featureNames.filter((f) => !data.featureNames.includes(f));
        const extra = data.featureNames.filter((f) => !meta.featureNames.includes(f));
        const list = (v: readonly string[]) => `${v.slice(0, 6).join(', ')}${v.length > 6 ? `, … (${v.length})` : ''}`;
        throw new Error(
          `evaluate: ${file} does not have the model's features${lacking.length > 0 ? `: it lacks ${list(lacking)}` : ''}${extra.length > 0 ? `${lacking.length > 0 ? ' and has' : ': it has'} ${list(extra)} the model does not use` : ''}${lacking.length === 0 && extra.length === 0 ? ' in the same order' : ''}; preprocess it with the model's feature set (--features, --join)`,
        );
      }
      // Score the rows the model never saw: a model trained with --resplit carries the seed of its
      // own split, which generally differs from the file's stored split column.
      const spec: SplitSpec = meta.split ?? {};
      if (spec.resplitSeed !== undefined && meta.split!.rows !== data.rows) {
        throw new Error(
          `evaluate: ${modelPath} was trained on a re-split (seed ${spec.resplitSeed}) of ${meta.split!.rows} rows, but ${file} has ${data.rows}: the split cannot be redrawn; use --part all on new data`,
        );
      }
      const parts = splitRows(data, spec);
      const idx = o.part === 'all' ? Int32Array.from({ length: data.rows }, (_, i) => i) : parts[o.part as SplitName];
      if (idx.length === 0) throw new Error(`evaluate: ${file} has no ${o.part} rows`);
      const ds = datasetFromPrepared(data, idx, meta.scaler);
      const C = meta.classNames.length;
      const m = evaluatePredictions(ds.y, argmaxRows(classifier.predictProba(ds.x, ds.rows), C), C);
      const base = majorityBaseline(
        Int32Array.from(parts.train, (i) => data.y[i]),
        ds.y,
        C,
      );
      print(
        json,
        [
          `${o.part} rows: ${ds.rows}`,
          `accuracy ${pct(m.accuracy)} %, macro-F1 ${pct(m.macroF1)} %, balanced accuracy ${pct(m.balancedAccuracy)} %`,
          `majority class (${meta.classNames[base.predictedClass]}): accuracy ${pct(base.accuracy)} %, macro-F1 ${pct(base.macroF1)} %`,
          ...meta.classNames.map(
            (c, i) =>
              `  ${c.padEnd(24)} P ${m.perClass[i].precision.toFixed(3)} R ${m.perClass[i].recall.toFixed(3)} F1 ${m.perClass[i].f1.toFixed(3)} n=${m.perClass[i].support}`,
          ),
        ].join('\n'),
        { part: o.part, rows: ds.rows, metrics: m, baseline: base, classNames: meta.classNames },
      );
    });
}
