// The one imputation + scaling transform: missing values (NaN) become the training median, then each
// feature is standardised or min-max scaled with statistics of the training rows only (fitting on all
// rows would let test rows shape the transform). Serialisable to JSON so a saved model carries exactly
// the transform it was trained with.
import type { Dataset } from './types.js';

/** 'standard' = (x − mean) / std; 'minmax' = (x − min) / (max − min), the original project's choice. */
export type ScalerKind = 'standard' | 'minmax';

/** A fitted transform: missing values → training median, then shift and scale, per feature. */
export interface ScalerState {
  readonly kind: ScalerKind;
  readonly featureNames: readonly string[];
  /** Median of the training rows, used for NaN (missing) entries. */
  readonly fill: readonly number[];
  readonly shift: readonly number[];
  /** Divisor; 1 for a constant feature (it then maps to 0). */
  readonly scale: readonly number[];
}

/** What to do with a feature that has no value in the training rows. */
export interface ScalerFitOptions {
  /** 'error' (default): throw, naming the feature; 'zero': fill it with 0 (it becomes a constant 0). */
  readonly emptyFeatures?: 'error' | 'zero';
  /** Names row `r` of `x` in error messages (default: "row r", 0-based). */
  readonly rowLabel?: (row: number) => string;
}

// Features are float32 once scaled: a training value beyond this cannot be represented, and one near it
// makes the variance overflow. Such values are refused rather than clipped: clipping 1e300 to 3.4e38
// would still leave a scale that maps every other row of the column to 0.
const FLOAT32_MAX = 3.4028234663852886e38;

/** Refuses values of column `f` that float32 cannot hold (±Infinity included), naming up to 5 rows; row `r` starts at `at[r]`. */
function checkColumnRange(x: Float32Array | Float64Array, at: Float64Array, f: number, name: string, label: (r: number) => string): void {
  const bad: number[] = [];
  let count = 0;
  for (let r = 0; r < at.length; r++) {
    const v = x[at[r] + f];
    if (Math.abs(v) > FLOAT32_MAX) {
      count++;
      if (bad.length < 5) bad.push(r);
    }
  }
  if (count > 0) {
    throw new RangeError(
      `fitScaler: feature "${name}" has ${count} value(s) outside float32's range (|x| > 3.4e38) in the training data: ` +
        `${bad.map((r) => `${label(r)} (${x[at[r] + f]})`).join(', ')}${count > bad.length ? ', …' : ''}; fix or drop those rows`,
    );
  }
}

/**
 * Fits imputation and scaling on `x` [rows, features] (the training split). NaN entries are
 * missing values; a feature with no value at all is an error unless `emptyFeatures` is 'zero'.
 *
 * ```ts
 * const s = fitScaler(train.x, train.rows, names, 'standard');
 * const xTest = applyScaler(s, test.x, test.rows);
 * ```
 */
export function fitScaler(
  x: Float32Array | Float64Array,
  rows: number,
  featureNames: readonly string[],
  kind: ScalerKind = 'standard',
  options: ScalerFitOptions = {},
): ScalerState {
  const F = featureNames.length;
  if (x.length !== rows * F) throw new RangeError(`fitScaler: x has ${x.length} values, expected rows*features = ${rows}*${F}`);
  const at = new Float64Array(rows);
  for (let r = 0; r < rows; r++) at[r] = r * F;
  return fitAt(x, at, featureNames, kind, options);
}

/**
 * `fitScaler` on rows `index` of `x` [n, features], without copying them out (row `r` of the fit, as
 * `rowLabel` sees it, is `x`'s row `index[r]`).
 *
 * ```ts
 * const s = fitScalerRows(data.x, trainIdx, names, 'standard');
 * ```
 */
export function fitScalerRows(
  x: Float32Array | Float64Array,
  index: ArrayLike<number>,
  featureNames: readonly string[],
  kind: ScalerKind = 'standard',
  options: ScalerFitOptions = {},
): ScalerState {
  const F = featureNames.length,
    n = F === 0 ? 0 : x.length / F;
  if (!Number.isInteger(n)) throw new RangeError(`fitScalerRows: x has ${x.length} values, not a whole number of rows of ${F} features`);
  const at = new Float64Array(index.length);
  for (let r = 0; r < index.length; r++) {
    const i = index[r];
    if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new RangeError(`fitScalerRows: index[${r}] = ${i} is not a row of x (${n} rows)`);
    at[r] = i * F;
  }
  return fitAt(x, at, featureNames, kind, options);
}

