// `timbre fit`: train one registered model on the train split of a preprocessed CSV, score its test
// split beside the majority class, and save it in the model file `evaluate` and `predict` read.
import type { Command } from 'commander';
import { argmaxRows, evaluatePredictions, majorityBaseline } from '../ml/metrics.js';
import { createModel, listModels, type ModelOptions } from '../ml/registry.js';
import { keyEncodingOf } from '../preprocess/features.js';
import { readPrepared } from '../preprocess/preprocess.js';
import { makeDatasets } from '../pipeline/datasets.js';
import { saveGenreModel } from '../pipeline/model-file.js';
import { int, jsonArg, pct, print } from './options.js';

/** Adds `fit` to the program. */
export function addFitCommand(program: Command): void {
  program
    .command('fit')
    .description('train a registered model (--model) on the train split of a preprocessed CSV, score its test split and save it')
    .argument('<preprocessed>', 'preprocessed_data.csv')
    .requiredOption(
      '--model <name>',
      `registered model: ${listModels()
        .map((m) => m.name)
        .join(', ')}`,
    )
    .option('--options <json>', 'model options JSON, e.g. \'{"nRounds":300}\'', jsonArg('--options'), {})
    .option('--seed <n>', 'model seed', int('--seed'), 0)
    .option('-o, --output <base>', 'save the fitted model: <base>.json (and <base>.safetensors for networks)')
    .option('--json', 'print JSON')
    .action(async (file: string, o) => {
      const data = await readPrepared(file);
      const model = createModel(o.model, o.options as ModelOptions, o.seed); // a bad name or option fails before any work
      const { train, valid, test, scaler } = makeDatasets(data);
      if (test.rows === 0) throw new Error(`fit: ${file} has no test rows (split column)`);
      const t0 = performance.now();
      model.fit(train, valid.rows > 0 ? valid : undefined);
      const seconds = (performance.now() - t0) / 1000;
      const C = data.classNames.length;
      const m = evaluatePredictions(test.y, argmaxRows(model.predictProba(test.x, test.rows), C), C);
      const base = majorityBaseline(train.y, test.y, C);
      const metrics = {
        test: { accuracy: m.accuracy, macroF1: m.macroF1, balancedAccuracy: m.balancedAccuracy },
        baseline: { accuracy: base.accuracy, macroF1: base.macroF1 },
      };
      const saved =
        o.output === undefined
          ? null
          : saveGenreModel(o.output, {
              classifier: model,
              preset: o.model,
              scaler,
              featureNames: data.featureNames,
              featureGroups: data.featureGroups,
              keyEncoding: keyEncodingOf(data.featureNames),
              classNames: data.classNames,
              modelOptions: o.options as ModelOptions,
              metrics: { model: o.model, ...metrics },
              info: { data: file, seed: o.seed },
            });
      print(
        o.json,
        [
          `${o.model}: test accuracy ${pct(m.accuracy)} %, macro-F1 ${pct(m.macroF1)} % (${seconds.toFixed(1)} s)`,
          `majority class: accuracy ${pct(base.accuracy)} %, macro-F1 ${pct(base.macroF1)} %`,
          ...(saved ? [`saved ${saved.json}${saved.weights !== null ? ` and ${saved.weights}` : ''}`] : []),
        ].join('\n'),
        { model: o.model, seconds, ...metrics, ...(saved ? { saved } : {}) },
      );
    });
}
