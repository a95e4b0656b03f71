// Model registry: every classifier by name, built from plain JSON options and a seed, so the CLI
// (`timbre train --model gbdt`), the comparison script and search workers (which only receive JSON)
// make models the same way. registerModel adds more.

import type { Classifier } from './types.js';
import { MajorityClassifier } from './majority.js';
import { LogisticRegression, type LogisticRegressionOptions } from './logistic-regression.js';
import { GBDT, type GBDTOptions } from './gbdt.js';
import { RandomForest, type RandomForestOptions } from './random-forest.js';
import { BaggingClassifier, BlendClassifier, SammeClassifier, SeedEnsemble, SnapshotEnsemble, VotingClassifier } from './ensemble.js';
import { SnapshotMlp, type SnapshotMlpOptions } from './snapshot-mlp.js';
import { MlpClassifier, mlpOptions, type MlpOptions } from './mlp.js';

/** JSON-serialisable model options. */
export type ModelOptions = Record<string, unknown>;

/** Makes an untrained model from options and a seed. */
export type ModelFactory = (options: ModelOptions, seed: number) => Classifier;

interface Entry {
  factory: ModelFactory;
  description: string;
}

const registry = new Map<string, Entry>();

/**
 * Registers (or replaces) a model under `name`.
 *
 * ```ts
 * registerModel('knn', (o, seed) => new Knn({ k: Number(o.k ?? 5) }), 'k nearest neighbours');
 * const m = createModel('knn', { k: 7 }, 1);
 * ```
 */
export function registerModel(name: string, factory: ModelFactory, description = ''): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new RangeError(`registerModel: name "${name}" must be lower-case letters, digits and dashes`);
  registry.set(name, { factory, description });
}

/** Names of the registered models with their one-line descriptions. */
export function listModels(): { name: string; description: string }[] {
  return [...registry].map(([name, e]) => ({ name, description: e.description }));
}

/** A fresh, untrained model. Unknown names list the known ones. */
export function createModel(name: string, options: ModelOptions = {}, seed = 0): Classifier {
  const e = registry.get(name);
  if (e === undefined) throw new RangeError(`createModel: unknown model "${name}" (known: ${[...registry.keys()].join(', ')})`);
  return e.factory(options, seed);
}

/** A member spec inside ensemble options: { model: 'mlp', options: {...} }. */
interface MemberSpec {
  model: string;
  options?: ModelOptions;
}

function memberSpec(o: ModelOptions, key: string, fallback: MemberSpec): MemberSpec {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'object' || v === null || typeof (v as MemberSpec).model !== 'string') {
    throw new TypeError(`createModel: option "${key}" must be { model: string, options?: object }, got ${JSON.stringify(v)}`);
  }
  return v as MemberSpec;
}

function memberList(o: ModelOptions, key: string, fallback: MemberSpec[]): MemberSpec[] {
  const v = o[key];
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length === 0) throw new TypeError(`createModel: option "${key}" must be a non-empty array of member specs`);
  return v.map((m, i) => memberSpec({ [`${key}[${i}]`]: m }, `${key}[${i}]`, { model: '' }));
}

function num(o: ModelOptions, key: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`createModel: option "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** Options without the keys the wrapper consumed. */
function rest(o: ModelOptions, ...keys: string[]): ModelOptions {
  const r: ModelOptions = { ...o };
  for (const k of keys) delete r[k];
  return r;
}

/** MLP options from { preset?: 'original' | 'default', ...overrides } (see src/train/mlp.ts). */
function mlpFrom(o: ModelOptions, seed: number): MlpClassifier {
  const preset = typeof o.preset === 'string' ? o.preset : 'default';
  return new MlpClassifier(mlpOptions(preset, { ...(rest(o, 'preset') as Partial<MlpOptions>), seed }));
}

registerModel('majority', () => new MajorityClassifier(), 'always the training class frequencies (baseline)');
registerModel('logreg', (o) => new LogisticRegression(o as LogisticRegressionOptions), 'multinomial logistic regression, L2, L-BFGS');
registerModel('gbdt', (o, seed) => new GBDT({ ...(o as GBDTOptions), seed }), 'histogram gradient-boosted trees (softmax)');
registerModel('rf', (o, seed) => new RandomForest({ ...(o as RandomForestOptions), seed }), 'random forest (gini, bootstrap)');
registerModel('mlp', mlpFrom, 'multi-layer perceptron on @timbre/nn ({ preset, ...MlpOptions })');
registerModel(
  'bagging',
  (o, seed) => {
    const base = memberSpec(o, 'base', { model: 'mlp' });
    return new BaggingClassifier((s) => createModel(base.model, base.options ?? {}, s), {
      nEstimators: num(o, 'nEstimators', 5),
      maxSamples: num(o, 'maxSamples', 1),
      byGroup: o.byGroup !== false,
      seed,
    });
  },
  'bootstrap aggregation (by artist) of { base: { model, options } }, default MLPs',
);
registerModel(
  'seed-ensemble',
  (o, seed) => {
    const base = memberSpec(o, 'base', { model: 'mlp' });
    const n = num(o, 'nEstimators', 5);
    return new SeedEnsemble((s) => createModel(base.model, base.options ?? {}, s), { seeds: Array.from({ length: n }, (_, i) => seed * 1000 + i) });
  },
  'seed ensemble: the same model with nEstimators seeds, probabilities averaged',
);
registerModel(
  'samme',
  (o, seed) => {
    const base = memberSpec(o, 'base', { model: 'mlp' });
    const mode = o.mode === 'resample' ? 'resample' : 'weights';
    return new SammeClassifier((s) => createModel(base.model, base.options ?? {}, s), {
      nEstimators: num(o, 'nEstimators', 5),
      learningRate: num(o, 'learningRate', 1),
      mode,
      seed,
    });
  },
  'SAMME boosting (sample-weighted loss by default) of { base }, default MLPs',
);
registerModel(
  'snapshot',
  (o, seed) => new SnapshotEnsemble(new SnapshotMlp({ ...(rest(o, 'count') as SnapshotMlpOptions), seed }), { count: num(o, 'count', 5) }),
  'snapshot ensemble: one MLP run with cyclic cosine LR, a snapshot per cycle ({ count, epochsPerCycle, lr, hidden, … })',
);
registerModel(
  'blend',
  (o, seed) => {
    const members = memberList(o, 'members', [{ model: 'mlp' }, { model: 'gbdt' }]);
    const w = o.weights;
    return new BlendClassifier(
      members.map((m, i) => createModel(m.model, m.options ?? {}, seed * 100 + i)),
      {
        weights: Array.isArray(w) ? (w as number[]) : null,
        step: num(o, 'step', 0.1),
      },
    );
  },
  'blend of { members }, weights chosen on the validation set (default MLP + GBDT)',
);
registerModel(
  'voting',
  (o, seed) => {
    const members = memberList(o, 'members', [{ model: 'mlp' }, { model: 'gbdt' }, { model: 'logreg' }]);
    const w = o.weights;
    return new VotingClassifier(
      members.map((m, i) => createModel(m.model, m.options ?? {}, seed * 100 + i)),
      {
        weights: Array.isArray(w) ? (w as number[]) : null,
      },
    );
  },
  'soft voting (probability average) of { members }',
);
