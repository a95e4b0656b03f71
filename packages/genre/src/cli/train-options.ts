// The flags `train` and `run` share, what they mean for the model, and their progress bars.
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import type { ClassWeighting, MlpOptions } from '../ml/mlp.js';
import { listModels } from '../ml/registry.js';
import { ensembleSize, type SeedRun } from '../pipeline/run.js';
import { float, int, intList, jsonArg, patienceArg, seedsArg } from './options.js';
import { makeBar } from './progress.js';

/**
 * The preset to train with: the one given, or — when `--preset` was left at `train`'s default
 * (auto) — `default` as soon as a flag of the MLP presets or of `--model` asks for that protocol.
 */
export function resolvePreset(o: Record<string, unknown>, presetGiven: boolean): string {
  const preset = o.preset as string;
  if (presetGiven || preset !== 'auto') return preset;
  const mlpProtocol =
    o.model !== undefined ||
    o.ensemble !== undefined ||
    o.modelOptions !== undefined ||
    o.resplit === true ||
    o.refit === false ||
    Object.keys(mlpOverrides(o)).length > 0;
  return mlpProtocol ? 'default' : 'auto';
}

/** Model choice from CLI flags: the MLP (with an ensemble size) or a registry model. */
export function modelChoice(o: Record<string, unknown>): { ensemble: number; model?: string; modelOptions?: Record<string, unknown> } {
  const model = o.model as string | undefined;
  if (model !== undefined && model !== 'mlp') {
    if (o.ensemble !== undefined && o.ensemble !== 1)
      throw new Error(`--ensemble applies to the MLP only, not to --model ${model} (try --model seed-ensemble)`);
    const mlpFlags = Object.keys(mlpOverrides(o));
    if (mlpFlags.length > 0)
      throw new Error(
        `--${mlpFlags[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is an MLP setting; --model ${model} takes --model-options JSON instead`,
      );
    if (!listModels().some((m) => m.name === model))
      throw new Error(
        `--model: unknown model "${model}" (known: ${listModels()
          .map((m) => m.name)
          .join(', ')})`,
      );
    return { ensemble: 1, model, modelOptions: (o.modelOptions as Record<string, unknown> | undefined) ?? {} };
  }
  if (o.modelOptions !== undefined) throw new Error('--model-options needs --model (MLP settings have their own flags)');
  return { ensemble: ensembleSize(o.preset as string, o.ensemble as number | undefined) };
}

/** MLP overrides from CLI flags (only the ones given). */
export function mlpOverrides(o: Record<string, unknown>): Partial<MlpOptions> {
  const out: Partial<MlpOptions> = {};
  if (o.epochs !== undefined) out.epochs = o.epochs as number;
  if (o.lr !== undefined) out.lr = o.lr as number;
  if (o.batchSize !== undefined) out.batchSize = o.batchSize as number;
  if (o.hidden !== undefined) out.hidden = o.hidden as number[];
  if (o.dropout !== undefined) out.dropout = o.dropout as number;
  if (o.weightDecay !== undefined) out.weightDecay = o.weightDecay as number;
  if (o.classWeights !== undefined) out.classWeights = o.classWeights as ClassWeighting;
  if (o.optimizer !== undefined) out.optimizer = o.optimizer as MlpOptions['optimizer'];
  if (o.patience !== undefined) out.patience = o.patience === 'none' ? null : (o.patience as number);
  return out;
}

/** Help of `--preset` for `train`, where `auto` is the default. */
const TRAIN_PRESET_HELP =
  "auto (the default: choose among logistic regression with C tuned, random forest, GBDT, the MLP seed ensemble and their blends by artist-disjoint CV on this data, estimate the choice by nested CV, fit the winner on every row and calibrate it; --budget bounds it), default (the MLP seed ensemble, scored over --seeds on the test split), or original (the original project's MLP). Without --preset, MLP flags, --model, --ensemble, --resplit or --no-refit select default";
/** Help of `--preset` for `run`, which keeps the MLP preset as its default. */
const RUN_PRESET_HELP =
  "default (the MLP seed ensemble) or original (the original project's MLP). run scores every seed on its stored test split and reports each; the auto preset chooses on all rows by cross-validation instead, so it is a train option (timbre train <preprocessed.csv>, where it is the default)";

