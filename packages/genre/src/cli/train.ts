// `timbre train`: train and score a model over several seeds on preprocessed data; save the first seed's model.
import { InvalidArgumentError, type Command } from 'commander';
import { writeFileAtomic } from '@timbre/nn';
import type { ScalerKind } from '../ml/scaler.js';
import { formatMeanStd } from '../ml/summary.js';
import { featureGroupsOf, keyEncodingOf } from '../preprocess/features.js';
import { readPrepared, splitIndices } from '../preprocess/preprocess.js';
import { autoReportInput } from '../report/auto.js';
import { curveSourceOf, renderReport } from '../report/html.js';
import { saveGenreModel } from '../pipeline/model-file.js';
import { trainAndEvaluateParallel } from '../pipeline/parallel.js';
import { fitFinal, type FinalFit, type TrainRunOptions } from '../pipeline/run.js';
import { pct, print, type Globals } from './options.js';
import { defaultAutoBudget, trainAuto } from '../pipeline/auto.js';
import type { PreparedData } from '../preprocess/preprocess.js';
import { addTrainOptions, mlpOverrides, modelChoice, resolvePreset, trainProgress } from './train-options.js';

/** Adds `train` to the program. */
export function addTrainCommand(program: Command): void {
  addTrainOptions(
    program
      .command('train')
      .description(
        'choose a model on preprocessed data (auto: by nested artist-disjoint cross-validation, within --budget), fit it on every labelled row, calibrate and save it; or train the MLP presets or --model over several seeds on the test split',
      )
      .argument('<preprocessed>', 'preprocessed_data.csv')
      .option('-o, --output <base>', 'model path without extension (writes .safetensors and .json)', 'model')
      .option('--report <html>', 'also write the HTML report')
      .option(
        '--nested <folds>',
        'auto: outer folds of the nested estimate, run when the budget affords them after the choice (default 2: each re-runs the choice on half the rows, so the estimate costs about one more choice; 0 = never)',
        nestedArg,
      ),
    'train',
  ).action(async (file: string, o, cmd: Command) => {
    const { json } = cmd.optsWithGlobals<Globals>();
    o.preset = resolvePreset(o, cmd.getOptionValueSource('preset') === 'cli');
    const data = await readPrepared(file);
    const overrides = mlpOverrides(o);
    const choice = modelChoice(o);
    if (o.nested !== undefined && o.preset !== 'auto') throw new Error(`--nested applies to the auto preset, not to --preset ${o.preset}`);
    if (o.preset === 'auto') {
      await trainAutoCommand(file, data, o, json);
      return;
    }
    const options: TrainRunOptions = {
      preset: o.preset,
      overrides,
      seeds: o.seeds,
      scaler: o.scaler as ScalerKind,
      resplit: !!o.resplit,
      ...choice,
      refit: o.refit !== false,
    };
    const common = {
      preset: o.preset,
      featureNames: data.featureNames,
      featureGroups: featureGroupsOf(data.featureNames),
      keyEncoding: keyEncodingOf(data.featureNames),
      classNames: data.classNames,
      ...(choice.modelOptions ? { modelOptions: choice.modelOptions } : {}),
    };
    const fitOf = (f: FinalFit) => ({
      refit: true,
      rows: f.rows,
      ...(f.epochs !== undefined ? { epochs: f.epochs } : {}),
      ...(f.rounds !== undefined ? { rounds: f.rounds } : {}),
      from: f.from,
    });
    const fitLine = (f: FinalFit) =>
      `fit on all ${f.rows} labelled rows${f.epochs !== undefined ? ` for ${f.epochs} epochs` : f.rounds !== undefined ? ` for ${f.rounds} rounds` : ''} (${f.from})`;
    if (!o.resplit && splitIndices(data, 'test').length === 0) {
      // No test rows (preprocessed with --test 0): only the final model is wanted.
      if (o.refit === false)
        throw new Error(
          `train: ${file} has no test rows, so there is nothing to evaluate; drop --no-refit to fit the final model on every row, or preprocess with --test > 0`,
        );
      const f = fitFinal(data, options, []);
      const paths = saveGenreModel(o.output, {
        ...common,
        classifier: f.model,
        scaler: f.scaler,
        fit: fitOf(f),
        metrics: { model: choice.model ?? 'mlp', evaluated: false },
        info: { data: file },
      });
      print(
        json,
        [
          `saved ${paths.json}${paths.weights !== null ? ` and ${paths.weights}` : ''}: ${fitLine(f)}`,
          `not evaluated: ${file} has no test rows (preprocess with --test > 0, or use timbre compare, for numbers on unseen artists)`,
        ].join('\n'),
        { model: paths, fit: fitOf(f), evaluated: false },
      );
      return;
    }
    const prog = trainProgress(json, o.seeds, overrides.epochs ?? (o.preset === 'original' ? 1000 : 300), choice.ensemble, o.jobs);
    let r;
    try {
      r = await trainAndEvaluateParallel(data, { ...options, jobs: o.jobs, ...(prog.onEpoch ? { onEpoch: prog.onEpoch } : {}), onSeedDone: prog.onSeedDone });
    } finally {
      prog.stop();
    }
    if (!json) for (const w of r.warnings) process.stderr.write(`timbre: warning: ${w}\n`);
    const runs = r.runs.map((x) => ({
      seed: x.seed,
      accuracy: x.test.accuracy,
      macroF1: x.test.macroF1,
      balancedAccuracy: x.test.balancedAccuracy,
      epochs: x.history.epochsRun,
      bestEpoch: x.history.bestEpoch,
    }));
    const metrics = { model: r.modelName, ensemble: r.ensemble, summary: r.summary, runs };
    const paths =
      r.final !== undefined
        ? saveGenreModel(o.output, { ...common, classifier: r.final.model, scaler: r.final.scaler, fit: fitOf(r.final), metrics, info: { data: file } })
        : saveGenreModel(o.output, { ...common, classifier: r.model, scaler: r.scaler, split: { ...r.split, rows: data.rows }, metrics, info: { data: file } });
    const what = r.modelName !== 'mlp' ? r.modelName : r.ensemble > 1 ? `${o.preset} MLP × ${r.ensemble} (seed ensemble)` : `${o.preset} MLP`;
    const settings =
      r.modelName !== 'mlp'
        ? { model: r.modelName, modelOptions: JSON.stringify(choice.modelOptions ?? {}) }
        : { preset: o.preset, ensemble: r.ensemble, ...r.options };
    if (o.report) {
      writeFileAtomic(
        o.report,
        renderReport({
          title: `Genre classification — ${what}`,
          classNames: data.classNames,
          test: r.runs[0].test,
          baseline: r.runs[0].baseline,
          summary: r.summary as never,
          runs,
          history: { ...r.runs[0].history, from: curveSourceOf(r.runs[0], r.modelName) },
          settings: { ...settings, data: file },
        }),
      );
    }
    const s = r.summary;
    print(
      json,
      [
        `saved ${paths.json}${paths.weights !== null ? ` and ${paths.weights}` : ''}${o.report ? ` and ${o.report}` : ''} (${what})`,
        `test over ${o.seeds.length} seed(s): accuracy ${formatMeanStd(s.accuracy)} %, macro-F1 ${formatMeanStd(s.macroF1)} %, balanced accuracy ${formatMeanStd(s.balancedAccuracy)} %`,
        `majority class: accuracy ${formatMeanStd(s.baselineAccuracy)} %, macro-F1 ${formatMeanStd(s.baselineMacroF1)} %`,
        r.final !== undefined ? `saved model: ${fitLine(r.final)}` : `saved model: the first seed's, trained on its train split (--no-refit)`,
      ].join('\n'),
      {
        model: paths,
        modelName: r.modelName,
        ensemble: r.ensemble,
        preset: o.preset,
        options: r.options,
        summary: s,
        runs,
        warnings: r.warnings,
        ...(r.final ? { fit: fitOf(r.final) } : {}),
      },
    );
  });
}

