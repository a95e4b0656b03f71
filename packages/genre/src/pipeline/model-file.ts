// The genre model file: <name>.json (the model's state, feature names and groups, key encoding,
// scaler, classes, metrics, history) and, for models with network weights, <name>.safetensors. Every
// model with `toState` (all of the registry's) is saved the same way: its state goes into the JSON with
// each tensor replaced by a reference { "$tensor": name }, and the tensors into the safetensors file,
// named by their path in the state without the `tensors` keys — PyTorch's state-dict names for one
// MLP (`0.weight`), `members.<i>.0.weight` for an ensemble's members. Version 1 files (an MLP, a seed
// ensemble of MLPs, or gbdt / rf / logreg) are read too.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Tensor } from '@timbre/tensor';
import { decodeSafetensors, encodeSafetensors, loadSafetensors, writeFileAtomic } from '@timbre/nn';
import type { FeatureGroup, KeyEncoding } from '../preprocess/features.js';
import { checkScalerState, type ScalerState } from '../ml/scaler.js';
import type { Classifier, ModelState } from '../ml/types.js';
import type { MlpHistory } from '../ml/mlp.js';
import { modelShape, restoreModel } from '../ml/model-state.js';
import type { SplitSpec } from './datasets.js';

/** The JSON half of a saved model. */
export interface ModelMeta {
  readonly format: 'timbre-genre-model';
  readonly version: 2;
  /** The model's kind: 'mlp', 'seed-ensemble', 'gbdt', … (the state's `kind`). */
  readonly kind: string;
  /** The fitted model's state; tensors are { "$tensor": name } references into the weights file. */
  readonly model: ModelState;
  /** File name of the weights, relative to the JSON file (models with tensors only). */
  readonly weights?: string;
  /** The MLP preset the model was trained with ('default', 'original'), or the registry model's name. */
  readonly preset: string;
  /** Registry models: the options they were created with. */
  readonly modelOptions?: Record<string, unknown>;
  readonly featureNames: readonly string[];
  readonly featureGroups: readonly FeatureGroup[];
  readonly keyEncoding: KeyEncoding;
  readonly classNames: readonly string[];
  readonly scaler: ScalerState;
  /** Anything the caller wants kept (test metrics, data counts, synthetic flag, …). */
  readonly metrics?: unknown;
  /** The split the model was trained on: a `--resplit` seed, or absent for the stored split column. */
  readonly split?: SplitSpec & { rows: number };
  /** Training history (the first MLP's, for an ensemble of them). */
  readonly history?: MlpHistory;
  /** How the saved model was fit: on every labelled row (`refit`), with its epochs or rounds and where they came from. */
  readonly fit?: ModelFit;
  readonly info?: Record<string, unknown>;
}

/** How a model was fit, when it was refit on every labelled row after its evaluation. */
export interface ModelFit {
  readonly refit: boolean;
  readonly rows: number;
  readonly epochs?: number;
  readonly rounds?: number;
  readonly from?: string;
}

/** Paths of a model given the JSON path or the base path without extension. */
export function modelPaths(path: string): { json: string; weights: string } {
  const base = path.replace(/\.(json|safetensors)$/i, '');
  return { json: `${base}.json`, weights: `${base}.safetensors` };
}

/** What `saveGenreModel` stores beside the classifier. */
export interface SaveModelArgs {
  classifier: Classifier;
  preset: string;
  scaler: ScalerState;
  featureNames: readonly string[];
  featureGroups: readonly FeatureGroup[];
  keyEncoding: KeyEncoding;
  classNames: readonly string[];
  metrics?: unknown;
  info?: Record<string, unknown>;
  /** How the model's train/valid/test split was drawn (with the row count it applies to). */
  split?: SplitSpec & { rows: number };
  /** Registry models: the options they were made with (kept in the JSON). */
  modelOptions?: Record<string, unknown>;
  /** How the model was fit (refit on every labelled row). */
  fit?: ModelFit;
}

