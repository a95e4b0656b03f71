// Train/validation/test splits and k-fold cross-validation, artist-disjoint and stratified.
// One greedy assigner does all of it: groups (artists) go, one at a time in a seeded order, to the
// bucket whose per-class counts and size move closest to their targets. A random split is the
// same thing with every row its own group.
import { Rng } from '@timbre/tensor';
import type { Dataset } from './types.js';

/** Row indices of one train/validation/test split (each sorted ascending). */
export interface Split {
  readonly train: Int32Array;
  readonly valid: Int32Array;
  readonly test: Int32Array;
}

/** One cross-validation fold: `test` is the held-out part, `train` the rest (sorted ascending). */
export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** Options of {@link trainValidTestSplit} and {@link trainTestSplit}: part sizes, seed and the grouping column. */
export interface SplitOptions {
  /** Fraction of rows (approximately, whole groups move) for validation. Default 0.15. */
  validFraction?: number;
  /** Fraction of rows for test. Default 0.15. */
  testFraction?: number;
  /** Seed of the order groups are assigned in. Default 42. */
  seed?: number;
  /**
   * The group (artist) of each row. Rows of a group never land in two parts. Omitted or null:
   * a random (row-level) split. Empty strings count as unique groups (unknown artist).
   */
  groups?: readonly string[] | null;
  /** Balance class proportions across parts (default true); false balances only sizes. */
  stratify?: boolean;
}

/** What `assignGroups` needs: class labels, classes count, groups (or null for row-level). */
interface AssignInput {
  y: ArrayLike<number>;
  classes: number;
  groups: readonly string[] | null | undefined;
  fractions: readonly number[];
  seed: number;
  stratify: boolean;
  op: string;
}

function checkLabels(op: string, y: ArrayLike<number>, classes: number, groups: readonly string[] | null | undefined): void {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`${op}: classes must be a positive integer, got ${classes}`);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new RangeError(`${op}: y[${i}]=${c} is not a class id in [0, ${classes})`);
  }
  if (groups != null && groups.length !== y.length) {
    throw new RangeError(`${op}: groups has ${groups.length} entries but y has ${y.length}`);
  }
}

/** Distinct groups, each empty string counting as its own group. */
function countGroups(groups: readonly string[]): number {
  const seen = new Set<string>();
  let empty = 0;
  for (const g of groups)
    if (g === '') empty++;
    else seen.add(g);
  return seen.size + empty;
}

/** Number of distinct classes = max label + 1. */
function inferClasses(y: ArrayLike<number>): number {
  let m = -1;
  for (let i = 0; i < y.length; i++) if (y[i] > m) m = y[i];
  return m + 1;
}

/**
 * Assigns each row to one of `fractions.length` buckets, whole groups at a time, and returns the
 * bucket of each row. Greedy: groups in a seeded random order (larger groups earlier, jittered),
 * each to the bucket where it lowers the squared distance to the targets most. The cost weights
 * each class by 1/total² so that rare classes count as much as common ones, plus a size term.
 */
function assignGroups(input: AssignInput): Int32Array {
  const { y, classes, groups, fractions, seed, stratify } = input;
  const n = y.length,
    K = fractions.length,
    C = classes;
  // Group ids.
  const gid = new Int32Array(n);
  let G = 0;
  if (groups == null) {
    for (let i = 0; i < n; i++) gid[i] = i;
    G = n;
  } else {
    const ids = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const g = groups[i];
      if (g === '') {
        gid[i] = G++;
        continue;
      } // unknown artist: its own group
      let id = ids.get(g);
      if (id === undefined) {
        id = G++;
        ids.set(g, id);
      }
      gid[i] = id;
    }
  }
  const gCounts = new Float64Array(G * C),
    gSize = new Float64Array(G);
  const total = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    gCounts[gid[i] * C + y[i]]++;
    gSize[gid[i]]++;
    total[y[i]]++;
  }
  // Order: random, then a stable sort on size jittered by a random factor, so big groups tend to
  // be placed first (bin-packing wisdom) and different seeds still give different splits.
  const rng = new Rng(seed);
  const order = Array.from(rng.permutation(G));
  const key = new Float64Array(G);
  for (let g = 0; g < G; g++) key[g] = gSize[g] * (0.5 + rng.uniform());
  order.sort((a, b) => key[b] - key[a]);

  const fracSum = fractions.reduce((s, f) => s + f, 0);
  const frac = fractions.map((f) => f / fracSum);
  const counts = new Float64Array(K * C),
    size = new Float64Array(K);
  const classW = new Float64Array(C);
  for (let c = 0; c < C; c++) classW[c] = stratify && total[c] > 0 ? 1 / (total[c] * total[c]) : 0;
  const sizeW = 1 / Math.max(1, n * n);
  const bucketOfGroup = new Int32Array(G);
  for (const g of order) {
    let best = -1,
      bestDelta = Infinity;
    for (let b = 0; b < K; b++) {
      let delta = 0;
      for (let c = 0; c < C; c++) {
        const add = gCounts[g * C + c];
        if (add === 0) continue;
        const d0 = counts[b * C + c] - frac[b] * total[c];
        const d1 = d0 + add;
        delta += classW[c] * (d1 * d1 - d0 * d0);
      }
      const s0 = size[b] - frac[b] * n,
        s1 = s0 + gSize[g];
      delta += sizeW * (s1 * s1 - s0 * s0);
      if (delta < bestDelta) {
        bestDelta = delta;
        best = b;
      }
    }
    bucketOfGroup[g] = best;
    for (let c = 0; c < C; c++) counts[best * C + c] += gCounts[g * C + c];
    size[best] += gSize[g];
  }
  const bucket = new Int32Array(n);
  for (let i = 0; i < n; i++) bucket[i] = bucketOfGroup[gid[i]];
  return bucket;
}

