// `timbre train`: train and score a model over several seeds on preprocessed data; save the first seed's model.
import type { Command } from 'commander';
import { writeFileAtomic } from '@timbre/nn';
import type { ScalerKind } from '../ml/scaler.js';
import { formatMeanStd } from '../ml/summary.js';
import { featureGroupsOf, keyEncodingOf } from '../preprocess/features.js';
import { readPrepared } from '../preprocess/preprocess.js';
import { renderReport } from '../report/html.js';
import { saveGenreModel } from '../pipeline/model-file.js';
import { trainAndEvaluateParallel } from '../pipeline/parallel.js';
import { print, type Globals } from './options.js';
import { addTrainOptions, mlpOverrides, modelChoice, trainProgress } from './train-options.js';

/** Adds `train` to the program. */
export function addTrainCommand(program: Command): void {
  addTrainOptions(program.command('train')
    .description('train the MLP (or a seed ensemble of MLPs, or --model gbdt|rf|logreg) on preprocessed data over several seeds; save the first seed\'s model')
    .argument('<preprocessed>', 'preprocessed_data.csv')
    .option('-o, --output <base>', 'model path without extension (writes .safetensors and .json)', 'model')
    .option('--report <html>', 'also write the HTML report'))
    .action(async (file: string, o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const data = await readPrepared(file);
      const overrides = mlpOverrides(o);
      const choice = modelChoice(o);
      const prog = trainProgress(json, o.seeds, overrides.epochs ?? (o.preset === 'original' ? 1000 : 300), choice.ensemble, o.jobs);
      let r;
      try {
        r = await trainAndEvaluateParallel(data, {
          preset: o.preset, overrides, seeds: o.seeds, scaler: o.scaler as ScalerKind, resplit: !!o.resplit, ...choice, jobs: o.jobs,
          ...(prog.onEpoch ? { onEpoch: prog.onEpoch } : {}), onSeedDone: prog.onSeedDone,
        });
      } finally { prog.stop(); }
      const runs = r.runs.map((x) => ({ seed: x.seed, accuracy: x.test.accuracy, macroF1: x.test.macroF1, balancedAccuracy: x.test.balancedAccuracy, epochs: x.history.epochsRun, bestEpoch: x.history.bestEpoch }));
      const paths = saveGenreModel(o.output, {
        classifier: r.model, preset: o.preset, scaler: r.scaler, featureNames: data.featureNames, featureGroups: featureGroupsOf(data.featureNames),
        keyEncoding: keyEncodingOf(data.featureNames), classNames: data.classNames, metrics: { model: r.modelName, ensemble: r.ensemble, summary: r.summary, runs }, info: { data: file },
        split: { ...r.split, rows: data.rows },
        ...(choice.modelOptions ? { modelOptions: choice.modelOptions } : {}),
      });
      const what = r.modelName !== 'mlp' ? r.modelName : r.ensemble > 1 ? `${o.preset} MLP × ${r.ensemble} (seed ensemble)` : `${o.preset} MLP`;
      const settings = r.modelName !== 'mlp' ? { model: r.modelName, modelOptions: JSON.stringify(choice.modelOptions ?? {}) } : { preset: o.preset, ensemble: r.ensemble, ...r.options };
      if (o.report) {
        writeFileAtomic(o.report, renderReport({
          title: `Genre classification — ${what}`, classNames: data.classNames, test: r.runs[0].test, baseline: r.runs[0].baseline,
          summary: r.summary as never, runs, history: r.runs[0].history, settings: { ...settings, data: file },
        }));
      }
      const s = r.summary;
      print(json, [
        `saved ${paths.json}${paths.weights !== null ? ` and ${paths.weights}` : ''}${o.report ? ` and ${o.report}` : ''} (${what})`,
        `test over ${o.seeds.length} seed(s): accuracy ${formatMeanStd(s.accuracy)} %, macro-F1 ${formatMeanStd(s.macroF1)} %, balanced accuracy ${formatMeanStd(s.balancedAccuracy)} %`,
        `majority class: accuracy ${formatMeanStd(s.baselineAccuracy)} %, macro-F1 ${formatMeanStd(s.baselineMacroF1)} %`,
      ].join('\n'), { model: paths, modelName: r.modelName, ensemble: r.ensemble, preset: o.preset, options: r.options, summary: s, runs });
    });
}
