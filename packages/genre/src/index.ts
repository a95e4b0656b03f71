// @timbre/genre: MSD genre classification — data, labels, preprocessing, models, training, reports.
export {
  trainValidTestSplit, trainTestSplit, stratifiedGroupKFold, subsetDataset, classCounts,
  type Split, type Fold, type SplitOptions,
} from './data/split.js';
export {
  confusionMatrix, accuracy, balancedAccuracy, macroF1, perClassScores, evaluatePredictions, argmaxRows, logLoss,
  majorityClass, majorityBaseline, type ClassScores, type ClassificationMetrics,
} from './metrics/classification.js';
export { meanStd, formatMeanStd, summarizeRuns, type MeanStd } from './metrics/summary.js';
