// `timbre run`: every step — (extract) → labels → preprocess → train → evaluate → report.
import { Option, type Command } from 'commander';
import { formatMeanStd } from '../ml/summary.js';
import { runPipeline, type PipelineOptions } from '../pipeline/pipeline.js';
import { collect, int, print, type Globals } from './options.js';
import { makeBar } from './progress.js';
import { addTrainOptions, mlpOverrides, modelChoice, trainProgress } from './train-options.js';

/** Adds `run` to the program. */
export function addRunCommand(program: Command): void {
  addTrainOptions(
    program
      .command('run')
      .description('all steps: (extract) → labels → preprocess → train → evaluate → report')
      .option('--msd <dir>', 'folder of MSD .h5 files to extract')
      .option('--songs <csv>', 'or: a song table to start from')
      .option('--labels <file>', 'label file (.cls) or last.fm JSON')
      .option('--join <csv>', 'feature table joined on track_id/song_id (repeatable)', collect, [])
      .option('--features <spec>', 'feature groups', 'auto')
      .option('--min-class-count <n>', 'drop classes with fewer rows', int('--min-class-count'), 10)
      .option('--require <group>', 'drop songs missing this imputable group or field (timbre, pitch, year, …) instead of imputing it (repeatable)', collect, [])
      .addOption(new Option('--split <kind>').choices(['artist', 'random']).default('artist'))
      .option('--split-seed <n>', 'seed of the stored split', int('--split-seed'), 42)
      .option('--synthetic', 'label every output as synthetic data')
      .requiredOption('-o, --out <dir>', 'output folder'),
    'run',
  ).action(async (o, cmd: Command) => {
    const { json } = cmd.optsWithGlobals<Globals>();
    const bar = makeBar(!json);
    if (o.preset === 'auto')
      throw new Error('--preset auto is for timbre train (run: preprocess, then timbre train <preprocessed.csv>, where auto is the default)');
    const overrides = mlpOverrides(o);
    const choice = modelChoice(o);
    const prog = trainProgress(json, o.seeds, overrides.epochs ?? (o.preset === 'original' ? 1000 : 300), choice.ensemble, o.jobs);
    const opts: PipelineOptions = {
      out: o.out,
      ...(o.msd ? { msd: o.msd } : {}),
      ...(o.songs ? { songs: o.songs } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
      joins: o.join,
      features: o.features,
      minClassCount: o.minClassCount,
      require: o.require,
      split: o.split,
      splitSeed: o.splitSeed,
      preset: o.preset,
      overrides,
      seeds: o.seeds,
      resplit: !!o.resplit,
      refit: o.refit !== false,
      scaler: o.scaler,
      synthetic: !!o.synthetic,
      ...choice,
      jobs: o.jobs,
      command: `timbre ${process.argv.slice(2).join(' ')}`,
      onStep: (s) => {
        bar.stop();
        if (!json && process.stderr.isTTY) process.stderr.write(`• ${s}\n`);
      },
      onExtract: (d, t) => {
        if (d === 1) bar.start(t, 'extract');
        bar.update(d);
      },
      ...(prog.onEpoch ? { onEpoch: prog.onEpoch } : {}),
      onSeedDone: prog.onSeedDone,
    };
    let r;
    try {
      r = await runPipeline(opts);
    } finally {
      bar.stop();
      prog.stop();
    }
    const s = r.summary;
    print(
      json,
      [
        ...(r.synthetic ? ['SYNTHETIC data (generated, not real music)'] : []),
        `rows: ${r.preprocess.kept} kept of ${r.preprocess.rowsRead}; classes ${r.classNames.length}; split train ${r.preprocess.split.train} / valid ${r.preprocess.split.valid} / test ${r.preprocess.split.test}`,
        `test (${r.model !== 'mlp' ? r.model : `${r.preset} preset${r.ensemble > 1 ? `, ensemble of ${r.ensemble} MLPs` : ''}`}, ${r.runs.length} seeds): accuracy ${formatMeanStd(s.accuracy)} %, macro-F1 ${formatMeanStd(s.macroF1)} %`,
        `majority class: accuracy ${formatMeanStd(s.baselineAccuracy)} %, macro-F1 ${formatMeanStd(s.baselineMacroF1)} %`,
        ...Object.entries(r.files).map(([k, v]) => `  ${k}: ${v}`),
      ].join('\n'),
      r,
    );
  });
}
