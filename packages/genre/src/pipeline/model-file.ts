// A saved genre model = <name>.json (feature names and groups, key encoding, scaler, classes, preset and
// options, metrics, history) + for MLPs <name>.safetensors (weights + architecture, via @timbre/nn).
// Kinds: 'mlp' (one network; PyTorch state-dict names), 'mlp-ensemble' (a seed ensemble: every member in
// the one safetensors file under `members.<i>.` + PyTorch names, probabilities averaged), or a registry
// model with toJSON/fromJSON (gbdt, rf, logreg), stored inside the JSON under `fitted`, no weights file.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '@timbre/tensor';
import { loadModel, loadSafetensors, saveModel, saveSafetensors, type Module, type ModuleConfig } from '@timbre/nn';
import { writeFileAtomic } from '../io/atomic.js';
import type { FeatureGroup, KeyEncoding } from '../preprocess/features.js';
import { checkScalerState, type ScalerState } from '../ml/scaler.js';
import { SeedEnsemble } from '../ml/ensemble.js';
import { GBDT } from '../ml/gbdt.js';
import { LogisticRegression } from '../ml/logistic-regression.js';
import { RandomForest } from '../ml/random-forest.js';
import type { Classifier } from '../ml/types.js';
import { MlpClassifier, type MlpHistory, type MlpOptions } from '../ml/mlp.js';
import type { SplitSpec } from './datasets.js';

/** Registry models that can be saved in the model JSON, with their readers. */
const JSON_MODELS: Readonly<Record<string, (fitted: unknown) => Classifier>> = {
  gbdt: (o) => GBDT.fromJSON(o),
  rf: (o) => RandomForest.fromJSON(o),
  logreg: (o) => LogisticRegression.fromJSON(o),
};

/** Names of the non-MLP models `saveGenreModel` can store (they have toJSON/fromJSON). */
export const SAVABLE_MODELS: readonly string[] = Object.keys(JSON_MODELS);

/** The JSON half of a saved model. */
export interface ModelMeta {
  readonly format: 'timbre-genre-model';
  readonly version: 1;
  /** 'mlp', 'mlp-ensemble', or a registry model saved in `fitted` ('gbdt', 'rf', 'logreg'). Old files: 'mlp'. */
  readonly kind: string;
  /** File name of the weights, relative to the JSON file (MLP kinds only). */
  readonly weights?: string;
  readonly preset: string;
  /** MLP options (member 0's for an ensemble; members differ only in seed). */
  readonly options?: MlpOptions;
  /** Module config of the network (of every member, for an ensemble). */
  readonly architecture?: ModuleConfig;
  /** mlp-ensemble: the members' seeds, in the order of `members.<i>.` in the weights file. */
  readonly memberSeeds?: readonly number[];
  /** Non-MLP kinds: the options the model was created with, and its toJSON() output. */
  readonly modelOptions?: Record<string, unknown>;
  readonly fitted?: unknown;
  readonly featureNames: readonly string[];
  readonly featureGroups: readonly FeatureGroup[];
  readonly keyEncoding: KeyEncoding;
  readonly classNames: readonly string[];
  readonly scaler: ScalerState;
  /** Anything the caller wants kept (test metrics, data counts, synthetic flag, …). */
  readonly metrics?: unknown;
  /** The split the model was trained on: a `--resplit` seed, or absent for the stored split column. */
  readonly split?: SplitSpec & { rows: number };
  /** Training history (member 0's for an ensemble). */
  readonly history?: MlpHistory;
  readonly info?: Record<string, unknown>;
}

/** Paths of a model given the JSON path or the base path without extension. */
export function modelPaths(path: string): { json: string; weights: string } {
  const base = path.replace(/\.(json|safetensors)$/i, '');
  return { json: `${base}.json`, weights: `${base}.safetensors` };
}

/** The trained MLP members of a seed ensemble of MLPs, or null if `c` is not one. */
function mlpMembers(c: Classifier): MlpClassifier[] | null {
  if (!(c instanceof SeedEnsemble) || c.members.length === 0) return null;
  return c.members.every((m) => m instanceof MlpClassifier) ? (c.members as MlpClassifier[]) : null;
}

/** Prefix of member i's tensors in an ensemble weights file. */
const memberPrefix = (i: number) => `members.${i}.`;

