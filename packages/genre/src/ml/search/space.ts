// Hyperparameter search spaces: typed parameter specs, random sampling, grid enumeration, and the
// map from search parameters to model options (MLP widths/depth → hidden layer list).

import type { Rng } from '@timbre/tensor';
import type { ModelOptions } from '../registry.js';

/** A value a parameter can take. */
export type ParamValue = number | string | boolean | null;

/** One parameter: a (log-)uniform float or int range, or a categorical choice. */
export type ParamSpec =
  | { readonly type: 'float'; readonly low: number; readonly high: number; readonly log?: boolean; readonly grid?: readonly number[] }
  | { readonly type: 'int'; readonly low: number; readonly high: number; readonly log?: boolean; readonly grid?: readonly number[] }
  | { readonly type: 'choice'; readonly values: readonly ParamValue[] };

/** Parameter name → spec. Names are model option names (plus `width`/`depth` for MLPs). */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;

/** A point of a search space. */
export type Params = Record<string, ParamValue>;

/**
 * The default MLP space: learning rate, weight decay, batch size, widths, depth, dropout and class
 * weighting.
 */
export const MLP_SPACE: SearchSpace = {
  lr: { type: 'float', low: 1e-4, high: 1e-2, log: true, grid: [3e-4, 1e-3, 3e-3] },
  weightDecay: { type: 'float', low: 1e-5, high: 1e-1, log: true, grid: [1e-4, 1e-2] },
  batchSize: { type: 'choice', values: [32, 64, 128] },
  width: { type: 'choice', values: [32, 64, 128, 256] },
  depth: { type: 'int', low: 1, high: 3, grid: [1, 2] },
  dropout: { type: 'float', low: 0, high: 0.5, grid: [0, 0.3] },
  classWeights: { type: 'choice', values: ['none', 'sqrt', 'balanced'] },
};

/** A GBDT space (learning rate, leaves, depth, regularisation, subsampling, class weights). */
export const GBDT_SPACE: SearchSpace = {
  learningRate: { type: 'float', low: 0.02, high: 0.3, log: true, grid: [0.05, 0.1] },
  maxLeaves: { type: 'int', low: 4, high: 48, log: true, grid: [7, 15, 31] },
  maxDepth: { type: 'int', low: 2, high: 8, grid: [4, 6] },
  minSamplesLeaf: { type: 'int', low: 2, high: 40, log: true, grid: [5, 20] },
  lambda: { type: 'float', low: 0.01, high: 10, log: true, grid: [1] },
  subsample: { type: 'float', low: 0.5, high: 1, grid: [0.8] },
  colsample: { type: 'float', low: 0.3, high: 1, grid: [0.5, 1] },
  classWeight: { type: 'choice', values: [null, 'balanced'] },
};

/** Throws a clear error for a malformed space. */
export function checkSpace(space: SearchSpace): void {
  const names = Object.keys(space);
  if (names.length === 0) throw new RangeError('search: the space has no parameters');
  for (const name of names) {
    const s = space[name];
    if (s.type === 'choice') {
      if (!Array.isArray(s.values) || s.values.length === 0) throw new RangeError(`search: parameter ${name}: choice needs at least one value`);
    } else if (s.type === 'float' || s.type === 'int') {
      if (!(Number.isFinite(s.low) && Number.isFinite(s.high) && s.low <= s.high))
        throw new RangeError(`search: parameter ${name}: need finite low <= high, got [${s.low}, ${s.high}]`);
      if (s.log && !(s.low > 0)) throw new RangeError(`search: parameter ${name}: a log scale needs low > 0, got ${s.low}`);
      if (s.type === 'int' && !(Number.isInteger(s.low) && Number.isInteger(s.high)))
        throw new RangeError(`search: parameter ${name}: int bounds must be integers`);
    } else {
      throw new RangeError(`search: parameter ${name}: unknown type ${(s as { type: string }).type}`);
    }
  }
}

/** Position of a numeric value in [0, 1] on the parameter's (log) scale. */
export function toUnit(s: ParamSpec & { type: 'float' | 'int' }, v: number): number {
  if (s.high === s.low) return 0.5;
  return s.log ? (Math.log(v) - Math.log(s.low)) / (Math.log(s.high) - Math.log(s.low)) : (v - s.low) / (s.high - s.low);
}

/** Inverse of toUnit (ints rounded, clamped into range). */
export function fromUnit(s: ParamSpec & { type: 'float' | 'int' }, u: number): number {
  const c = Math.min(1, Math.max(0, u));
  let v = s.log ? Math.exp(Math.log(s.low) + c * (Math.log(s.high) - Math.log(s.low))) : s.low + c * (s.high - s.low);
  if (s.type === 'int') v = Math.min(s.high, Math.max(s.low, Math.round(v)));
  return v;
}

/** A uniform random point (log-uniform where `log`). */
export function sampleParams(space: SearchSpace, rng: Rng): Params {
  const p: Params = {};
  for (const name of Object.keys(space)) {
    const s = space[name];
    if (s.type === 'choice') p[name] = s.values[rng.int(s.values.length)];
    else p[name] = fromUnit(s, rng.uniform());
  }
  return p;
}

/** Every grid point, in a fixed order (numeric parameters use `grid`, else low/mid/high). */
export function gridPoints(space: SearchSpace): Params[] {
  const axes = Object.keys(space).map((name): [string, ParamValue[]] => {
    const s = space[name];
    if (s.type === 'choice') return [name, [...s.values]];
    if (s.grid !== undefined && s.grid.length > 0) return [name, [...s.grid]];
    const vals = [0, 0.5, 1].map((u) => fromUnit(s, u));
    return [name, [...new Set(vals)]];
  });
  let out: Params[] = [{}];
  for (const [name, vals] of axes) {
    const next: Params[] = [];
    for (const p of out) for (const v of vals) next.push({ ...p, [name]: v });
    out = next;
  }
  return out;
}

/**
 * Model options for search parameters. For MLPs, `width` and `depth` become a funnel of hidden
 * layers [width, width/2, …] (at least 8 units); every other name is passed through unchanged.
 *
 * ```ts
 * paramsToOptions({ width: 128, depth: 2, lr: 1e-3 }) // { hidden: [128, 64], lr: 0.001 }
 * ```
 */
export function paramsToOptions(params: Params, base: ModelOptions = {}): ModelOptions {
  const o: ModelOptions = { ...base };
  for (const [k, v] of Object.entries(params)) if (k !== 'width' && k !== 'depth') o[k] = v;
  if ('width' in params || 'depth' in params) {
    const width = Number(params.width ?? 128),
      depth = Number(params.depth ?? 2);
    o.hidden = Array.from({ length: depth }, (_, i) => Math.max(8, Math.round(width / 2 ** i)));
  }
  return o;
}
