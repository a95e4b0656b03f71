// Aggregates over repeated runs (seeds, folds): mean ± sample standard deviation.

/** Mean, sample standard deviation (n−1; 0 for a single value), min, max and count. */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/**
 * Mean ± sample standard deviation of a list of numbers (NaN entries rejected).
 *
 * ```ts
 * meanStd([0.5, 0.6, 0.7]); // { mean: 0.6, std: 0.1, min: 0.5, max: 0.7, n: 3 }
 * ```
 */
export function meanStd(values: readonly number[]): MeanStd {
  if (values.length === 0) throw new RangeError('meanStd: no values');
  let s = 0,
    min = Infinity,
    max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`meanStd: values[${i}]=${v} is not finite`);
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const n = values.length,
    mean = s / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, min, max, n };
}

/**
 * "61.2 ± 1.3" — mean ± std, scaled (default ×100 for fractions shown as percent) and rounded.
 *
 * ```ts
 * formatMeanStd(meanStd([0.61, 0.63])); // "62.0 ± 1.4"
 * ```
 */
export function formatMeanStd(m: MeanStd, options: { scale?: number; digits?: number } = {}): string {
  const { scale = 100, digits = 1 } = options;
  return `${(m.mean * scale).toFixed(digits)} ± ${(m.std * scale).toFixed(digits)}`;
}

/**
 * Mean ± std of each numeric key over a list of records (keys missing from any record are skipped).
 *
 * ```ts
 * summarizeRuns([{ accuracy: 0.6, macroF1: 0.2 }, { accuracy: 0.62, macroF1: 0.25 }]).accuracy.mean; // 0.61
 * ```
 */
export function summarizeRuns<K extends string>(runs: readonly Readonly<Record<K, number>>[]): Record<K, MeanStd> {
  if (runs.length === 0) throw new RangeError('summarizeRuns: no runs');
  const out = {} as Record<K, MeanStd>;
  for (const key of Object.keys(runs[0]) as K[]) {
    if (typeof runs[0][key] !== 'number') continue;
    if (!runs.every((r) => typeof r[key] === 'number')) continue;
    out[key] = meanStd(runs.map((r) => r[key]));
  }
  return out;
}
