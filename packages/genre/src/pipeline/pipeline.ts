// The whole pipeline as one call: (extract) → labels → preprocess → train over seeds → save →
// evaluate the saved model → HTML report. Used by `timbre run` and examples/genre.ts.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { extractMsd } from '../extract/extract.js';
import { writeFileAtomic } from '@timbre/nn';
import { writeCsvAtomic } from '../io/csv.js';
import { readLabels, writeLabelFile, type LabelRuleOptions } from '../labels/label.js';
import { argmaxRows, evaluatePredictions, type ClassificationMetrics } from '../ml/metrics.js';
import { formatMeanStd } from '../ml/summary.js';
import { readSongs } from '../msd/reader.js';
import type { Song } from '../msd/song.js';
import { preprocess, type PreprocessReport } from '../preprocess/preprocess.js';
import { readSongTable } from '../preprocess/table.js';
import type { KeyEncoding } from '../preprocess/features.js';
import type { ScalerKind } from '../ml/scaler.js';
import { curveSourceOf, renderReport, type ReportSection } from '../report/html.js';
import { datasetFromPrepared } from './datasets.js';
import type { EpochLog, MlpOptions } from '../ml/mlp.js';
import type { ModelOptions } from '../ml/registry.js';
import { loadGenreModel, saveGenreModel, type ModelFit } from './model-file.js';
import { songsToTable } from './predict.js';
import { listMsdFiles } from '../extract/files.js';
import { trainAndEvaluateParallel } from './parallel.js';
import type { RunSummary, SeedRun } from './run.js';

/** Options of {@link runPipeline}: where the songs come from (MSD .h5 files or a song table), labels, features, model and output directory. */
export interface PipelineOptions {
  /** A directory (or file) of MSD .h5 files to extract first. */
  msd?: string;
  /** A song table to start from instead (SongCSV, extended CSV, tagtraum-joined CSV, …). */
  songs?: string;
  /** Labels: .cls / label file, or lastfm_subset JSON. Optional when the table has a genre column. */
  labels?: string;
  labelRule?: LabelRuleOptions;
  joins?: readonly string[];
  /** Output directory (created). */
  out: string;
  features?: string;
  keyEncoding?: KeyEncoding;
  minClassCount?: number;
  /** Imputable groups or fields a song must have (e.g. ['timbre']): songs without them are dropped, not imputed. */
  require?: readonly string[];
  split?: 'artist' | 'random';
  splitSeed?: number;
  preset?: string;
  overrides?: Partial<MlpOptions>;
  /** MLPs per model: a seed ensemble of this many (default: the preset's, see `PRESET_ENSEMBLE`). */
  ensemble?: number;
  /** A registry model instead of the MLP (gbdt, rf, logreg, … — saved models: gbdt, rf, logreg). */
  model?: string;
  modelOptions?: ModelOptions;
  seeds?: readonly number[];
  resplit?: boolean;
  /** Save a model refit on every labelled row after the evaluation (default true); false saves the first seed's. */
  refit?: boolean;
  scaler?: ScalerKind;
  /** Marks every output as synthetic data. */
  synthetic?: boolean;
  title?: string;
  command?: string;
  sections?: readonly ReportSection[];
  /** Progress hooks (the CLI draws bars with them). */
  onStep?: (step: string) => void;
  /** After each .h5 file read: files done and files in total. */
  onExtract?: (done: number, total: number) => void;
  /** Per-epoch progress: run seed, the epoch's log, and which ensemble member (0 for a single MLP). */
  onEpoch?: (seed: number, log: EpochLog, member: number) => void;
  /** After each seed: its run and the thread that trained it (0 = the calling thread). */
  onSeedDone?: (run: SeedRun, thread: number) => void;
  /** Seeds trained at once (this thread and worker threads; same results as 1). Default 1. */
  jobs?: number;
  /**
   * Extraction to use for `msd` (default: read every .h5 with the MSD reader and write song-level
   * fields + timbre/pitch means and variances). Must write a CSV song table to `outCsv`.
   */
  extract?: (
    msdDir: string,
    outCsv: string,
    onProgress?: (done: number, total: number) => void,
  ) => Promise<{ songs: number; errors: { file: string; reason: string }[] }>;
}

