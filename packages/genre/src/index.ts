// @timbre/genre: MSD genre classification — data, labels, preprocessing, models, training, reports.
export {
  trainValidTestSplit,
  trainTestSplit,
  stratifiedGroupKFold,
  subsetDataset,
  classCounts,
  type Split,
  type Fold,
  type SplitOptions,
} from './ml/split.js';
export {
  confusionMatrix,
  accuracy,
  balancedAccuracy,
  macroF1,
  perClassScores,
  evaluatePredictions,
  argmaxRows,
  logLoss,
  majorityClass,
  majorityBaseline,
  type ClassScores,
  type ClassificationMetrics,
} from './ml/metrics.js';
export { meanStd, formatMeanStd, summarizeRuns, type MeanStd } from './ml/summary.js';
export {
  ORIGINAL_GENRES,
  DEFAULT_ALIASES,
  DEFAULT_VOCABULARY,
  normalizeTag,
  originalTagRule,
  topCountTagRule,
  tagsToGenre,
  vocabularyLookup,
  parseVocabulary,
  type Tag,
  type GenreVocabulary,
  type TagRule,
} from './labels/tags.js';
export { LastfmClient, LastfmError, parseTopTags, type LastfmClientOptions, type TopTagsResult, type LastfmEvent } from './labels/lastfm.js';
export type { LastfmErrorCode, LastfmClock } from './labels/lastfm.js';
export { readLastfmTags, readTagtraumCls, type TrackTags, type TagtraumLabel } from './labels/offline.js';
export {
  labelFromTrackTags,
  labelFromLastfm,
  readLabels,
  writeLabelFile,
  type LabelRuleOptions,
  type LabelCounts,
  type LabelResult,
  type TrackRef,
} from './labels/label.js';
export { writeFileAtomic, withAtomicFile } from '@timbre/nn';
export { readSongs, readSong, MsdFile, type ReadSongsOptions } from './msd/reader.js';
export type { TableName } from './msd/reader.js';
export { MsdFormatError } from './msd/errors.js';
export {
  SONG_SCALAR_FIELDS,
  SONG_STRING_FIELDS,
  SONG_INT_FIELDS,
  SONG_FLOAT_FIELDS,
  SONG_ARRAY_FIELDS,
  SONGS_TABLES,
  type Song,
  type Matrix12,
  type SongScalarField,
  type SongStringField,
  type SongIntField,
  type SongFloatField,
  type SongFloatArrayField,
  type SongStringArrayField,
  type SongMatrixField,
  type SongsColumn,
} from './msd/song.js';
export type { H5Table, H5Column } from './msd/h5.js';
export { readCsv, csvRows, CsvWriter, writeAll, writeCsvAtomic, type CsvText, type CsvCell } from './io/csv.js';
export { WorkerPool, serveJobs, type RunOptions, type JobHandler } from './parallel/pool.js';
export { readSongTable, canonicalColumns, cleanValue, type SongTable } from './preprocess/table.js';
export {
  featureDefs,
  parseFeatureSpec,
  availableAudioGroups,
  FEATURE_GROUPS,
  type FeatureGroup,
  type FeatureDef,
  type KeyEncoding,
} from './preprocess/features.js';
export {
  fitScaler,
  applyScaler,
  fitScalerRows,
  applyScalerRows,
  fitDatasetScaler,
  scaleDataset,
  checkScalerState,
  type ScalerKind,
  type ScalerState,
} from './ml/scaler.js';
export type { ScalerFitOptions } from './ml/scaler.js';
export {
  preprocess,
  preprocessToFile,
  writePrepared,
  readPrepared,
  splitIndices,
  SPLIT_NAMES,
  type PreprocessOptions,
  type PreprocessReport,
  type PreparedData,
  type SplitName,
} from './preprocess/preprocess.js';
export {
  MlpClassifier,
  MLP_PRESETS,
  mlpOptions,
  classWeightsFor,
  type MlpOptions,
  type MlpHistory,
  type EpochLog,
  type ClassWeighting,
} from './ml/mlp.js';
export { makeDatasets, datasetFromPrepared, splitRows, type SplitDatasets, type SplitSpec } from './pipeline/datasets.js';
export {
  trainAndEvaluate,
  makeMlpModel,
  ensembleSize,
  ensembleSeeds,
  PRESET_ENSEMBLE,
  type TrainRunOptions,
  type TrainRunResult,
  type SeedRun,
  type RunSummary,
} from './pipeline/run.js';
export type { FinalFit } from './pipeline/run.js';
export { trainAndEvaluateParallel, type ParallelTrainOptions } from './pipeline/parallel.js';
export { saveGenreModel, loadGenreModel, modelPaths, type ModelMeta, type SaveModelArgs } from './pipeline/model-file.js';
export type { ModelFit } from './pipeline/model-file.js';
export { predictTable, encodeForModel, songsToTable, type Prediction, type PredictOptions, type RawTable } from './pipeline/predict.js';
export { predictInputs, predictInputsStream, PREDICT_BATCH_ROWS, type PredictStreamOptions } from './pipeline/predict-stream.js';
export { listFiles, walkFiles, type WalkedFile, type SkippedPath, type ListFilesOptions } from './io/files.js';
export { runPipeline, extractSongTable, type PipelineOptions, type PipelineResult } from './pipeline/pipeline.js';
export {
  renderReport,
  writeReport,
  htmlTable,
  curveSourceOf,
  curvesCaption,
  type ReportInput,
  type ReportSection,
  type ReportHistory,
  type CurveSource,
} from './report/html.js';
export {
  lineChart,
  scatterChart,
  heatmap,
  barChart,
  reliabilityChart,
  escapeHtml,
  niceTicks,
  PALETTE,
  type Series,
  type ChartOptions,
  type ReliabilityBin,
} from './report/svg.js';
export { autoReportInput, autoReportSections, candidatesTableHtml, nestedMetrics, describeChoice } from './report/auto.js';
export {
  generateSyntheticCorpus,
  generateSyntheticSongs,
  SYNTHETIC_GENRES,
  type SyntheticCorpus,
  type SyntheticCorpusOptions,
  type SyntheticTrack,
} from './msd/synthetic.js';
export type { SyntheticGenreProfile } from './msd/synthetic.js';
export { encodeMsdFile, writeMsdFile, msdTree, type MsdWriteOptions } from './msd/writer.js';
export {
  encodeHdf5,
  encodeCompound,
  encodeFixedStrings,
  encodeFloat64,
  encodeInt32,
  datatypeSize,
  type H5Datatype,
  type H5Attribute,
  type H5Dataset as H5WriteDataset,
  type H5Group as H5WriteGroup,
  type H5WriteOptions,
} from './msd/hdf5-writer.js';
export {
  audioSummary,
  summarizeSegments,
  segmentDurations,
  audioFeatureNames,
  audioFeatureValues,
  COV_PAIRS,
  COV_SIZE,
  type AudioSummary,
  type AudioSummaryOptions,
  type SegmentStats,
} from './msd/audio.js';
export { extractMsd, plannedFiles, type ExtractOptions, type ExtractResult } from './extract/extract.js';
export { mergeShards, type MergeResult } from './extract/merge.js';
export { manifestText, manifestMismatch, type ManifestHeader, type ManifestFile } from './extract/manifest.js';
export { listMsdFiles, shardFiles, parseShard, shardedName, fnv1a, type InputFile, type Shard } from './extract/files.js';
export { SONGCSV_COLUMNS, EXTENDED_COLUMNS, songCsvCells, extendedCells } from './extract/rows.js';
export { MsdReadPool } from './extract/pool.js';
export type { ReadResult } from './extract/worker.js';
export { addExtractCommand } from './cli/extract.js';
export type { Dataset, Classifier, TrainHistory, ModelState } from './ml/types.js';
export { LogisticRegression, type LogisticRegressionOptions } from './ml/logistic-regression.js';
export { GBDT, type GBDTOptions } from './ml/gbdt.js';
export { RandomForest, type RandomForestOptions } from './ml/random-forest.js';
export { Binner, MISSING, type FlatTree } from './ml/binning.js';
export { lbfgs, type LbfgsOptions, type LbfgsResult, type Objective } from './ml/lbfgs.js';
export { sampleWeights, classWeights, type ClassWeight, type ClassifierFactory } from './ml/common.js';
export {
  averageProba,
  VotingClassifier,
  BlendClassifier,
  BaggingClassifier,
  SeedEnsemble,
  SnapshotEnsemble,
  SammeClassifier,
  type BlendOptions,
  type BaggingOptions,
  type SammeOptions,
  type SnapshotSource,
} from './ml/ensemble.js';
export { SnapshotMlp, type SnapshotMlpOptions } from './ml/snapshot-mlp.js';
export { registerModel, createModel, listModels, type ModelFactory, type ModelOptions } from './ml/registry.js';
export { MajorityClassifier } from './ml/majority.js';
export { restoreModel, MODEL_KINDS } from './ml/model-state.js';
export { crossValPredict, type CvOptions, type CvResult } from './ml/cv.js';
export {
  MLP_SPACE,
  GBDT_SPACE,
  gridPoints,
  sampleParams,
  paramsToOptions,
  checkSpace,
  type SearchSpace,
  type ParamSpec,
  type Params,
  type ParamValue,
} from './ml/search/space.js';
export { tpeSuggest, type TpeOptions, type Observation } from './ml/search/tpe.js';
export { evaluateTrial, type ObjectiveSpec, type TrialScore } from './ml/search/objective.js';
export { runSearch, readJournal, type SearchOptions, type SearchResult, type TrialRecord, type Strategy } from './ml/search/search.js';
export type { JournalHeader } from './ml/search/search.js';
export { searchReportSection, searchPlotSvg, searchTableHtml } from './report/search.js';
export { buildProgram, main } from './cli/main.js';
export { acquireOutputLock, LockHeldError, type LockInfo, type OutputLock } from './io/lock.js';
export {
  chooseModel,
  DEFAULT_CANDIDATES,
  LOGREG_C_GRID,
  type ChooseOptions,
  type ChooseResult,
  type CandidateSpec,
  type CandidateScore,
  type VariantScore,
  type ModelChoice,
  type OuterEstimate,
} from './ml/select.js';
export {
  fitTemperature,
  applyTemperature,
  expectedCalibrationError,
  calibrationBins,
  CalibratedClassifier,
  ECE_BINS,
  type TemperatureOptions,
  type CalibrationBin,
} from './ml/calibration.js';
export {
  explainRows,
  permutationImportance,
  groupFeatures,
  type ExplainOptions,
  type RowExplanation,
  type Contribution,
  type ColumnGroup,
  type Baseline,
  type PermutationOptions,
  type Importance,
} from './ml/explain.js';
