#!/usr/bin/env node
// The `timbre` command: extract, labels, preprocess, train, evaluate, predict and run (all steps).
// Human output on stdout by default, one JSON object with --json; errors on stderr with exit code 1.
// Every file is written atomically, so a failed command leaves nothing half-written.
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileAtomic } from '@timbre/nn';
import { writeCsvAtomic } from '../io/csv.js';
import { LastfmClient, lastfmFlagOptions } from '../labels/lastfm.js';
import { labelFromLastfm, readLabels, writeLabelFile, type LabelResult, type LabelRuleOptions, type TrackRef } from '../labels/label.js';
import { parseVocabulary, type TagRule } from '../labels/tags.js';
import { argmaxRows, evaluatePredictions, majorityBaseline } from '../ml/metrics.js';
import { formatMeanStd } from '../ml/summary.js';
import { readSongs } from '../msd/reader.js';
import { preprocess, readPrepared, SPLIT_NAMES, type SplitName } from '../preprocess/preprocess.js';
import { readSongTable } from '../preprocess/table.js';
import type { KeyEncoding } from '../preprocess/features.js';
import type { ScalerKind } from '../ml/scaler.js';
import { renderReport } from '../report/html.js';
import { datasetFromPrepared, splitRows, type SplitSpec } from '../pipeline/datasets.js';
import type { ClassWeighting, MlpOptions } from '../ml/mlp.js';
import { loadGenreModel, saveGenreModel } from '../pipeline/model-file.js';
import { runPipeline, type PipelineOptions } from '../pipeline/pipeline.js';
import { predictInputs } from '../pipeline/predict.js';
import { listMsdFiles } from '../extract/files.js';
import { trainAndEvaluateParallel } from '../pipeline/parallel.js';
import { ensembleSize, type SeedRun } from '../pipeline/run.js';
import { listModels } from '../ml/registry.js';
import { makeBar } from './progress.js';
import { addExtractCommand } from './extract.js';
import { addModelCommands } from './models.js';

// ---- option parsers (commander calls them with the raw string) ----
const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${v}"`);
  return n;
};
const float = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
  return n;
};
const intList = (name: string) => (v: string): number[] => v.split(',').map((s) => int(name)(s.trim()));
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const seedsArg = (v: string): number[] => {
  // "5" = seeds 1..5; "1,7,9" = those seeds.
  if (/^\d+$/.test(v.trim())) { const n = Number(v); if (n < 1) throw new InvalidArgumentError('--seeds must be >= 1'); return Array.from({ length: n }, (_, i) => i + 1); }
  return intList('--seeds')(v);
};
const jsonArg = (v: string): Record<string, unknown> => {
  let o: unknown;
  try { o = JSON.parse(v); } catch (e) { throw new InvalidArgumentError(`--model-options must be a JSON object: ${(e as Error).message}`); }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new InvalidArgumentError('--model-options must be a JSON object such as {"nRounds":300}');
  return o as Record<string, unknown>;
};
const patienceArg = (v: string): number | null => (v === 'none' ? null : int('--patience')(v));

interface Globals { json?: boolean }