/** What {@link runPipeline} returns: the output directory and the files written there, each step's report and the test scores. */
export interface PipelineResult {
  readonly out: string;
  readonly files: Record<string, string>;
  readonly synthetic: boolean;
  readonly extract?: { songs: number; errors: { file: string; reason: string }[] };
  readonly preprocess: PreprocessReport;
  readonly preset: string;
  readonly options: MlpOptions;
  /** Ensemble size of the MLP (1 = one network) and the model's name ('mlp' or a registry model). */
  readonly ensemble: number;
  readonly model: string;
  readonly summary: RunSummary;
  readonly runs: readonly {
    seed: number;
    accuracy: number;
    macroF1: number;
    balancedAccuracy: number;
    baselineAccuracy: number;
    baselineMacroF1: number;
    epochs: number;
    bestEpoch: number;
    seconds: number;
  }[];
  /** Test metrics of the saved model, recomputed after loading it back from disk. */
  /**
   * The saved model, reloaded from disk: its scores on the first seed's test rows when it is that
   * seed's model (`refit: false`), or, when it was refit on every row, whether it reloads with the
   * same probabilities as the model in memory.
   */
  readonly savedModel: { readonly refit: boolean; readonly fit?: ModelFit; readonly test?: ClassificationMetrics; readonly reloadsIdentically: boolean };
  readonly classNames: readonly string[];
}

/**
 * Default extraction: the MSD extractor (worker threads, resumable) writes SongCSV.csv next to
 * `outCsv` and the extended CSV (every scalar + timbre/pitch means and variances) to `outCsv`.
 */
export async function extractSongTable(
  msdDir: string,
  outCsv: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ songs: number; errors: { file: string; reason: string }[] }> {
  const r = await extractMsd({
    input: msdDir,
    output: join(dirname(outCsv), 'SongCSV.csv'),
    extendedOutput: outCsv,
    progress: false,
    ...(onProgress ? { onProgress: (done: number, total: number) => onProgress(done, total) } : {}),
  });
  if (r.songs === 0)
    throw new Error(`extract: ${msdDir}: no song could be read from ${r.files} file(s)${r.errors[0] ? ` (first error: ${r.errors[0].reason})` : ''}`);
  return { songs: r.songs, errors: r.errors };
}

/** Extraction in this thread with the MSD reader only (no workers): for small inputs and tests. */
export async function extractSongTableInline(
  msdDir: string,
  outCsv: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ songs: number; errors: { file: string; reason: string }[] }> {
  const files = listMsdFiles(msdDir).map((f) => f.path);
  if (files.length === 0) throw new Error(`extract: ${msdDir}: no .h5 files found`);
  const songs: Song[] = [];
  const errors: { file: string; reason: string }[] = [];
  files.forEach((f, i) => {
    try {
      songs.push(...readSongs(f));
    } catch (e) {
      errors.push({ file: f, reason: (e as Error).message ?? String(e) });
    }
    onProgress?.(i + 1, files.length);
  });
  if (songs.length === 0) throw new Error(`extract: ${msdDir}: none of the ${files.length} .h5 files could be read (first error: ${errors[0]?.reason})`);
  const t = songsToTable(songs);
  await writeCsvAtomic(outCsv, t.columns, t.rows);
  return { songs: songs.length, errors };
}

/**
 * Runs every step and writes, under `out`: songs.csv (when extracting), labels.cls,
 * preprocessed_data.csv, model.safetensors + model.json, metrics.json and report.html.
 *
 * ```ts
 * const r = await runPipeline({ msd: 'MillionSongSubset/data', labels: 'msd_tagtraum_cd1.cls', out: 'runs/real' });
 * console.log(r.summary.macroF1);
 * ```
 */
