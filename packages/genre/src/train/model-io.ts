// A saved genre model = <name>.safetensors (weights + architecture, via @timbre/nn) + <name>.json
// (feature names and groups, key encoding, scaler, classes, preset and options, metrics, history).
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadModel, saveModel, type ModuleConfig } from '@timbre/nn';
import { writeFileAtomic } from '../data/atomic.js';
import type { FeatureGroup, KeyEncoding } from '../preprocess/features.js';
import { checkScalerState, type ScalerState } from '../preprocess/scaler.js';
import { MlpClassifier, type MlpHistory, type MlpOptions } from './mlp.js';

/** The JSON half of a saved model. */
export interface ModelMeta {
  readonly format: 'timbre-genre-model';
  readonly version: 1;
  /** File name of the weights, relative to the JSON file. */
  readonly weights: string;
  readonly kind: 'mlp';
  readonly preset: string;
  readonly options: MlpOptions;
  readonly architecture: ModuleConfig;
  readonly featureNames: readonly string[];
  readonly featureGroups: readonly FeatureGroup[];
  readonly keyEncoding: KeyEncoding;
  readonly classNames: readonly string[];
  readonly scaler: ScalerState;
  /** Anything the caller wants kept (test metrics, data counts, synthetic flag, …). */
  readonly metrics?: unknown;
  readonly history?: MlpHistory;
  readonly info?: Record<string, unknown>;
}

/** Paths of a model given the JSON path or the base path without extension. */
export function modelPaths(path: string): { json: string; weights: string } {
  const base = path.replace(/\.(json|safetensors)$/i, '');
  return { json: `${base}.json`, weights: `${base}.safetensors` };
}

/**
 * Saves a trained MLP with everything needed to use it on new data. Both files are written
 * atomically (weights first, JSON last, so a JSON on disk always has its weights).
 *
 * ```ts
 * saveGenreModel('runs/model', { classifier: mlp, preset: 'default', scaler, featureNames, featureGroups, keyEncoding, classNames });
 * ```
 */
export function saveGenreModel(path: string, m: {
  classifier: MlpClassifier; preset: string; scaler: ScalerState; featureNames: readonly string[];
  featureGroups: readonly FeatureGroup[]; keyEncoding: KeyEncoding; classNames: readonly string[];
  metrics?: unknown; info?: Record<string, unknown>;
}): { json: string; weights: string } {
  const { json, weights } = modelPaths(path);
  const model = m.classifier.model;
  if (model === null) throw new Error('saveGenreModel: the classifier is not trained');
  if (m.featureNames.length !== m.classifier.features) throw new RangeError(`saveGenreModel: ${m.featureNames.length} feature names for a model of ${m.classifier.features} inputs`);
  if (m.classNames.length !== m.classifier.classes) throw new RangeError(`saveGenreModel: ${m.classNames.length} class names for a model of ${m.classifier.classes} outputs`);
  saveModel(weights, model, { extras: { format: 'timbre-genre-model', classNames: m.classNames } });
  const meta: ModelMeta = {
    format: 'timbre-genre-model', version: 1, weights: basename(weights), kind: 'mlp', preset: m.preset,
    options: m.classifier.options, architecture: model.config(), featureNames: [...m.featureNames],
    featureGroups: [...m.featureGroups], keyEncoding: m.keyEncoding, classNames: [...m.classNames], scaler: m.scaler,
    ...(m.metrics !== undefined ? { metrics: m.metrics } : {}),
    ...(m.classifier.history ? { history: m.classifier.history } : {}),
    ...(m.info ? { info: m.info } : {}),
  };
  writeFileAtomic(json, JSON.stringify(meta, null, 1) + '\n');
  return { json, weights };
}

/**
 * Loads a model saved by `saveGenreModel` (pass the .json, the .safetensors or the base path).
 *
 * ```ts
 * const { classifier, meta } = loadGenreModel('runs/model.json');
 * ```
 */
export function loadGenreModel(path: string): { classifier: MlpClassifier; meta: ModelMeta } {
  const { json } = modelPaths(path);
  let meta: ModelMeta;
  try { meta = JSON.parse(readFileSync(json, 'utf8')) as ModelMeta; } catch (e) {
    throw new Error(`model: ${json}: cannot read the model description (${(e as Error).message})`);
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== 'timbre-genre-model') throw new Error(`model: ${json}: not a timbre genre model (format field is ${JSON.stringify((meta as { format?: unknown })?.format)})`);
  if (meta.version !== 1) throw new Error(`model: ${json}: unsupported version ${meta.version}`);
  if (!Array.isArray(meta.featureNames) || !Array.isArray(meta.classNames)) throw new Error(`model: ${json}: missing featureNames or classNames`);
  checkScalerState(meta.scaler, `model: ${json}`);
  const weights = join(dirname(json), meta.weights);
  const classifier = MlpClassifier.fromState(meta.options, meta.architecture, meta.featureNames.length, meta.classNames.length, (m) => {
    loadModel(weights, { into: m });
  });
  return { classifier, meta };
}