/** `--nested`: 0 or an integer >= 2. */
function nestedArg(v: string): number {
  const k = Number(v);
  if (!(Number.isInteger(k) && (k === 0 || k >= 2))) throw new InvalidArgumentError(`--nested: expected 0 or an integer >= 2, got "${v}"`);
  return k;
}

/** `train --preset auto`: choose the model on this data (nested artist-disjoint CV), fit it on every row, save it. */
async function trainAutoCommand(file: string, data: PreparedData, o: Record<string, unknown>, json: boolean | undefined): Promise<void> {
  const mlpFlags = Object.keys(mlpOverrides(o));
  if (o.model !== undefined || o.ensemble !== undefined || mlpFlags.length > 0) {
    throw new Error(
      `--preset auto chooses the model and its settings itself; drop ${o.model !== undefined ? '--model' : o.ensemble !== undefined ? '--ensemble' : `--${mlpFlags[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`}`,
    );
  }
  if (o.refit === false) throw new Error('--preset auto always fits the chosen model on every row; --no-refit applies to the MLP presets and --model');
  const seeds = o.seeds as number[];
  const budget = (o.budget as number | undefined) ?? defaultAutoBudget(data.rows);
  const r = trainAuto(data, {
    budgetSeconds: budget,
    seed: seeds[0],
    outerFolds: (o.nested as number | undefined) ?? 2,
    ...(json ? {} : { onProgress: (line: string) => process.stderr.write(`  ${line}\n`) }),
  });
  const c = r.choice;
  const metrics = {
    model: 'auto',
    chosen: c.chosen,
    temperature: c.temperature,
    budgetSeconds: budget,
    seconds: r.seconds,
    candidates: c.candidates.map((x) => ({
      name: x.name,
      status: x.status,
      macroF1: x.macroF1,
      accuracy: x.accuracy,
      foldMacroF1: x.foldMacroF1,
      foldAccuracy: x.foldAccuracy,
      seconds: x.seconds,
      options: x.choice?.options ?? null,
    })),
    ...(c.outer
      ? {
          nested: {
            folds: c.outer.folds,
            accuracy: c.outer.accuracy,
            macroF1: c.outer.macroF1,
            majorityAccuracy: c.outer.majorityAccuracy,
            majorityMacroF1: c.outer.majorityMacroF1,
            chosen: c.outer.chosen,
            ece: c.outer.ece,
            eceCalibrated: c.outer.eceCalibrated,
          },
        }
      : {}),
    ...(c.outerNote !== null ? { nestedNote: c.outerNote } : {}),
  };
  const fit = {
    refit: true,
    rows: r.rows,
    from: `auto: ${c.chosen.name} chosen by artist-disjoint cross-validated macro-F1; fitted on every row (15 % of the artists held out for early stopping), temperature ${c.temperature.toFixed(2)}`,
  };
  const paths = saveGenreModel(o.output as string, {
    classifier: r.model,
    preset: 'auto',
    scaler: r.scaler,
    featureNames: data.featureNames,
    featureGroups: featureGroupsOf(data.featureNames),
    keyEncoding: keyEncodingOf(data.featureNames),
    classNames: data.classNames,
    modelOptions: { model: c.chosen.model, ...c.chosen.options },
    fit,
    metrics,
    info: { data: file },
  });
  if (o.report) writeFileAtomic(o.report as string, renderReport(autoReportInput(c, { y: data.y, classNames: data.classNames, input: file })));
  const table = c.candidates.map(
    (x) =>
      `  ${x.name.padEnd(16)} ${x.status === 'scored' ? `macro-F1 ${pct(x.macroF1)} %  accuracy ${pct(x.accuracy)} %  ${x.seconds.toFixed(0)} s` : 'skipped (budget)'}`,
  );
  const nestedLine = c.outer
    ? `nested estimate (${c.outer.folds} outer folds, each choosing on its own training part): accuracy ${pct(c.outer.accuracy)} %, macro-F1 ${pct(c.outer.macroF1)} %; majority class ${pct(c.outer.majorityAccuracy)} % / ${pct(c.outer.majorityMacroF1)} %; calibration error ${pct(c.outer.ece)} % → ${pct(c.outer.eceCalibrated)} %`
    : c.outerNote;
  print(
    json,
    [
      `candidates (artist-disjoint 3-fold CV on all ${data.rows} rows):`,
      ...table,
      `chosen: ${c.chosen.name} (temperature ${c.temperature.toFixed(2)})`,
      ...(nestedLine !== null ? [nestedLine] : []),
      `saved ${paths.json}${paths.weights !== null ? ` and ${paths.weights}` : ''}${o.report ? ` and ${o.report}` : ''}: ${fit.from} (${r.seconds.toFixed(0)} s of a ${budget.toFixed(0)} s budget)`,
    ].join('\n'),
    { ...metrics, preset: 'auto', model: paths, fit },
  );
}
