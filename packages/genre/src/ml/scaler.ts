// Imputation + scaling fitted on the training split only (the seed fitted on all rows, test included).
// Serialisable to JSON so a saved model carries exactly the transform it was trained with.

/** 'standard' = (x − mean) / std; 'minmax' = (x − min) / (max − min), the seed's choice. */
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

/**
 * Fits imputation and scaling on `x` [rows, features] (the training split). NaN entries are
 * missing values; a feature with no value at all is an error.
 *
 * ```ts
 * const s = fitScaler(train.x, train.rows, names, 'standard');
 * const xTest = applyScaler(s, test.x, test.rows);
 * ```
 */
export function fitScaler(x: Float32Array | Float64Array, rows: number, featureNames: readonly string[], kind: ScalerKind = 'standard'): ScalerState {
  const F = featureNames.length;
  if (x.length !== rows * F) throw new RangeError(`fitScaler: x has ${x.length} values, expected rows*features = ${rows}*${F}`);
  if (kind !== 'standard' && kind !== 'minmax') throw new RangeError(`fitScaler: unknown scaler "${String(kind)}" (expected standard or minmax)`);
  if (rows === 0) throw new RangeError('fitScaler: no training rows');
  const fill: number[] = [], shift: number[] = [], scale: number[] = [];
  const col = new Float64Array(rows);
  for (let f = 0; f < F; f++) {
    let m = 0;
    for (let r = 0; r < rows; r++) { const v = x[r * F + f]; if (!Number.isNaN(v)) col[m++] = v; }
    if (m === 0) throw new RangeError(`fitScaler: feature "${featureNames[f]}" has no value in the training rows`);
    const vals = col.subarray(0, m).slice().sort();
    const median = m % 2 === 1 ? vals[(m - 1) >> 1] : 0.5 * (vals[m / 2 - 1] + vals[m / 2]);
    // Statistics over the imputed column, as the transformed data will look.
    let sum = 0, min = Infinity, max = -Infinity;
    for (let r = 0; r < rows; r++) {
      let v = x[r * F + f];
      if (Number.isNaN(v)) v = median;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) { let v = x[r * F + f]; if (Number.isNaN(v)) v = median; ss += (v - mean) * (v - mean); }
    const std = Math.sqrt(ss / rows); // population std, like sklearn's StandardScaler
    fill.push(median);
    if (kind === 'standard') { shift.push(mean); scale.push(std > 1e-12 ? std : 1); }
    else { shift.push(min); scale.push(max - min > 1e-12 ? max - min : 1); }
  }
  return { kind, featureNames: [...featureNames], fill, shift, scale };
}

/** Applies a fitted scaler to x [rows, features]; returns a new Float32Array. */
export function applyScaler(s: ScalerState, x: Float32Array | Float64Array, rows: number): Float32Array {
  const F = s.featureNames.length;
  if (x.length !== rows * F) throw new RangeError(`applyScaler: x has ${x.length} values, expected rows*features = ${rows}*${F}`);
  const out = new Float32Array(rows * F);
  for (let r = 0; r < rows; r++) {
    const o = r * F;
    for (let f = 0; f < F; f++) {
      let v = x[o + f];
      if (Number.isNaN(v)) v = s.fill[f];
      out[o + f] = (v - s.shift[f]) / s.scale[f];
    }
  }
  return out;
}

/** Checks a scaler loaded from JSON (shapes and finiteness). */
export function checkScalerState(v: unknown, source: string): ScalerState {
  const s = v as ScalerState;
  const ok = s !== null && typeof s === 'object' && (s.kind === 'standard' || s.kind === 'minmax')
    && Array.isArray(s.featureNames) && [s.fill, s.shift, s.scale].every((a) => Array.isArray(a) && a.length === s.featureNames.length && a.every((n) => Number.isFinite(n)));
  if (!ok) throw new TypeError(`${source}: invalid scaler (expected kind, featureNames and equally long finite fill/shift/scale)`);
  return s;
}