/** The state's JSON with its tensors moved into `out` (named by path, `tensors` keys left out). */
function splitTensors(v: unknown, path: readonly string[], out: Record<string, Tensor>): unknown {
  if (v instanceof Tensor) {
    const name = path.filter((p) => p !== 'tensors').join('.');
    if (name in out) throw new Error(`saveGenreModel: two tensors of the model are both named "${name}"`);
    out[name] = v;
    return { $tensor: name };
  }
  if (ArrayBuffer.isView(v))
    throw new TypeError(`saveGenreModel: the model state holds a typed array at ${path.join('.')}; states keep weights as Tensors and the rest as plain JSON`);
  if (Array.isArray(v)) return v.map((x, i) => splitTensors(x, [...path, String(i)], out));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, splitTensors(x, [...path, k], out)]));
  return v;
}

/** The state with every { "$tensor": name } replaced by the tensor; `used` collects the names. */
function joinTensors(v: unknown, tensors: Record<string, Tensor>, used: Set<string>, file: string): unknown {
  if (Array.isArray(v)) return v.map((x) => joinTensors(x, tensors, used, file));
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (typeof o.$tensor === 'string') {
    const t = tensors[o.$tensor];
    if (t === undefined) throw new Error(`model: ${file} has no tensor "${o.$tensor}" (the model description names it)`);
    used.add(o.$tensor);
    return t;
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, joinTensors(x, tensors, used, file)]));
}

/** The training history worth keeping for reports: an MLP's, or the first MLP member's. */
function historyOf(c: Classifier): MlpHistory | undefined {
  const h = (c as { history?: MlpHistory | null }).history;
  if (h) return h;
  const members = (c as { members?: Classifier[] }).members;
  return Array.isArray(members) && members.length > 0 ? historyOf(members[0]) : undefined;
}

/** An architecture for the weights file's metadata (so nn's `loadModel` and PyTorch tools can read one MLP). */
function architectureOf(state: ModelState): string | undefined {
  if (state.architecture !== undefined) return JSON.stringify(state.architecture);
  const members = state.members as ModelState[] | undefined;
  return Array.isArray(members) && members.length > 0 && members[0].architecture !== undefined ? JSON.stringify(members[0].architecture) : undefined;
}

/**
 * Saves a fitted classifier with everything needed to use it on new data. Any model with `toState`
 * (every registry model) can be saved; the files are written atomically, weights first and JSON last,
 * so a JSON on disk always has its weights.
 *
 * ```ts
 * saveGenreModel('runs/model', { classifier, preset: 'default', scaler, featureNames, featureGroups, keyEncoding, classNames });
 * ```
 */