/** What `saveGenreModel` stores beside the classifier. */
export interface SaveModelArgs {
  classifier: Classifier; preset: string; scaler: ScalerState; featureNames: readonly string[];
  featureGroups: readonly FeatureGroup[]; keyEncoding: KeyEncoding; classNames: readonly string[];
  metrics?: unknown; info?: Record<string, unknown>;
  /** How the model's train/valid/test split was drawn (with the row count it applies to). */
  split?: SplitSpec & { rows: number };
  /** Non-MLP models: the registry options they were made with (kept in the JSON). */
  modelOptions?: Record<string, unknown>;
}

/**
 * Saves a trained classifier with everything needed to use it on new data: an `MlpClassifier`, a
 * `SeedEnsemble` of them (one safetensors file, keys `members.<i>.<PyTorch name>`), or a GBDT /
 * RandomForest / LogisticRegression (fitted model inside the JSON; `weights` is then null). Files are
 * written atomically, weights first and JSON last, so a JSON on disk always has its weights.
 *
 * ```ts
 * saveGenreModel('runs/model', { classifier: mlp, preset: 'default', scaler, featureNames, featureGroups, keyEncoding, classNames });
 * ```
 */
export function saveGenreModel(path: string, m: SaveModelArgs & { classifier: MlpClassifier | SeedEnsemble }): { json: string; weights: string };
export function saveGenreModel(path: string, m: SaveModelArgs): { json: string; weights: string | null };
export function saveGenreModel(path: string, m: SaveModelArgs): { json: string; weights: string | null } {
  const { json, weights } = modelPaths(path);
  const c = m.classifier;
  const common = {
    featureNames: [...m.featureNames], featureGroups: [...m.featureGroups], keyEncoding: m.keyEncoding, classNames: [...m.classNames], scaler: m.scaler,
    ...(m.metrics !== undefined ? { metrics: m.metrics } : {}),
    ...(m.split !== undefined ? { split: m.split } : {}),
  };
  const checkShape = (features: number, classes: number, what: string) => {
    if (m.featureNames.length !== features) throw new RangeError(`saveGenreModel: ${m.featureNames.length} feature names for ${what} of ${features} inputs`);
    if (m.classNames.length !== classes) throw new RangeError(`saveGenreModel: ${m.classNames.length} class names for ${what} of ${classes} outputs`);
  };
  let meta: ModelMeta;
  const members = mlpMembers(c);
  if (c instanceof MlpClassifier) {
    const model = c.model;
    if (model === null) throw new Error('saveGenreModel: the classifier is not trained');
    checkShape(c.features, c.classes, 'a model');
    saveModel(weights, model, { extras: { format: 'timbre-genre-model', classNames: m.classNames } });
    meta = {
      format: 'timbre-genre-model', version: 1, weights: basename(weights), kind: 'mlp', preset: m.preset,
      options: c.options, architecture: model.config(), ...common,
      ...(c.history ? { history: c.history } : {}),
      ...(m.info ? { info: m.info } : {}),
    };
  } else if (members !== null) {
    const arch = members[0].model?.config();
    const tensors: Record<string, Tensor> = {};
    members.forEach((mm, i) => {
      if (mm.model === null) throw new Error(`saveGenreModel: ensemble member ${i} is not trained`);
      checkShape(mm.features, mm.classes, `ensemble member ${i}`);
      if (JSON.stringify(mm.model.config()) !== JSON.stringify(arch)) throw new RangeError(`saveGenreModel: ensemble member ${i} has a different architecture from member 0`);
      for (const [k, t] of Object.entries(mm.model.stateDict())) tensors[memberPrefix(i) + k] = t;
    });
    const seeds = members.map((mm) => mm.options.seed);
    saveSafetensors(weights, tensors, {
      format: 'pt', architecture: JSON.stringify(arch), members: String(members.length),
      extras: JSON.stringify({ format: 'timbre-genre-model', kind: 'mlp-ensemble', classNames: m.classNames, memberSeeds: seeds }),
    });
    meta = {
      format: 'timbre-genre-model', version: 1, weights: basename(weights), kind: 'mlp-ensemble', preset: m.preset,
      options: members[0].options, architecture: arch!, memberSeeds: seeds, ...common,
      ...(members[0].history ? { history: members[0].history } : {}),
      ...(m.info ? { info: m.info } : {}),
    };
  } else {
    const toJSON = (c as { toJSON?: () => object }).toJSON;
    if (!(c.kind in JSON_MODELS) || typeof toJSON !== 'function') {
      throw new RangeError(`saveGenreModel: cannot save a "${c.kind}" model (savable: mlp, a seed ensemble of MLPs, ${SAVABLE_MODELS.join(', ')})`);
    }
    const fitted = toJSON.call(c) as { features?: number; classes?: number };
    if (fitted.features !== undefined && fitted.classes !== undefined) checkShape(fitted.features, fitted.classes, `a ${c.kind} model`);
    meta = {
      format: 'timbre-genre-model', version: 1, kind: c.kind, preset: m.preset, modelOptions: m.modelOptions ?? {}, fitted, ...common,
      ...(m.info ? { info: m.info } : {}),
    };
    writeFileAtomic(json, JSON.stringify(meta) + '\n');
    return { json, weights: null };
  }
  writeFileAtomic(json, JSON.stringify(meta, null, 1) + '\n');
  return { json, weights };
}