function indicesWhere(bucket: Int32Array, b: number, negate = false): Int32Array {
  let m = 0;
  for (let i = 0; i < bucket.length; i++) if ((bucket[i] === b) !== negate) m++;
  const out = new Int32Array(m);
  m = 0;
  for (let i = 0; i < bucket.length; i++) if ((bucket[i] === b) !== negate) out[m++] = i;
  return out;
}

/**
 * Splits rows into train/validation/test. With `groups` (artists) the split is artist-disjoint;
 * classes are balanced across parts as well as the groups allow. Seeded.
 *
 * ```ts
 * const { train, valid, test } = trainValidTestSplit(y, { groups: artists, seed: 1 });
 * ```
 */
export function trainValidTestSplit(y: ArrayLike<number>, options: SplitOptions & { classes?: number } = {}): Split {
  const op = 'trainValidTestSplit';
  const { validFraction = 0.15, testFraction = 0.15, seed = 42, groups = null, stratify = true } = options;
  const classes = options.classes ?? inferClasses(y);
  checkLabels(op, y, classes, groups);
  for (const [name, f] of [
    ['validFraction', validFraction],
    ['testFraction', testFraction],
  ] as const) {
    if (!(f >= 0 && f < 1)) throw new RangeError(`${op}: ${name} must be in [0, 1), got ${f}`);
  }
  const trainFraction = 1 - validFraction - testFraction;
  if (!(trainFraction > 0)) throw new RangeError(`${op}: validFraction + testFraction must be < 1, got ${validFraction + testFraction}`);
  if (y.length === 0) return { train: new Int32Array(0), valid: new Int32Array(0), test: new Int32Array(0) };
  const bucket = assignGroups({ y, classes, groups, fractions: [trainFraction, validFraction, testFraction], seed, stratify, op });
  return { train: indicesWhere(bucket, 0), valid: indicesWhere(bucket, 1), test: indicesWhere(bucket, 2) };
}

/**
 * Two-way split (train/test) — `trainValidTestSplit` with no validation part.
 *
 * ```ts
 * const { train, test } = trainTestSplit(y, { testFraction: 0.2, groups: artists });
 * ```
 */
export function trainTestSplit(y: ArrayLike<number>, options: Omit<SplitOptions, 'validFraction'> & { classes?: number } = {}): Fold {
  const s = trainValidTestSplit(y, { ...options, validFraction: 0, testFraction: options.testFraction ?? 0.2 });
  return { train: s.train, test: s.test };
}

/**
 * Stratified group k-fold: `k` folds whose test parts are disjoint, cover every row, never split a
 * group (artist), and keep class proportions as close to the whole as the groups allow.
 * Without `groups`: stratified k-fold on rows. Seeded.
 *
 * ```ts
 * for (const { train, test } of stratifiedGroupKFold(y, 5, { groups: artists, seed: 0 })) { ... }
 * ```
 */
export function stratifiedGroupKFold(
  y: ArrayLike<number>,
  k: number,
  options: { groups?: readonly string[] | null; seed?: number; stratify?: boolean; classes?: number } = {},
): Fold[] {
  const op = 'stratifiedGroupKFold';
  const { groups = null, seed = 42, stratify = true } = options;
  const classes = options.classes ?? inferClasses(y);
  checkLabels(op, y, classes, groups);
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`${op}: k must be an integer >= 2, got ${k}`);
  const nGroups = groups == null ? y.length : countGroups(groups);
  if (nGroups < k) throw new RangeError(`${op}: cannot make ${k} folds from ${nGroups} ${groups == null ? 'rows' : 'groups'}`);
  const bucket = assignGroups({ y, classes, groups, fractions: new Array(k).fill(1 / k), seed, stratify, op });
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) folds.push({ train: indicesWhere(bucket, f, true), test: indicesWhere(bucket, f) });
  return folds;
}

/**
 * Rows `indices` of a dataset, as a new Dataset (copies x and y; keeps names and groups).
 *
 * ```ts
 * const trainSet = subsetDataset(ds, split.train);
 * ```
 */
export function subsetDataset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const F = ds.features,
    m = indices.length;
  const x = new Float32Array(m * F),
    y = new Int32Array(m);
  const groups: string[] | undefined = ds.groups ? new Array(m) : undefined;
  for (let r = 0; r < m; r++) {
    const i = indices[r];
    if (!Number.isInteger(i) || i < 0 || i >= ds.rows) throw new RangeError(`subsetDataset: index ${i} out of range [0, ${ds.rows})`);
    x.set(ds.x.subarray(i * F, (i + 1) * F), r * F);
    y[r] = ds.y[i];
    if (groups) groups[r] = ds.groups![i];
  }
  return {
    x,
    y,
    rows: m,
    features: F,
    classes: ds.classes,
    ...(ds.featureNames ? { featureNames: ds.featureNames } : {}),
    ...(ds.classNames ? { classNames: ds.classNames } : {}),
    ...(groups ? { groups } : {}),
  };
}

/** Per-class row counts of `y` restricted to `indices` (all rows when omitted). */
export function classCounts(y: ArrayLike<number>, classes: number, indices?: ArrayLike<number>): number[] {
  const out = new Array<number>(classes).fill(0);
  if (indices) for (let r = 0; r < indices.length; r++) out[y[indices[r]]]++;
  else for (let i = 0; i < y.length; i++) out[y[i]]++;
  return out;
}