export async function runPipeline(o: PipelineOptions): Promise<PipelineResult> {
  if ((o.msd === undefined) === (o.songs === undefined)) throw new Error('run: give exactly one of msd (a folder of .h5 files) or songs (a song table CSV)');
  mkdirSync(o.out, { recursive: true });
  const files: Record<string, string> = {};
  const synthetic = o.synthetic ?? false;
  let table = o.songs;
  let extract: PipelineResult['extract'];
  if (o.msd !== undefined) {
    o.onStep?.('extract');
    files.songs = join(o.out, 'SongCSV.extended.csv');
    extract = await (o.extract ?? extractSongTable)(o.msd, files.songs, o.onExtract);
    if (o.extract === undefined) files.songcsv = join(o.out, 'SongCSV.csv');
    table = files.songs;
  }
  let labels = o.labels;
  if (labels !== undefined) {
    o.onStep?.('labels');
    const lab = await readLabels(labels, o.labelRule);
    // Keep only the labels of songs in the table (a tagtraum file labels the whole MSD).
    const t = await readSongTable(table!);
    const idCol = t.columns.indexOf('track_id');
    if (idCol >= 0) {
      const ids = new Set(t.rows.map((r) => r[idCol]));
      for (const id of [...lab.labels.keys()]) if (!ids.has(id)) lab.labels.delete(id);
      lab.counts.labelled = lab.labels.size;
    }
    files.labels = join(o.out, 'labels.cls');
    writeLabelFile(files.labels, lab.labels, `${synthetic ? 'SYNTHETIC labels. ' : ''}genre labels from ${labels} (${lab.counts.labelled} tracks)`);
    labels = files.labels;
  }
  o.onStep?.('preprocess');
  files.preprocessed = join(o.out, 'preprocessed_data.csv');
  const { data, report } = await preprocess({
    input: table!,
    ...(labels !== undefined ? { labels } : {}),
    joins: o.joins ?? [],
    features: o.features ?? 'auto',
    keyEncoding: o.keyEncoding ?? 'onehot',
    minClassCount: o.minClassCount ?? 10,
    split: o.split ?? 'artist',
    seed: o.splitSeed ?? 42,
    output: files.preprocessed,
    ...(o.require !== undefined ? { require: o.require } : {}),
  });
  o.onStep?.('train');
  const preset = o.preset ?? 'default';
  const r = await trainAndEvaluateParallel(data, {
    jobs: o.jobs ?? 1,
    preset,
    overrides: o.overrides ?? {},
    seeds: o.seeds ?? [1, 2, 3],
    scaler: o.scaler ?? 'standard',
    resplit: o.resplit ?? false,
    random: o.split === 'random',
    ...(o.ensemble !== undefined ? { ensemble: o.ensemble } : {}),
    ...(o.model !== undefined ? { model: o.model, modelOptions: o.modelOptions ?? {} } : {}),
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
    ...(o.onSeedDone ? { onSeedDone: o.onSeedDone } : {}),
    refit: o.refit !== false,
  });
  const final = r.final;
  const fit: ModelFit | undefined =
    final === undefined
      ? undefined
      : {
          refit: true,
          rows: final.rows,
          ...(final.epochs !== undefined ? { epochs: final.epochs } : {}),
          ...(final.rounds !== undefined ? { rounds: final.rounds } : {}),
          from: final.from,
        };
  const runs = r.runs.map((x) => ({
    seed: x.seed,
    accuracy: x.test.accuracy,
    macroF1: x.test.macroF1,
    balancedAccuracy: x.test.balancedAccuracy,
    baselineAccuracy: x.baseline.accuracy,
    baselineMacroF1: x.baseline.macroF1,
    epochs: x.history.epochsRun,
    bestEpoch: x.history.bestEpoch,
    seconds: x.seconds,
  }));
  const metrics = { synthetic, model: r.modelName, ensemble: r.ensemble, summary: r.summary, runs, test: r.runs[0].test, baseline: r.runs[0].baseline };
  const paths = saveGenreModel(join(o.out, 'model'), {
    classifier: final?.model ?? r.model,
    preset,
    scaler: final?.scaler ?? r.scaler,
    featureNames: data.featureNames,
    featureGroups: data.featureGroups,
    keyEncoding: report.keyEncoding,
    classNames: data.classNames,
    metrics: { synthetic, model: r.modelName, ensemble: r.ensemble, summary: r.summary, runs },
    ...(o.modelOptions !== undefined ? { modelOptions: o.modelOptions } : {}),
    info: { synthetic, input: report.input, labels: report.labelSource, split: report.split },
    ...(fit !== undefined ? { fit } : { split: { ...r.split, rows: data.rows } }),
  });
  files.model = paths.json;
  if (paths.weights !== null) files.weights = paths.weights;

  // Load the saved model back: it must give the probabilities of the model in memory (and, when it is
  // the first seed's model, score that seed's test rows as the evaluation did).
  o.onStep?.('evaluate');
  const loaded = loadGenreModel(paths.json);
  const testSet = datasetFromPrepared(data, r.datasets.indices.test, loaded.meta.scaler);
  const C = data.classNames.length;
  const reloadedProba = loaded.classifier.predictProba(testSet.x, testSet.rows);
  const inMemory = (final?.model ?? r.model).predictProba(testSet.x, testSet.rows);
  const savedModel = {
    refit: fit !== undefined,
    ...(fit !== undefined ? { fit } : { test: evaluatePredictions(testSet.y, argmaxRows(reloadedProba, C), C) }),
    reloadsIdentically: reloadedProba.every((v, i) => v === inMemory[i]),
  };
  files.metrics = join(o.out, 'metrics.json');
  writeFileAtomic(files.metrics, JSON.stringify({ ...metrics, savedModel, preprocess: report, preset, options: r.options }, null, 1) + '\n');

  o.onStep?.('report');
  files.report = join(o.out, 'report.html');
  const what = r.modelName !== 'mlp' ? r.modelName : r.ensemble > 1 ? `${preset} MLP × ${r.ensemble} (seed ensemble)` : `${preset} MLP`;
  const title = o.title ?? `Genre classification — ${what}${synthetic ? ' (SYNTHETIC data)' : ''}`;
  writeFileAtomic(
    files.report,
    renderReport({
      title,
      synthetic,
      classNames: data.classNames,
      test: r.runs[0].test,
      baseline: r.runs[0].baseline,
      summary: r.summary as unknown as Record<string, import('../ml/summary.js').MeanStd>,
      runs: runs.map((x) => ({
        seed: x.seed,
        accuracy: x.accuracy,
        macroF1: x.macroF1,
        balancedAccuracy: x.balancedAccuracy,
        epochs: x.epochs,
        bestEpoch: x.bestEpoch,
      })),
      history: { ...r.runs[0].history, from: curveSourceOf(r.runs[0], r.modelName) },
      data: report,
      settings: {
        ...(r.modelName !== 'mlp'
          ? { model: r.modelName, modelOptions: JSON.stringify(o.modelOptions ?? {}) }
          : { preset, ensemble: r.ensemble, ...r.options }),
        seeds: (o.seeds ?? [1, 2, 3]).join(', '),
        scaler: o.scaler ?? 'standard',
        resplit: o.resplit ?? false,
      },
      subtitle: `accuracy ${formatMeanStd(r.summary.accuracy)} %, macro-F1 ${formatMeanStd(r.summary.macroF1)} % (majority class ${formatMeanStd(r.summary.baselineAccuracy)} / ${formatMeanStd(r.summary.baselineMacroF1)})`,
      ...(o.command ? { command: o.command } : {}),
      ...(o.sections ? { sections: o.sections } : {}),
    }),
  );
  return {
    out: o.out,
    files,
    synthetic,
    ...(extract ? { extract } : {}),
    preprocess: report,
    preset,
    options: r.options,
    ensemble: r.ensemble,
    model: r.modelName,
    summary: r.summary,
    runs,
    savedModel,
    classNames: data.classNames,
  };
}