/**
 * Loads a model saved by `saveGenreModel` (pass the .json, the .safetensors or the base path): an
 * `MlpClassifier`, a `SeedEnsemble` of them, or a GBDT / RandomForest / LogisticRegression. Files
 * from before ensembles (kind 'mlp') load as before.
 *
 * ```ts
 * const { classifier, meta } = loadGenreModel('runs/model.json');
 * const proba = classifier.predictProba(x, rows);
 * ```
 */
export function loadGenreModel(path: string): { classifier: Classifier; meta: ModelMeta } {
  const { json } = modelPaths(path);
  let meta: ModelMeta;
  try { meta = JSON.parse(readFileSync(json, 'utf8')) as ModelMeta; } catch (e) {
    throw new Error(`model: ${json}: cannot read the model description (${(e as Error).message})`);
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== 'timbre-genre-model') throw new Error(`model: ${json}: not a timbre genre model (format field is ${JSON.stringify((meta as { format?: unknown })?.format)})`);
  if (meta.version !== 1) throw new Error(`model: ${json}: unsupported version ${meta.version}`);
  if (!Array.isArray(meta.featureNames) || !Array.isArray(meta.classNames)) throw new Error(`model: ${json}: missing featureNames or classNames`);
  checkScalerState(meta.scaler, `model: ${json}`);
  const F = meta.featureNames.length, C = meta.classNames.length;
  const kind = meta.kind ?? 'mlp';
  if (kind === 'mlp' || kind === 'mlp-ensemble') {
    if (typeof meta.weights !== 'string' || meta.options === undefined || meta.architecture === undefined) throw new Error(`model: ${json}: an ${kind} model needs weights, options and architecture`);
    const weights = join(dirname(json), meta.weights);
    if (kind === 'mlp') {
      const classifier = MlpClassifier.fromState(meta.options, meta.architecture, F, C, (m) => { loadModel(weights, { into: m }); });
      return { classifier, meta };
    }
    const seeds = meta.memberSeeds;
    if (!Array.isArray(seeds) || seeds.length === 0) throw new Error(`model: ${json}: an mlp-ensemble needs a non-empty memberSeeds list`);
    const { tensors } = loadSafetensors(weights);
    const used = new Set<string>();
    const members = seeds.map((seed, i) => MlpClassifier.fromState({ ...meta.options!, seed }, meta.architecture!, F, C, (mod: Module) => {
      const sd: Record<string, Tensor> = {};
      const pre = memberPrefix(i);
      for (const [k, t] of Object.entries(tensors)) if (k.startsWith(pre)) { sd[k.slice(pre.length)] = t; used.add(k); }
      try { mod.loadStateDict(sd, { strict: true }); } catch (e) {
        throw new Error(`model: ${weights}: ensemble member ${i} (keys ${pre}*): ${(e as Error).message}`);
      }
    }));
    const extra = Object.keys(tensors).filter((k) => !used.has(k));
    if (extra.length > 0) throw new Error(`model: ${weights}: ${extra.length} tensor(s) belong to no member of the ${seeds.length} in ${json} (e.g. ${extra[0]})`);
    const ens = new SeedEnsemble((s) => new MlpClassifier({ ...meta.options!, seed: s }), { seeds: [...seeds] });
    ens.members = members;
    return { classifier: ens, meta };
  }
  const read = JSON_MODELS[kind];
  if (read === undefined) throw new Error(`model: ${json}: unknown model kind "${kind}" (known: mlp, mlp-ensemble, ${SAVABLE_MODELS.join(', ')})`);
  let classifier: Classifier;
  try { classifier = read(meta.fitted); } catch (e) { throw new Error(`model: ${json}: cannot rebuild the ${kind} model (${(e as Error).message})`); }
  const shape = classifier as unknown as { features?: number; classes?: number };
  if (shape.features !== F || shape.classes !== C) throw new Error(`model: ${json}: the ${kind} model has ${shape.features} inputs / ${shape.classes} classes, the description ${F} / ${C}`);
  return { classifier, meta };
}
