// Quantile binning of features for the histogram-based trees (GBDT, random forest).
// Value bins are 0..bins-2 at most 254; code 255 (MISSING) marks NaN. Codes are stored feature-major
// ([features, rows]) so a histogram pass over one feature reads contiguous memory.
//
// NaN rule (shared by both tree models): NaN is "missing". A split first sends every finite value
// with v <= threshold left; missing values go the way that scored better on the training rows that
// had them (learned per split, as XGBoost/LightGBM do). If no training row reaching the node was
// missing, they follow the child with the larger training weight (hessian for GBDT).

/** Bin code of a missing (NaN) value. */
export const MISSING = 255;
/** Most value bins per feature. */
export const MAX_BINS = 255;

/**
 * Per-feature bin edges fitted on training data. A finite value v falls in the first bin b with
 * v <= upper[b]; values above every edge fall in the last bin.
 */
export class Binner {
  /** upper[f] holds the (bins[f] - 1) edges of feature f, increasing. */
  readonly upper: Float64Array[];
  readonly features: number;

  constructor(upper: Float64Array[]) {
    this.upper = upper;
    this.features = upper.length;
  }

  /** Fits edges at the quantiles of each feature's finite values; at most `maxBins` bins. */
  static fit(x: Float32Array, rows: number, features: number, maxBins = MAX_BINS): Binner {
    if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS) {
      throw new RangeError(`Binner.fit: maxBins must be an integer in [2, ${MAX_BINS}], got ${maxBins}`);
    }
    const upper: Float64Array[] = [];
    const col = new Float64Array(rows);
    for (let f = 0; f < features; f++) {
      let m = 0;
      for (let i = 0; i < rows; i++) {
        const v = x[i * features + f];
        if (!Number.isNaN(v)) col[m++] = v;
      }
      const vals = col.subarray(0, m).slice().sort();
      // distinct values
      const distinct: number[] = [];
      for (let i = 0; i < m; i++) if (i === 0 || vals[i] !== vals[i - 1]) distinct.push(vals[i]);
      const edges: number[] = [];
      if (distinct.length <= maxBins) {
        for (let i = 0; i + 1 < distinct.length; i++) edges.push(midpoint(distinct[i], distinct[i + 1]));
      } else {
        // quantile cut points over all values (so frequent values get their own bin), deduplicated
        for (let b = 1; b < maxBins; b++) {
          const q = vals[Math.min(m - 1, Math.floor((b * m) / maxBins))];
          // the edge sits between q and the next distinct value above it
          const next = nextAbove(distinct, q);
          if (next === undefined) break;
          const e = midpoint(q, next);
          if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
        }
      }
      upper.push(Float64Array.from(edges));
    }
    return new Binner(upper);
  }

  /** Number of value bins of feature f (edges + 1). */
  bins(f: number): number {
    return this.upper[f].length + 1;
  }

  /** Bin code of a value of feature f (MISSING for NaN). */
  code(f: number, v: number): number {
    if (Number.isNaN(v)) return MISSING;
    const e = this.upper[f];
    let lo = 0,
      hi = e.length; // first index with v <= e[idx], or e.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= e[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Bins a row-major matrix [rows, features] into feature-major codes [features, rows]. */
  transform(x: Float32Array, rows: number): Uint8Array {
    const F = this.features;
    const out = new Uint8Array(F * rows);
    for (let f = 0; f < F; f++) {
      const o = f * rows;
      for (let i = 0; i < rows; i++) out[o + i] = this.code(f, x[i * F + f]);
    }
    return out;
  }
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  return Number.isFinite(m) ? m : a; // a finite threshold even next to ±Infinity
}

function nextAbove(sorted: number[], q: number): number | undefined {
  let lo = 0,
    hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= q) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length ? sorted[lo] : undefined;
}

/**
 * A fitted tree in flat arrays. Node 0 is the root; a leaf has feature -1.
 * Internal node: finite v <= threshold goes to left, NaN goes left iff missingLeft.
 * Leaf values are `width` numbers at value[node * width].
 */
export interface FlatTree {
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  width: number;
}

/** Index of the leaf row `r` of x [rows, F] reaches. */
export function leafOf(t: FlatTree, x: Float32Array, r: number, F: number): number {
  let node = 0;
  const o = r * F;
  while (t.feature[node] >= 0) {
    const v = x[o + t.feature[node]];
    const goLeft = Number.isNaN(v) ? t.missingLeft[node] === 1 : v <= t.threshold[node];
    node = goLeft ? t.left[node] : t.right[node];
  }
  return node;
}

/** Growable node storage used while a tree is built. */
export class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  missingLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  readonly width: number;

  constructor(width: number) {
    this.width = width;
  }

  addNode(): number {
    const id = this.feature.length;
    this.feature.push(-1);
    this.threshold.push(0);
    this.missingLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    for (let k = 0; k < this.width; k++) this.value.push(0);
    return id;
  }

  finish(): FlatTree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      missingLeft: Uint8Array.from(this.missingLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      width: this.width,
    };
  }
}

/** Moves the rows of idx[start, end) whose code passes `goLeft` to the front; returns the split point. */
export function partition(idx: Int32Array, start: number, end: number, codes: Uint8Array, rows: number, f: number, bin: number, missingLeft: boolean): number {
  const o = f * rows;
  let i = start,
    j = end - 1;
  while (i <= j) {
    const c = codes[o + idx[i]];
    const left = c === MISSING ? missingLeft : c <= bin;
    if (left) i++;
    else {
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      j--;
    }
  }
  return i;
}

/** JSON form of a tree (typed arrays as plain arrays). */
export function treeToJSON(t: FlatTree): object {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    missingLeft: Array.from(t.missingLeft),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
    width: t.width,
  };
}

/** Inverse of treeToJSON. */
export function treeFromJSON(o: any): FlatTree {
  return {
    feature: Int32Array.from(o.feature),
    threshold: Float64Array.from(o.threshold),
    missingLeft: Uint8Array.from(o.missingLeft),
    left: Int32Array.from(o.left),
    right: Int32Array.from(o.right),
    value: Float64Array.from(o.value),
    width: o.width,
  };
}