/** The flags `train` and `run` share: preset, model, seeds, split, scaler and the MLP's settings. */
export function addTrainOptions(c: Command, command: 'train' | 'run'): Command {
  const presets = command === 'train' ? ['auto', 'default', 'original'] : ['default', 'original', 'auto'];
  return c
    .addOption(
      new Option('--preset <name>', command === 'train' ? TRAIN_PRESET_HELP : RUN_PRESET_HELP)
        .choices(presets)
        .default(command === 'train' ? 'auto' : 'default'),
    )
    .option('--ensemble <k>', "seed ensemble of K MLPs per model, probabilities averaged (1 = one MLP; default: the preset's)", int('--ensemble'))
    .option('--model <name>', 'a registry model instead of the MLP: gbdt, rf, logreg, … (see `timbre models`; saved: gbdt, rf, logreg)')
    .option('--model-options <json>', 'options of --model as JSON, e.g. \'{"nRounds":300}\'', jsonArg('--model-options'))
    .option('--seeds <list>', 'seeds: a count ("5" = 1..5) or a list ("1,2,3")', seedsArg, [1, 2, 3])
    .option(
      '--budget <seconds>',
      'auto: wall-clock seconds for the whole train (default: 55 up to 2,000 rows, +25 per 1,000 rows beyond, at most 170). The choice and the nested estimate may use four fifths, the final fit the rest; every candidate (logistic regression, MLP, GBDT, random forest) is fitted once, in that order, before further C values and MLP seeds, so less time means fewer C values and MLP seeds, then fewer candidates; the nested estimate (--nested) runs only when the time the choice left affords about 1.5 × the choice per outer fold. More time lets all 7 C values and 5 MLP seeds run, then the estimate (about --budget 110 on 1,000 rows, 450 on 7,000)',
      float('--budget'),
    )
    .option('--no-refit', "save the first seed's model as evaluated instead of refitting it on every labelled row")
    .option('--resplit', 'draw a new artist-disjoint split for every seed (mean ± std then includes split variance)')
    .option(
      '-j, --jobs <n>',
      'seeds trained at once, on this thread and worker threads (same results as 1; default: the number of cores)',
      int('--jobs'),
      availableParallelism(),
    )
    .addOption(new Option('--scaler <kind>', 'feature scaling fitted on the training split').choices(['standard', 'minmax']).default('standard'))
    .option('--epochs <n>', 'maximum epochs', int('--epochs'))
    .option('--lr <x>', 'learning rate', float('--lr'))
    .option('--batch-size <n>', 'mini-batch size', int('--batch-size'))
    .option('--hidden <list>', 'hidden widths, e.g. 128,64', intList('--hidden'))
    .option('--dropout <p>', 'dropout after each hidden layer', float('--dropout'))
    .option('--weight-decay <x>', 'weight decay', float('--weight-decay'))
    .addOption(new Option('--class-weights <kind>', 'class weighting in the loss').choices(['none', 'balanced', 'sqrt']))
    .addOption(new Option('--optimizer <name>').choices(['adam', 'adamw', 'sgd']))
    .option('--patience <n>', 'early-stopping patience on validation macro-F1, or "none"', patienceArg);
}

/** Progress bars for training: per epoch on one thread, per seed when several threads train. */
export function trainProgress(json: boolean | undefined, seeds: readonly number[], maxEpochs: number, members = 1, jobs = 1) {
  const bar = makeBar(!json);
  const threads = Math.min(jobs, seeds.length);
  if (threads > 1) {
    // Seeds finish out of order on several threads: one bar over seeds, no per-epoch updates.
    let done = 0;
    return {
      onEpoch: undefined,
      onSeedDone: (run: SeedRun) => {
        if (done === 0) bar.start(seeds.length, `seeds on ${threads} threads`);
        bar.update(++done, `seed ${run.seed}: macro-F1 ${(run.test.macroF1 * 100).toFixed(1)} %`);
      },
      stop: () => bar.stop(),
    };
  }
  let seedIdx = 0;
  return {
    onEpoch: (seed: number, log: { epoch: number; trainLoss: number; validMacroF1: number }, member = 0) => {
      if (log.epoch === 1) {
        if (member === 0) seedIdx++;
        bar.start(maxEpochs, `seed ${seed} (${seedIdx}/${seeds.length})${members > 1 ? ` member ${member + 1}/${members}` : ''}`);
      }
      bar.update(log.epoch, `loss ${log.trainLoss.toFixed(3)} valid F1 ${Number.isFinite(log.validMacroF1) ? log.validMacroF1.toFixed(3) : '–'}`);
    },
    onSeedDone: () => bar.stop(),
    stop: () => bar.stop(),
  };
}

/** Builds the program (exported so tests can run commands in-process). */