export function saveGenreModel(path: string, m: SaveModelArgs): { json: string; weights: string | null } {
  const { json, weights } = modelPaths(path);
  const c = m.classifier;
  if (typeof c.toState !== 'function') throw new TypeError(`saveGenreModel: a "${c.kind}" model cannot be saved (it has no toState)`);
  const state = c.toState();
  const shape = modelShape(c);
  if (shape.features !== undefined && m.featureNames.length !== shape.features)
    throw new RangeError(`saveGenreModel: ${m.featureNames.length} feature names for a model of ${shape.features} inputs`);
  if (shape.classes !== undefined && m.classNames.length !== shape.classes)
    throw new RangeError(`saveGenreModel: ${m.classNames.length} class names for a model of ${shape.classes} outputs`);
  checkScalerState(m.scaler, 'saveGenreModel');
  const tensors: Record<string, Tensor> = {};
  const model = splitTensors(state, [], tensors) as ModelState;
  const hasWeights = Object.keys(tensors).length > 0;
  const history = historyOf(c);
  const meta: ModelMeta = {
    format: 'timbre-genre-model',
    version: 2,
    kind: state.kind,
    model,
    ...(hasWeights ? { weights: basename(weights) } : {}),
    preset: m.preset,
    ...(m.modelOptions !== undefined ? { modelOptions: m.modelOptions } : {}),
    featureNames: [...m.featureNames],
    featureGroups: [...m.featureGroups],
    keyEncoding: m.keyEncoding,
    classNames: [...m.classNames],
    scaler: m.scaler,
    ...(m.metrics !== undefined ? { metrics: m.metrics } : {}),
    ...(m.split !== undefined ? { split: m.split } : {}),
    ...(history !== undefined ? { history } : {}),
    ...(m.fit !== undefined ? { fit: m.fit } : {}),
    ...(m.info !== undefined ? { info: m.info } : {}),
  };
  // The files are made in memory and read back the way loadGenreModel reads them before anything is
  // written: a model that would not load is never saved (and an existing model is left as it was).
  const jsonText = JSON.stringify(meta, null, 1) + '\n';
  let weightBytes: Uint8Array | null = null;
  if (hasWeights) {
    const arch = architectureOf(state);
    const members = state.members as unknown[] | undefined;
    weightBytes = encodeSafetensors(tensors, {
      format: 'pt',
      ...(arch !== undefined ? { architecture: arch } : {}),
      ...(Array.isArray(members) ? { members: String(members.length) } : {}),
      extras: JSON.stringify({ format: 'timbre-genre-model', kind: state.kind, classNames: m.classNames }),
    });
  }
  try {
    const bytes = weightBytes;
    readGenreModel(JSON.parse(jsonText) as Record<string, unknown>, json, () => (bytes === null ? {} : decodeSafetensors(bytes, weights).tensors));
  } catch (e) {
    throw new Error(`saveGenreModel: the model would not load, so nothing was written: ${(e as Error).message}`, { cause: e });
  }
  if (weightBytes !== null) writeFileAtomic(weights, weightBytes);
  writeFileAtomic(json, jsonText);
  try {
    loadGenreModel(json);
  } catch (e) {
    throw new Error(`saveGenreModel: ${json} was written but does not load back: ${(e as Error).message}`, { cause: e });
  }
  return { json, weights: hasWeights ? weights : null };
}

/** A version-1 description as a version-2 one (its weights file already uses the same tensor names). */
function fromVersion1(v1: Record<string, unknown>, json: string): ModelMeta {
  const kind = (v1.kind as string | undefined) ?? 'mlp';
  const F = (v1.featureNames as unknown[]).length,
    C = (v1.classNames as unknown[]).length;
  const ref = (prefix: string, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, { $tensor: prefix + n }]));
  let model: ModelState;
  if (kind === 'mlp' || kind === 'mlp-ensemble') {
    if (typeof v1.weights !== 'string') throw new Error(`model: ${json}: an ${kind} model needs a weights file`);
    const { tensors } = loadSafetensors(join(dirname(json), v1.weights));
    const mlp = (prefix: string, options: unknown): ModelState => ({
      kind: 'mlp',
      options,
      architecture: v1.architecture,
      features: F,
      classes: C,
      tensors: ref(
        prefix,
        Object.keys(tensors)
          .filter((k) => k.startsWith(prefix))
          .map((k) => k.slice(prefix.length)),
      ),
    });
    if (kind === 'mlp') model = mlp('', v1.options);
    else {
      const seeds = v1.memberSeeds;
      if (!Array.isArray(seeds) || seeds.length === 0) throw new Error(`model: ${json}: an mlp-ensemble needs a non-empty memberSeeds list`);
      model = { kind: 'seed-ensemble', seeds, members: seeds.map((seed, i) => mlp(`members.${i}.`, { ...(v1.options as object), seed })) };
    }
  } else {
    model = { kind, fitted: v1.fitted };
  }
  return { ...(v1 as unknown as ModelMeta), version: 2, kind: model.kind, model };
}