/** The fit over the rows starting at offsets `at`. */
function fitAt(x: Float32Array | Float64Array, at: Float64Array, featureNames: readonly string[], kind: ScalerKind, options: ScalerFitOptions): ScalerState {
  const rows = at.length;
  if (kind !== 'standard' && kind !== 'minmax') throw new RangeError(`fitScaler: unknown scaler "${String(kind)}" (expected standard or minmax)`);
  if (rows === 0) throw new RangeError('fitScaler: no training rows');
  const F = featureNames.length;
  const fill: number[] = [],
    shift: number[] = [],
    scale: number[] = [];
  const col = new Float64Array(rows);
  const label = options.rowLabel ?? ((r: number) => `row ${r}`);
  for (let f = 0; f < F; f++) {
    checkColumnRange(x, at, f, featureNames[f], label);
    let m = 0;
    for (let r = 0; r < rows; r++) {
      const v = x[at[r] + f];
      if (!Number.isNaN(v)) col[m++] = v;
    }
    if (m === 0 && options.emptyFeatures !== 'zero') throw new RangeError(`fitScaler: feature "${featureNames[f]}" has no value in the training rows`);
    const median = m === 0 ? 0 : medianOf(col.subarray(0, m).slice().sort());
    // Statistics over the imputed column, as the transformed data will look.
    let sum = 0,
      min = Infinity,
      max = -Infinity;
    for (let r = 0; r < rows; r++) {
      let v = x[at[r] + f];
      if (Number.isNaN(v)) v = median;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) {
      let v = x[at[r] + f];
      if (Number.isNaN(v)) v = median;
      ss += (v - mean) * (v - mean);
    }
    const std = Math.sqrt(ss / rows); // population std, like sklearn's StandardScaler
    if (![median, mean, std, min, max, max - min].every(Number.isFinite)) {
      throw new RangeError(
        `fitScaler: feature "${featureNames[f]}": its statistics are not finite (mean ${mean}, std ${std}, min ${min}, max ${max}); check the column for extreme values`,
      );
    }
    fill.push(median);
    if (kind === 'standard') {
      shift.push(mean);
      scale.push(std > 1e-12 ? std : 1);
    } else {
      shift.push(min);
      scale.push(max - min > 1e-12 ? max - min : 1);
    }
  }
  return { kind, featureNames: [...featureNames], fill, shift, scale };
}

/** The median of sorted values (the mean of the two middle ones for an even count). */
export function medianOf(sorted: Float64Array): number {
  const m = sorted.length;
  return m % 2 === 1 ? sorted[(m - 1) >> 1] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]);
}

/** Applies a fitted scaler to x [rows, features]; returns a new Float32Array. */
export function applyScaler(s: ScalerState, x: Float32Array | Float64Array, rows: number): Float32Array {
  const F = s.featureNames.length;
  if (x.length !== rows * F) throw new RangeError(`applyScaler: x has ${x.length} values, expected rows*features = ${rows}*${F}`);
  return scaleInto(new Float32Array(rows * F), s, x, null, rows);
}

/**
 * `applyScaler` to rows `index` of `x` [n, features], straight into a new Float32Array [index.length, features]
 * (no copy of the rows in between).
 */
export function applyScalerRows(s: ScalerState, x: Float32Array | Float64Array, index: ArrayLike<number>): Float32Array {
  const F = s.featureNames.length,
    n = F === 0 ? 0 : x.length / F;
  if (!Number.isInteger(n)) throw new RangeError(`applyScalerRows: x has ${x.length} values, not a whole number of rows of ${F} features`);
  for (let r = 0; r < index.length; r++) {
    if (!(Number.isInteger(index[r]) && index[r] >= 0 && index[r] < n))
      throw new RangeError(`applyScalerRows: index[${r}] = ${index[r]} is not a row of x (${n} rows)`);
  }
  return scaleInto(new Float32Array(index.length * F), s, x, index, index.length);
}

/** out[r] = scaled x[index[r]] (x[r] when index is null). */
function scaleInto(out: Float32Array, s: ScalerState, x: Float32Array | Float64Array, index: ArrayLike<number> | null, rows: number): Float32Array {
  const F = s.featureNames.length;
  const fill = Float64Array.from(s.fill),
    shift = Float64Array.from(s.shift),
    scale = Float64Array.from(s.scale);
  for (let r = 0; r < rows; r++) {
    const i = index === null ? r * F : index[r] * F,
      o = r * F;
    for (let f = 0; f < F; f++) {
      let v = x[i + f];
      if (Number.isNaN(v)) v = fill[f];
      out[o + f] = (v - shift[f]) / scale[f];
    }
  }
  return out;
}

/** Checks a scaler loaded from JSON (shapes and finiteness). */
export function checkScalerState(v: unknown, source: string): ScalerState {
  const s = v as ScalerState;
  const ok =
    s !== null &&
    typeof s === 'object' &&
    (s.kind === 'standard' || s.kind === 'minmax') &&
    Array.isArray(s.featureNames) &&
    [s.fill, s.shift, s.scale].every((a) => Array.isArray(a) && a.length === s.featureNames.length && a.every((n) => Number.isFinite(n)));
  if (!ok) throw new TypeError(`${source}: invalid scaler (expected kind, featureNames and equally long finite fill/shift/scale)`);
  return s;
}

/** Feature names of a dataset (`f0`, `f1`, … when it has none). */
function namesOf(ds: Dataset): readonly string[] {
  return ds.featureNames ?? Array.from({ length: ds.features }, (_, f) => `f${f}`);
}

/**
 * `fitScaler` on a dataset's rows (pass the training part only).
 *
 * ```ts
 * const s = fitDatasetScaler(train);
 * const [trainX, testX] = [scaleDataset(s, train), scaleDataset(s, test)];
 * ```
 */
export function fitDatasetScaler(train: Dataset, kind: ScalerKind = 'standard', options: ScalerFitOptions = {}): ScalerState {
  return fitScaler(train.x, train.rows, namesOf(train), kind, options);
}

/** A copy of `ds` with its features transformed by `s` (names, labels and groups kept). */
export function scaleDataset(s: ScalerState, ds: Dataset): Dataset {
  if (ds.features !== s.featureNames.length)
    throw new RangeError(`scaleDataset: the scaler was fitted on ${s.featureNames.length} features, the dataset has ${ds.features}`);
  return { ...ds, x: applyScaler(s, ds.x, ds.rows) };
}