function print(json: boolean | undefined, human: string, obj: unknown): void {
  if (json) process.stdout.write(JSON.stringify(obj, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
  else process.stdout.write(human + '\n');
}

const pct = (v: number) => (v * 100).toFixed(1);

function ruleOptions(o: { rule?: string; vocabulary?: string; minCount?: number }): LabelRuleOptions {
  const out: LabelRuleOptions = {};
  if (o.rule !== undefined) {
    if (o.rule !== 'seed' && o.rule !== 'top-count') throw new Error(`--rule must be seed or top-count, got "${o.rule}"`);
    out.rule = o.rule as TagRule;
  }
  if (o.vocabulary !== undefined) {
    let text: string;
    try { text = readFileSync(o.vocabulary, 'utf8'); } catch { throw new Error(`--vocabulary ${o.vocabulary}: cannot read the file`); }
    out.vocabulary = parseVocabulary(text, o.vocabulary);
  }
  if (o.minCount !== undefined) out.minCount = o.minCount;
  return out;
}

/** Model choice from CLI flags: the MLP (with an ensemble size) or a registry model. */
function modelChoice(o: Record<string, unknown>): { ensemble: number; model?: string; modelOptions?: Record<string, unknown> } {
  const model = o.model as string | undefined;
  if (model !== undefined && model !== 'mlp') {
    if (o.ensemble !== undefined && o.ensemble !== 1) throw new Error(`--ensemble applies to the MLP only, not to --model ${model} (try --model seeds)`);
    const mlpFlags = Object.keys(mlpOverrides(o));
    if (mlpFlags.length > 0) throw new Error(`--${mlpFlags[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is an MLP setting; --model ${model} takes --model-options JSON instead`);
    if (!listModels().some((m) => m.name === model)) throw new Error(`--model: unknown model "${model}" (known: ${listModels().map((m) => m.name).join(', ')})`);
    return { ensemble: 1, model, modelOptions: (o.modelOptions as Record<string, unknown> | undefined) ?? {} };
  }
  if (o.modelOptions !== undefined) throw new Error('--model-options needs --model (MLP settings have their own flags)');
  return { ensemble: ensembleSize(o.preset as string, o.ensemble as number | undefined) };
}

/** MLP overrides from CLI flags (only the ones given). */
function mlpOverrides(o: Record<string, unknown>): Partial<MlpOptions> {
  const out: Partial<MlpOptions> = {};
  if (o.epochs !== undefined) out.epochs = o.epochs as number;
  if (o.lr !== undefined) out.lr = o.lr as number;
  if (o.batchSize !== undefined) out.batchSize = o.batchSize as number;
  if (o.hidden !== undefined) out.hidden = o.hidden as number[];
  if (o.dropout !== undefined) out.dropout = o.dropout as number;
  if (o.weightDecay !== undefined) out.weightDecay = o.weightDecay as number;
  if (o.classWeights !== undefined) out.classWeights = o.classWeights as ClassWeighting;
  if (o.optimizer !== undefined) out.optimizer = o.optimizer as MlpOptions['optimizer'];
  if (o.patience !== undefined) out.patience = o.patience as number | null;
  return out;
}

function addTrainOptions(c: Command): Command {
  return c
    .addOption(new Option('--preset <name>', 'MLP preset').choices(['default', 'seed']).default('default'))
    .option('--ensemble <k>', 'seed ensemble of K MLPs per model, probabilities averaged (1 = one MLP; default: the preset\'s)', int('--ensemble'))
    .option('--model <name>', 'a registry model instead of the MLP: gbdt, rf, logreg, … (see `timbre models`; saved: gbdt, rf, logreg)')
    .option('--model-options <json>', 'options of --model as JSON, e.g. \'{"nRounds":300}\'', jsonArg)
    .option('--seeds <list>', 'seeds: a count ("5" = 1..5) or a list ("1,2,3")', seedsArg, [1, 2, 3])
    .option('--resplit', 'draw a new artist-disjoint split for every seed (mean ± std then includes split variance)')
    .option('-j, --jobs <n>', 'seeds trained at once, on this thread and worker threads (same results as 1; default: the number of cores)', int('--jobs'), availableParallelism())
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

function trainProgress(json: boolean | undefined, seeds: readonly number[], maxEpochs: number, members = 1, jobs = 1) {
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
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('timbre')
    .description('Million Song Dataset genre classification on a pure-TypeScript neural-net library')
    .option('--json', 'print one JSON object on stdout instead of text')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });
  // `--json` may come anywhere; commands that declare their own --json (models, compare, …) see it too.
  program.hook('preAction', (_root, action) => {
    if (program.opts<Globals>().json === true && action.options.some((opt) => opt.attributeName() === 'json')) action.setOptionValue('json', true);
  });

  addExtractCommand(program); // extract, merge (the MSD extractor)

  program.command('labels')
    .description('make a label file (track_id<TAB>genre) from last.fm, last.fm JSON or tagtraum .cls')
    .option('--songs <path>', 'songs to label: a song table CSV or a folder of .h5 files (needed for --lastfm)')
    .option('--lastfm', 'ask the last.fm API (track.getTopTags) for each song')
    .option('--lastfm-json <path>', 'offline last.fm tags: lastfm_subset .json file or folder')
    .option('--tagtraum <path>', 'a tagtraum .cls file')
    .option('--rule <rule>', 'tag → genre rule: top-count (default) or seed (the last matching tag among the seed\'s 17)')
    .option('--vocabulary <json>', 'genre vocabulary: ["rock", …] or {"genres": […], "aliases": {"hip hop": "hip-hop"}}')
    .option('--min-count <n>', 'minimum tag count for the top-count rule', int('--min-count'))
    .option('--lastfm-key <key>', 'last.fm API key (default: $LASTFM_API_KEY; never logged or stored)')
    .option('--base-url <url>', 'last.fm API endpoint', 'https://ws.audioscrobbler.com/2.0/')
    .option('--cache <file>', 'on-disk cache of last.fm answers (JSON lines)', '.cache/lastfm.jsonl')
    .option('--rate <perSecond>', 'maximum last.fm requests per second (0.01 to 100; last.fm asks for at most 5)', float('--rate'), 4)
    .option('--timeout <seconds>', 'per-request timeout', float('--timeout'), 15)
    .option('--retries <n>', 'retries per track after the first attempt', int('--retries'), 5)
    .option('--track-budget <seconds>', 'total time per track, retries and waits included', float('--track-budget'), 60)
    .requiredOption('-o, --output <file>', 'label file to write')
    .action(async (o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const sources = [o.lastfm, o.lastfmJson, o.tagtraum].filter((s) => s !== undefined);
      if (sources.length !== 1) throw new Error('give exactly one of --lastfm, --lastfm-json or --tagtraum');
      const rule = ruleOptions(o);
      let res: LabelResult;
      if (o.lastfm) {
        if (!o.songs) throw new Error('--lastfm needs --songs (a song table or a folder of .h5 files)');
        // Ctrl-C / SIGTERM end the lookups at once; answers so far stay cached and no label file is written.
        const stop = new AbortController();
        const onSignal = (sig: NodeJS.Signals) => stop.abort(sig);
        const client = new LastfmClient({
          ...(o.lastfmKey ? { apiKey: o.lastfmKey } : {}), baseUrl: o.baseUrl, cacheFile: o.cache, signal: stop.signal,
          ...lastfmFlagOptions({ rate: o.rate, timeout: o.timeout, retries: o.retries, trackBudget: o.trackBudget }),
        });
        const tracks = await loadTrackRefs(o.songs);
        const bar = makeBar(!json);
        bar.start(tracks.length, 'last.fm');
        process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
        try {
          res = await labelFromLastfm(tracks, client, { ...rule, onProgress: (d) => bar.update(d, `${client.cacheHits} cached`) });
        } finally {
          process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
          bar.stop();
        }
      } else {
        res = await readLabels(o.lastfmJson ?? o.tagtraum, rule);
        if (o.songs) {
          const ids = new Set((await loadTrackRefs(o.songs)).map((t) => t.trackId));
          for (const id of [...res.labels.keys()]) if (!ids.has(id)) res.labels.delete(id);
        }
      }
      writeLabelFile(o.output, res.labels, `genre labels (${o.lastfm ? 'last.fm API' : o.lastfmJson ?? o.tagtraum}; rule ${rule.rule ?? 'top-count'})`);
      const counts: Record<string, number> = {};
      for (const g of res.labels.values()) counts[g] = (counts[g] ?? 0) + 1;
      print(json, `wrote ${res.labels.size} labels to ${o.output}\n` + Object.entries(res.counts).map(([k, v]) => `  ${k}: ${v}`).join('\n')
        + '\n' + Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([g, n]) => `  ${g}: ${n}`).join('\n'),
      { output: o.output, counts: res.counts, genres: counts, failures: res.failures });
    });

  program.command('preprocess')
    .description('song table + labels → preprocessed_data.csv (encoded features, genre, artist, split)')
    .argument('<table>', 'SongCSV, extended CSV, tagtraum-joined CSV or MSD genre dataset text')
    .option('--labels <file>', 'label file (.cls) or last.fm JSON; optional if the table has a genre column')
    .option('--join <csv>', 'feature table joined on track_id/song_id (repeatable)', collect, [])
    .option('--features <spec>', 'auto | seed6 | song | song,timbre,pitch | …', 'auto')
    .addOption(new Option('--key-encoding <enc>').choices(['onehot', 'sincos', 'numeric']).default('onehot'))
    .option('--min-class-count <n>', 'classes with fewer rows are dropped (or merged)', int('--min-class-count'), 10)
    .addOption(new Option('--rare <action>', 'what to do with rare classes').choices(['drop', 'merge']).default('drop'))
    .addOption(new Option('--split <kind>', 'artist-disjoint (default) or random split').choices(['artist', 'random']).default('artist'))
    .option('--valid <fraction>', 'validation fraction', float('--valid'), 0.15)
    .option('--test <fraction>', 'test fraction', float('--test'), 0.15)
    .option('--seed <n>', 'split seed', int('--seed'), 42)
    .option('--rule <rule>', 'tag rule for last.fm JSON labels')
    .option('-o, --output <file>', 'output CSV', 'preprocessed_data.csv')
    .action(async (table: string, o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const { report } = await preprocess({
        input: table, ...(o.labels ? { labels: o.labels } : {}), labelRule: ruleOptions(o), joins: o.join, features: o.features,
        keyEncoding: o.keyEncoding as KeyEncoding, minClassCount: o.minClassCount, rareClasses: o.rare, split: o.split,
        validFraction: o.valid, testFraction: o.test, seed: o.seed, output: o.output,
      });
      const lines = [
        `wrote ${report.kept} rows × ${report.features.length} features to ${o.output} (${report.format} format, ${report.rowsRead} rows read)`,
        ...Object.entries(report.dropped).map(([r, n]) => `  dropped ${n}: ${r}`),
        ...(report.truncatedRows.count > 0 ? [`  truncated rows (data-row numbers): ${report.truncatedRows.examples.join(', ')}${report.truncatedRows.count > 10 ? ', …' : ''}`] : []),
        ...report.rareClasses.map((r) => `  rare class ${r.action === 'drop' ? 'dropped' : 'merged'}: ${r.name} (${r.count})`),
        `  classes: ${report.classes.map((c) => `${c.name} ${c.count}`).join(', ')}`,
        `  split (${report.split.kind}, seed ${report.split.seed}): train ${report.split.train} / valid ${report.split.valid} / test ${report.split.test}, ${report.split.artists} artists`,
      ];
      print(json, lines.join('\n'), report);
    });

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
      const prog = trainProgress(json, o.seeds, overrides.epochs ?? (o.preset === 'seed' ? 1000 : 300), choice.ensemble, o.jobs);
      let r;
      try {
        r = await trainAndEvaluateParallel(data, {
          preset: o.preset, overrides, seeds: o.seeds, scaler: o.scaler as ScalerKind, resplit: !!o.resplit, ...choice, jobs: o.jobs,
          ...(prog.onEpoch ? { onEpoch: prog.onEpoch } : {}), onSeedDone: prog.onSeedDone,
        });
      } finally { prog.stop(); }
      const runs = r.runs.map((x) => ({ seed: x.seed, accuracy: x.test.accuracy, macroF1: x.test.macroF1, balancedAccuracy: x.test.balancedAccuracy, epochs: x.history.epochsRun, bestEpoch: x.history.bestEpoch }));
      const paths = saveGenreModel(o.output, {
        classifier: r.model, preset: o.preset, scaler: r.scaler, featureNames: data.featureNames, featureGroups: inferGroups(data.featureNames),
        keyEncoding: inferKeyEncoding(data.featureNames), classNames: data.classNames, metrics: { model: r.modelName, ensemble: r.ensemble, summary: r.summary, runs }, info: { data: file },
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

  program.command('evaluate')
    .description('score a saved model on a split of preprocessed data')
    .argument('<model>', 'model .json (or .safetensors / base path)')
    .argument('<preprocessed>', 'preprocessed_data.csv')
    .addOption(new Option('--part <part>', 'which split to score').choices([...SPLIT_NAMES, 'all']).default('test'))
    .action(async (modelPath: string, file: string, o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const { classifier, meta } = loadGenreModel(modelPath);
      const data = await readPrepared(file, { classNames: meta.classNames });
      if (data.featureNames.join(',') !== meta.featureNames.join(',')) {
        throw new Error(`evaluate: ${file} has features [${data.featureNames.slice(0, 5).join(', ')}, …] (${data.featureNames.length}), the model expects ${meta.featureNames.length} different ones: preprocess it with the model's feature set`);
      }
      // Score the rows the model never saw: a model trained with --resplit carries the seed of its
      // own split, which generally differs from the file's stored split column.
      const spec: SplitSpec = meta.split ?? {};
      if (spec.resplitSeed !== undefined && meta.split!.rows !== data.rows) {
        throw new Error(`evaluate: ${modelPath} was trained on a re-split (seed ${spec.resplitSeed}) of ${meta.split!.rows} rows, but ${file} has ${data.rows}: the split cannot be redrawn; use --part all on new data`);
      }
      const parts = splitRows(data, spec);
      const idx = o.part === 'all' ? Int32Array.from({ length: data.rows }, (_, i) => i) : parts[o.part as SplitName];
      if (idx.length === 0) throw new Error(`evaluate: ${file} has no ${o.part} rows`);
      const ds = datasetFromPrepared(data, idx, meta.scaler);
      const C = meta.classNames.length;
      const m = evaluatePredictions(ds.y, argmaxRows(classifier.predictProba(ds.x, ds.rows), C), C);
      const base = majorityBaseline(Int32Array.from(parts.train, (i) => data.y[i]), ds.y, C);
      print(json, [
        `${o.part} rows: ${ds.rows}`,
        `accuracy ${pct(m.accuracy)} %, macro-F1 ${pct(m.macroF1)} %, balanced accuracy ${pct(m.balancedAccuracy)} %`,
        `majority class (${meta.classNames[base.predictedClass]}): accuracy ${pct(base.accuracy)} %, macro-F1 ${pct(base.macroF1)} %`,
        ...meta.classNames.map((c, i) => `  ${c.padEnd(24)} P ${m.perClass[i].precision.toFixed(3)} R ${m.perClass[i].recall.toFixed(3)} F1 ${m.perClass[i].f1.toFixed(3)} n=${m.perClass[i].support}`),
      ].join('\n'), { part: o.part, rows: ds.rows, metrics: m, baseline: base, classNames: meta.classNames });
    });

  program.command('predict')
    .description('label new songs: MSD .h5 files/folders or song table CSVs')
    .argument('<model>', 'model .json')
    .argument('<inputs...>', '.h5 files, folders of them, or CSV song tables')
    .option('-o, --output <csv>', 'write predictions to a CSV')
    .action(async (modelPath: string, inputs: string[], o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const { classifier, meta } = loadGenreModel(modelPath);
      const bar = makeBar(!json);
      let res;
      try {
        res = await predictInputs(classifier, meta, inputs, (d, t) => { if (d === 1) bar.start(t, 'reading .h5'); bar.update(d); });
      } finally { bar.stop(); }
      if (o.output) {
        await writeCsvAtomic(o.output, ['track_id', 'artist', 'title', 'genre', 'probability', 'reason'],
          res.predictions.map((p) => [p.trackId, p.artist, p.title, p.genre ?? '', Number.isFinite(p.probability) ? p.probability.toFixed(4) : '', p.reason ?? '']));
      }
      const synthetic = (meta.info as { synthetic?: boolean } | undefined)?.synthetic === true;
      print(json, [
        ...(synthetic ? ['(model trained on SYNTHETIC data)'] : []),
        ...res.predictions.slice(0, o.output ? 10 : Infinity).map((p) => `${p.trackId}\t${p.genre ?? '?'}\t${Number.isFinite(p.probability) ? p.probability.toFixed(3) : p.reason}\t${p.artist} — ${p.title}`),
        ...(o.output ? [`… ${res.predictions.length} predictions written to ${o.output}`] : []),
        ...res.errors.map((e) => `skipped ${e.file}: ${e.reason}`),
      ].join('\n'), { synthetic, predictions: res.predictions, errors: res.errors });
    });

  addTrainOptions(program.command('run')
    .description('all steps: (extract) → labels → preprocess → train → evaluate → report')
    .option('--msd <dir>', 'folder of MSD .h5 files to extract')
    .option('--songs <csv>', 'or: a song table to start from')
    .option('--labels <file>', 'label file (.cls) or last.fm JSON')
    .option('--join <csv>', 'feature table joined on track_id/song_id (repeatable)', collect, [])
    .option('--features <spec>', 'feature groups', 'auto')
    .option('--min-class-count <n>', 'drop classes with fewer rows', int('--min-class-count'), 10)
    .addOption(new Option('--split <kind>').choices(['artist', 'random']).default('artist'))
    .option('--split-seed <n>', 'seed of the stored split', int('--split-seed'), 42)
    .option('--synthetic', 'label every output as synthetic data')
    .requiredOption('-o, --out <dir>', 'output folder'))
    .action(async (o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const bar = makeBar(!json);
      const overrides = mlpOverrides(o);
      const choice = modelChoice(o);
      const prog = trainProgress(json, o.seeds, overrides.epochs ?? (o.preset === 'seed' ? 1000 : 300), choice.ensemble, o.jobs);
      const opts: PipelineOptions = {
        out: o.out, ...(o.msd ? { msd: o.msd } : {}), ...(o.songs ? { songs: o.songs } : {}), ...(o.labels ? { labels: o.labels } : {}),
        joins: o.join, features: o.features, minClassCount: o.minClassCount, split: o.split, splitSeed: o.splitSeed,
        preset: o.preset, overrides, seeds: o.seeds, resplit: !!o.resplit, scaler: o.scaler, synthetic: !!o.synthetic, ...choice, jobs: o.jobs,
        command: `timbre ${process.argv.slice(2).join(' ')}`,
        onStep: (s) => { bar.stop(); if (!json && process.stderr.isTTY) process.stderr.write(`• ${s}\n`); },
        onExtract: (d, t) => { if (d === 1) bar.start(t, 'extract'); bar.update(d); },
        ...(prog.onEpoch ? { onEpoch: prog.onEpoch } : {}), onSeedDone: prog.onSeedDone,
      };
      let r;
      try { r = await runPipeline(opts); } finally { bar.stop(); prog.stop(); }
      const s = r.summary;
      print(json, [
        ...(r.synthetic ? ['SYNTHETIC data (generated, not real music)'] : []),
        `rows: ${r.preprocess.kept} kept of ${r.preprocess.rowsRead}; classes ${r.classNames.length}; split train ${r.preprocess.split.train} / valid ${r.preprocess.split.valid} / test ${r.preprocess.split.test}`,
        `test (${r.model !== 'mlp' ? r.model : `${r.preset} preset${r.ensemble > 1 ? `, ensemble of ${r.ensemble} MLPs` : ''}`}, ${r.runs.length} seeds): accuracy ${formatMeanStd(s.accuracy)} %, macro-F1 ${formatMeanStd(s.macroF1)} %`,
        `majority class: accuracy ${formatMeanStd(s.baselineAccuracy)} %, macro-F1 ${formatMeanStd(s.baselineMacroF1)} %`,
        ...Object.entries(r.files).map(([k, v]) => `  ${k}: ${v}`),
      ].join('\n'), r);
    });

  addModelCommands(program); // models, compare, search, fit (trees, linear models, ensembles, HP search)
  return program;
}

/** Feature groups implied by saved feature names (preprocessed CSVs do not store the groups). */
function inferGroups(names: readonly string[]): ('seed6' | 'song' | 'timbre' | 'pitch')[] {
  const g: ('seed6' | 'song' | 'timbre' | 'pitch')[] = [];
  const song = names.some((n) => /^(key_(\d+|sin|cos)|time_signature_(\d+|other)|mode|loudness|fade_out_length)$/.test(n));
  if (song) g.push('song');
  else if (names.includes('time_signature') && names.includes('key')) g.push('seed6');
  if (names.some((n) => n.startsWith('timbre_'))) g.push('timbre');
  if (names.some((n) => n.startsWith('pitch_'))) g.push('pitch');
  return g;
}

function inferKeyEncoding(names: readonly string[]): KeyEncoding {
  if (names.includes('key_sin')) return 'sincos';
  if (names.includes('key_0')) return 'onehot';
  return 'numeric';
}

/** Track references (id, artist, title) from a song table or a folder of .h5 files. */
async function loadTrackRefs(path: string): Promise<TrackRef[]> {
  let isDir = false;
  try { isDir = statSync(path).isDirectory(); } catch { throw new Error(`--songs ${path}: no such file or directory`); }
  if (isDir || path.endsWith('.h5')) {
    const out: TrackRef[] = [];
    for (const { path: f } of listMsdFiles(path)) for (const s of readSongs(f)) out.push({ trackId: s.track_id, artist: s.artist_name, title: s.title });
    return out;
  }
  const t = await readSongTable(path);
  const [ti, ai, tt] = ['track_id', 'artist_name', 'title'].map((c) => t.columns.indexOf(c));
  if (ti < 0 || ai < 0 || tt < 0) throw new Error(`--songs ${path}: needs track_id, artist name and title columns (has ${t.columns.slice(0, 12).join(', ')}, …)`);
  return t.rows.map((r) => ({ trackId: r[ti], artist: r[ai], title: r[tt] }));
}

/** Runs the CLI; returns the exit code (errors are printed, never thrown). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return err.exitCode ?? 1; // commander already printed it
    process.stderr.write(`timbre: error: ${err.message ?? String(e)}\n`);
    return 1;
  }
}

// Run when executed directly (node dist/cli/main.js, tsx src/cli/main.ts), not when imported.
const invoked = process.argv[1] ?? '';
if (/(^|[\\/])(main\.(ts|js)|timbre)$/.test(invoked)) {
  main().then((code) => { process.exitCode = code; });
}
