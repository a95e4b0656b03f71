// Rebuilding a fitted model from its state (`Classifier.toState()`): one reader per kind, ensembles
// recursing into their members. Every value is checked before it is used, so a corrupt or hand-edited
// state gives an error naming the part of the model it is in, never a model that predicts nonsense.
import { Tensor } from '@timbre/tensor';
import { buildModule, checkArchitecture, checkFiniteTensors, type Module, type ModuleConfig } from '@timbre/nn';
import type { Classifier } from './types.js';
import { CalibratedClassifier } from './calibration.js';
import { BaggingClassifier, BlendClassifier, SammeClassifier, SeedEnsemble, SnapshotEnsemble, VotingClassifier, type SnapshotSource } from './ensemble.js';
import { GBDT } from './gbdt.js';
import { LogisticRegression } from './logistic-regression.js';
import { MajorityClassifier } from './majority.js';
import { MlpClassifier, type MlpOptions } from './mlp.js';
import { RandomForest } from './random-forest.js';
import { FrozenNet, SnapshotMlp, type SnapshotMlpOptions } from './snapshot-mlp.js';

type Reader = (s: Record<string, unknown>, where: string) => Classifier;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function field<T>(s: Record<string, unknown>, key: string, where: string, ok: (v: unknown) => boolean, what: string): T {
  const v = s[key];
  if (!ok(v)) throw new TypeError(`${where}: "${key}" must be ${what}, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v as T;
}

const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
const finiteArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** A restored ensemble cannot be fitted again: its factory is gone. */
const noRefit = (kind: string) => (): never => {
  throw new Error(`${kind}: a model restored from a file cannot be fitted again; create a new one with createModel`);
};

/** A network from its architecture and weights, checked against the model's input and output sizes. */
function network(s: Record<string, unknown>, where: string): { net: Module; features: number; classes: number } {
  const features = field<number>(s, 'features', where, positiveInt, 'a positive integer');
  const classes = field<number>(s, 'classes', where, positiveInt, 'a positive integer');
  const architecture = field<ModuleConfig>(s, 'architecture', where, (v) => isObject(v) && typeof v.type === 'string', 'a module config');
  const tensors = field<Record<string, Tensor>>(
    s,
    'tensors',
    where,
    (v) => isObject(v) && Object.values(v).every((t) => t instanceof Tensor),
    'a map of tensors',
  );
  // Everything the file says is checked against everything else before the network is allocated.
  checkFiniteTensors(tensors, where);
  const io = ioSizes(architecture);
  if (io !== null && (io.inputs !== features || io.outputs !== classes)) {
    throw new RangeError(
      `${where}: the architecture maps ${io.inputs} inputs to ${io.outputs} outputs, the model says ${features} features and ${classes} classes`,
    );
  }
  checkArchitecture(architecture, tensors, where);
  let net: Module;
  try {
    net = buildModule(architecture);
    net.loadStateDict(tensors, { strict: true });
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
  }
  net.eval();
  const probe = net.forward(new Tensor(new Float32Array(features), [1, features]));
  if (probe.shape.length !== 2 || probe.shape[1] !== classes) {
    throw new RangeError(`${where}: the network maps ${features} inputs to [${probe.shape.join(', ')}], not to ${classes} classes`);
  }
  return { net, features, classes };
}

/** Input and output sizes of a stack of Linear / BatchNorm1d / element-wise layers; null for anything else. */
function ioSizes(config: ModuleConfig): { inputs: number; outputs: number } | null {
  const c = config as Record<string, unknown>;
  switch (c.type) {
    case 'Linear':
      return { inputs: c.inFeatures as number, outputs: c.outFeatures as number };
    case 'BatchNorm1d':
      return { inputs: c.numFeatures as number, outputs: c.numFeatures as number };
    case 'Sequential': {
      if (!Array.isArray(c.layers)) return null;
      let inputs: number | null = null,
        outputs: number | null = null;
      for (const l of c.layers as ModuleConfig[]) {
        const t = (l as { type?: unknown } | null)?.type;
        if (t === 'ReLU' || t === 'LeakyReLU' || t === 'Tanh' || t === 'Sigmoid' || t === 'GELU' || t === 'Dropout') continue;
        const inner = ioSizes(l);
        if (inner === null) return null;
        inputs ??= inner.inputs;
        outputs = inner.outputs;
      }
      return inputs === null || outputs === null ? null : { inputs, outputs };
    }
    default:
      return null;
  }
}

function members(s: Record<string, unknown>, where: string): Classifier[] {
  const list = field<unknown[]>(s, 'members', where, (v) => Array.isArray(v) && v.length > 0, 'a non-empty array of model states');
  return list.map((m, i) => restoreModel(m, `${where} member ${i}`));
}

/** Every member must predict the same classes. */
function sameClasses(list: readonly Classifier[], where: string): number {
  const classes = list.map((m) => modelShape(m).classes);
  if (classes.some((c) => c !== classes[0])) throw new RangeError(`${where}: members predict different numbers of classes (${classes.join(', ')})`);
  return classes[0] ?? 0;
}

const READERS: Readonly<Record<string, Reader>> = {
  mlp: (s, where) => {
    const options = field<MlpOptions>(s, 'options', where, isObject, 'an object of MLP options');
    const { net, features, classes } = network(s, where);
    return MlpClassifier.fromState(options, net, features, classes);
  },
  'mlp-snapshot': (s, where) => {
    const { net, features, classes } = network(s, where);
    return new FrozenNet(net, features, classes);
  },
  'snapshot-mlp': (s, where) => {
    const m = new SnapshotMlp(field<SnapshotMlpOptions>(s, 'options', where, isObject, 'an object of SnapshotMlp options'));
    m.members = members(s, where);
    return m;
  },
  gbdt: (s, where) => fitted(s, where, (o) => GBDT.fromJSON(o)),
  rf: (s, where) => fitted(s, where, (o) => RandomForest.fromJSON(o)),
  logreg: (s, where) => fitted(s, where, (o) => LogisticRegression.fromJSON(o)),
  majority: (s, where) => {
    const m = new MajorityClassifier();
    m.features = field<number>(s, 'features', where, positiveInt, 'a positive integer');
    const prior = field<number[]>(s, 'prior', where, (v) => finiteArray(v) && (v as number[]).length > 0, 'a non-empty array of finite numbers');
    m.prior = Float32Array.from(prior);
    return m;
  },
  voting: (s, where) => {
    const list = members(s, where);
    sameClasses(list, where);
    return new VotingClassifier(list, { weights: weights(s, where, list.length) });
  },
  blend: (s, where) => {
    const list = members(s, where);
    sameClasses(list, where);
    return new BlendClassifier(list, { weights: weights(s, where, list.length) });
  },
  bagging: (s, where) => {
    const o = field<Record<string, unknown>>(s, 'options', where, isObject, 'an object of bagging options');
    const bag = new BaggingClassifier(noRefit('bagging'), o);
    bag.members = members(s, where);
    sameClasses(bag.members, where);
    return bag;
  },
  'seed-ensemble': (s, where) => {
    const seeds = field<number[]>(
      s,
      'seeds',
      where,
      (v) => Array.isArray(v) && v.length > 0 && v.every(Number.isInteger),
      'a non-empty array of integer seeds',
    );
    const ens = new SeedEnsemble(noRefit('seed-ensemble'), { seeds: [...seeds] });
    ens.members = members(s, where);
    if (ens.members.length !== seeds.length) throw new RangeError(`${where}: ${ens.members.length} members for ${seeds.length} seeds`);
    sameClasses(ens.members, where);
    return ens;
  },
  snapshot: (s, where) => {
    const source: SnapshotSource = { kind: 'restored', fit: noRefit('snapshot'), predictProba: noRefit('snapshot'), fitSnapshots: noRefit('snapshot') };
    const ens = new SnapshotEnsemble(source, { count: field<number>(s, 'count', where, positiveInt, 'a positive integer') });
    ens.members = members(s, where);
    sameClasses(ens.members, where);
    return ens;
  },
  calibrated: (s, where) => {
    const temperature = field<number>(s, 'temperature', where, (v) => typeof v === 'number' && v > 0 && Number.isFinite(v), 'a positive finite number');
    return new CalibratedClassifier(restoreModel(s.base, `${where} base`), temperature);
  },
  samme: (s, where) => {
    const o = field<Record<string, unknown>>(s, 'options', where, isObject, 'an object of SAMME options');
    const boost = new SammeClassifier(noRefit('samme'), o);
    boost.members = members(s, where);
    boost.alphas = field<number[]>(
      s,
      'alphas',
      where,
      (v) => finiteArray(v) && (v as number[]).length === boost.members.length,
      `${boost.members.length} finite vote weights`,
    );
    boost.classes = field<number>(s, 'classes', where, positiveInt, 'a positive integer');
    if (sameClasses(boost.members, where) !== boost.classes)
      throw new RangeError(`${where}: members predict ${sameClasses(boost.members, where)} classes, the ensemble ${boost.classes}`);
    return boost;
  },
};

function fitted(s: Record<string, unknown>, where: string, read: (o: unknown) => Classifier): Classifier {
  try {
    return read(field<unknown>(s, 'fitted', where, isObject, 'the fitted model'));
  } catch (e) {
    throw new Error(`${where}: cannot rebuild the ${String(s.kind)} model (${(e as Error).message})`, { cause: e });
  }
}

function weights(s: Record<string, unknown>, where: string, n: number): number[] | null {
  if (s.weights === null || s.weights === undefined) return null;
  return field<number[]>(s, 'weights', where, (v) => finiteArray(v) && (v as number[]).length === n, `null or ${n} finite weights`);
}

/** Kinds `restoreModel` reads. */
export const MODEL_KINDS: readonly string[] = Object.keys(READERS);

/**
 * Rebuilds a fitted model from `toState()` output. `where` starts every error message.
 *
 * ```ts
 * const copy = restoreModel(model.toState!());
 * copy.predictProba(x, rows); // the same probabilities as model's
 * ```
 */
export function restoreModel(state: unknown, where = 'model'): Classifier {
  if (!isObject(state) || typeof state.kind !== 'string') throw new TypeError(`${where}: not a model state (an object with a "kind")`);
  const read = READERS[state.kind];
  if (read === undefined) throw new TypeError(`${where}: unknown model kind "${state.kind}" (known: ${MODEL_KINDS.join(', ')})`);
  return read(state, `${where} (${state.kind})`);
}

/** The number of input features of a restored model, when it says (every built-in kind does through its members). */
export function modelShape(c: Classifier): { features?: number; classes?: number } {
  const m = c as { features?: number; classes?: number; members?: Classifier[]; prior?: Float32Array | null; base?: Classifier };
  if (m.prior) return { features: m.features ?? 0, classes: m.prior.length };
  if (m.base !== undefined) return modelShape(m.base);
  if (m.features !== undefined && m.classes !== undefined && m.features > 0) return { features: m.features, classes: m.classes };
  if (Array.isArray(m.members) && m.members.length > 0) return modelShape(m.members[0]);
  return m.features !== undefined && m.features > 0 ? { features: m.features } : {};
}