/**
 * Loads a model saved by `saveGenreModel` (pass the .json, the .safetensors or the base path).
 * Everything is checked against everything else: the state, the weights file (no tensor missing, none
 * left over), the feature and class names and the scaler.
 *
 * ```ts
 * const { classifier, meta } = loadGenreModel('runs/model.json');
 * const proba = classifier.predictProba(x, rows);
 * ```
 */
export function loadGenreModel(path: string): { classifier: Classifier; meta: ModelMeta } {
  const { json } = modelPaths(path);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`model: ${json}: cannot read the model description (${(e as Error).message})`);
  }
  return readGenreModel(raw, json, (file) => loadSafetensors(file).tensors);
}

/** A model from its parsed description; `readTensors(file)` gives the weights file's tensors. */
function readGenreModel(
  raw: Record<string, unknown>,
  json: string,
  readTensors: (file: string) => Record<string, Tensor>,
): { classifier: Classifier; meta: ModelMeta } {
  if (raw === null || typeof raw !== 'object' || raw.format !== 'timbre-genre-model')
    throw new Error(`model: ${json}: not a timbre genre model (format field is ${JSON.stringify((raw as { format?: unknown })?.format)})`);
  if (raw.version !== 1 && raw.version !== 2)
    throw new Error(`model: ${json}: unsupported version ${JSON.stringify(raw.version)} (this timbre reads versions 1 and 2)`);
  if (!Array.isArray(raw.featureNames) || !Array.isArray(raw.classNames)) throw new Error(`model: ${json}: missing featureNames or classNames`);
  if (!raw.classNames.every((c) => typeof c === 'string') || new Set(raw.classNames).size !== raw.classNames.length) {
    throw new Error(`model: ${json}: classNames must be distinct strings`);
  }
  const read = raw.version === 1 ? fromVersion1(raw, json) : (raw as unknown as ModelMeta);
  // Files written before the original project's feature group was called original6 name it seed6.
  const meta: ModelMeta = { ...read, featureGroups: read.featureGroups.map((g) => ((g as string) === 'seed6' ? 'original6' : g)) };
  checkScalerState(meta.scaler, `model: ${json}`);
  if (meta.scaler.featureNames.length !== meta.featureNames.length) {
    throw new Error(`model: ${json}: the scaler has ${meta.scaler.featureNames.length} features, the model ${meta.featureNames.length} feature names`);
  }
  let state: unknown = meta.model;
  if (meta.weights !== undefined) {
    if (typeof meta.weights !== 'string') throw new Error(`model: ${json}: "weights" must be a file name`);
    const file = join(dirname(json), meta.weights);
    const tensors = readTensors(file);
    const used = new Set<string>();
    state = joinTensors(meta.model, tensors, used, file);
    const extra = Object.keys(tensors).filter((k) => !used.has(k));
    if (extra.length > 0) throw new Error(`model: ${file}: ${extra.length} tensor(s) belong to no part of the model in ${json} (e.g. ${extra[0]})`);
  }
  const classifier = restoreModel(state, `model: ${json}`);
  const shape = modelShape(classifier);
  const F = meta.featureNames.length,
    C = meta.classNames.length;
  if (shape.features !== undefined && shape.features !== F) {
    throw new Error(`model: ${json}: the ${meta.kind} model has ${shape.features} inputs, the description names ${F} features`);
  }
  // Every kind answers one row of F features with its class probabilities: their count must be C.
  let outputs: number;
  try {
    outputs = classifier.predictProba(new Float32Array(F), 1).length;
  } catch (e) {
    throw new Error(`model: ${json}: the ${meta.kind} model does not take the ${F} features its description names (${(e as Error).message})`, { cause: e });
  }
  if (outputs !== C)
    throw new Error(`model: ${json}: the ${meta.kind} model predicts ${outputs} classes, the description names ${C} (${meta.classNames.join(', ')})`);
  return { classifier, meta };
}
