// Random forest of gini classification trees (Breiman 2001): bootstrap rows per tree, a random
// subset of features per split, leaves hold class frequencies; predictProba averages them.
// Splits are searched on quantile bins (binning.ts), which also defines the NaN rule.

import { Rng } from '@timbre/tensor';
import type { Classifier, Dataset, ModelState } from './types.js';
import { Binner, MISSING, TreeBuilder, leafOf, partition, treeFromJSON, treeToJSON, type FlatTree } from './binning.js';
import { checkDataset, checkMatrix, checkOption, datasetWeights, type ClassWeight } from './common.js';

/** Options of {@link RandomForest}: number of trees, tree size limits, features tried per split, bootstrap and seed. */
export interface RandomForestOptions {
  /** Trees (default 200). */
  nTrees?: number;
  /** Depth limit (default 0 = unlimited). */
  maxDepth?: number;
  /** Minimum rows in a leaf (default 1). */
  minSamplesLeaf?: number;
  /** Minimum rows to split a node (default 2). */
  minSamplesSplit?: number;
  /** Features tried per split: 'sqrt' (default), 'log2', a fraction in (0,1], or a count >= 1. */
  maxFeatures?: 'sqrt' | 'log2' | number;
  /** Draw a bootstrap sample per tree (default true). */
  bootstrap?: boolean;
  /** Class weighting (default null); 'balanced' uses the class counts of the whole training set. */
  classWeight?: ClassWeight;
  /** Value bins per feature (default 64; up to 255). */
  maxBins?: number;
  seed?: number;
}

/**
 * Random forest classifier (gini, bootstrap, per-split feature subsampling). Seeded.
 *
 * ```ts
 * const rf = new RandomForest({ nTrees: 300, seed: 1 });
 * rf.fit(train);
 * const proba = rf.predictProba(test.x, test.rows);
 * ```
 */
export class RandomForest implements Classifier {
  readonly kind = 'rf';
  readonly options: Required<Omit<RandomForestOptions, 'classWeight'>> & { classWeight: ClassWeight };
  trees: FlatTree[] = [];
  classes = 0;
  features = 0;

  constructor(options: RandomForestOptions = {}) {
    const o = {
      nTrees: options.nTrees ?? 200,
      maxDepth: options.maxDepth ?? 0,
      minSamplesLeaf: options.minSamplesLeaf ?? 1,
      minSamplesSplit: options.minSamplesSplit ?? 2,
      maxFeatures: options.maxFeatures ?? 'sqrt',
      bootstrap: options.bootstrap ?? true,
      classWeight: options.classWeight ?? null,
      maxBins: options.maxBins ?? 64,
      seed: options.seed ?? 0,
    };
    checkOption('RandomForest', 'nTrees', o.nTrees, 1, 1e6, true);
    checkOption('RandomForest', 'maxDepth', o.maxDepth, 0, 1000, true);
    checkOption('RandomForest', 'minSamplesLeaf', o.minSamplesLeaf, 1, 1e9, true);
    checkOption('RandomForest', 'minSamplesSplit', o.minSamplesSplit, 2, 1e9, true);
    if (typeof o.maxFeatures === 'number') checkOption('RandomForest', 'maxFeatures', o.maxFeatures, 1e-9, 1e9);
    else if (o.maxFeatures !== 'sqrt' && o.maxFeatures !== 'log2') {
      throw new RangeError(`RandomForest: maxFeatures must be 'sqrt', 'log2' or a number, got ${String(o.maxFeatures)}`);
    }
    checkOption('RandomForest', 'maxBins', o.maxBins, 2, 255, true);
    this.options = o;
  }

  #mtry(F: number): number {
    const m = this.options.maxFeatures;
    if (m === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(F)));
    if (m === 'log2') return Math.max(1, Math.floor(Math.log2(F)));
    if (m <= 1) return Math.max(1, Math.floor(m * F));
    return Math.min(F, Math.floor(m));
  }

  fit(train: Dataset): void {
    checkDataset('RandomForest.fit', train);
    const o = this.options;
    const { x, y, rows: n, features: F, classes: K } = train;
    const rng = new Rng(o.seed);
    const binner = Binner.fit(x, n, F, o.maxBins);
    const codes = binner.transform(x, n);
    const rowW = datasetWeights('RandomForest.fit', train, o.classWeight); // class weights × dataset weights
    const mtry = this.#mtry(F);
    this.trees = [];
    this.classes = K;
    this.features = F;
    const counts = new Float64Array(n);
    for (let t = 0; t < o.nTrees; t++) {
      const trng = rng.fork();
      counts.fill(0);
      if (o.bootstrap) for (let i = 0; i < n; i++) counts[trng.int(n)]++;
      else counts.fill(1);
      let m = 0;
      for (let i = 0; i < n; i++) if (counts[i] > 0) m++;
      const rows = new Int32Array(m);
      const w = new Float64Array(n);
      m = 0;
      for (let i = 0; i < n; i++)
        if (counts[i] > 0) {
          rows[m++] = i;
          w[i] = counts[i] * rowW[i];
        }
      this.trees.push(this.#buildTree(codes, n, binner, y, K, w, counts, rows, mtry, trng));
    }
  }

  #buildTree(
    codes: Uint8Array,
    n: number,
    binner: Binner,
    y: Int32Array,
    K: number,
    w: Float64Array,
    counts: Float64Array,
    rows: Int32Array,
    mtry: number,
    rng: Rng,
  ): FlatTree {
    const o = this.options;
    const F = binner.features;
    const tb = new TreeBuilder(K);
    const hist = new Float64Array(256 * (K + 1)); // per bin: K class weights + sample count
    const tot = new Float64Array(K),
      left = new Float64Array(K),
      miss = new Float64Array(K);
    const featOrder = new Int32Array(F);
    for (let f = 0; f < F; f++) featOrder[f] = f;
    // explicit stack of [node, start, end, depth]
    const stack: number[][] = [[tb.addNode(), 0, rows.length, 0]];
    while (stack.length > 0) {
      const [node, start, end, depth] = stack.pop()!;
      tot.fill(0);
      let cnt = 0;
      for (let r = start; r < end; r++) {
        const i = rows[r];
        tot[y[i]] += w[i];
        cnt += counts[i];
      }
      let W = 0;
      for (let k = 0; k < K; k++) W += tot[k];
      const vo = node * K;
      for (let k = 0; k < K; k++) tb.value[vo + k] = W > 0 ? tot[k] / W : 1 / K;
      let pure = false;
      for (let k = 0; k < K; k++) if (tot[k] === W) pure = true;
      if (pure || W <= 0 || cnt < o.minSamplesSplit || cnt < 2 * o.minSamplesLeaf || (o.maxDepth > 0 && depth >= o.maxDepth)) continue;
      let sumSq = 0;
      for (let k = 0; k < K; k++) sumSq += tot[k] * tot[k];
      const parentImp = W - sumSq / W; // W · gini(parent)
      let bestGain = 1e-12 * W,
        bestF = -1,
        bestBin = 0,
        bestMissLeft = false;
      // sample features without replacement (partial Fisher–Yates); like sklearn, keep drawing past
      // mtry while no valid split was found among the first mtry
      let tried = 0;
      for (let fi = 0; fi < F; fi++) {
        if (tried >= mtry && bestF >= 0) break;
        const j = fi + rng.int(F - fi);
        const tmp = featOrder[fi];
        featOrder[fi] = featOrder[j];
        featOrder[j] = tmp;
        const f = featOrder[fi];
        const nb = binner.bins(f);
        tried++;
        if (nb < 2) continue;
        // hist is all zeros here; only the bins this node touches [lo, hi] are scanned and re-zeroed
        const co = f * n;
        let lo = 255,
          hi = 0;
        for (let r = start; r < end; r++) {
          const i = rows[r];
          const c = codes[co + i];
          if (c !== MISSING) {
            if (c < lo) lo = c;
            if (c > hi) hi = c;
          }
          const b = c * (K + 1);
          hist[b + y[i]] += w[i];
          hist[b + K] += counts[i];
        }
        const mb = MISSING * (K + 1);
        let Wm = 0;
        for (let k = 0; k < K; k++) {
          miss[k] = hist[mb + k];
          Wm += miss[k];
        }
        const Cm = hist[mb + K];
        hist.fill(0, mb, mb + K + 1);
        left.fill(0);
        let WL = 0,
          CL = 0;
        const last = Math.min(hi, nb - 2); // b = hi only splits the missing rows off
        for (let b = lo; b <= last; b++) {
          const bo = b * (K + 1);
          for (let k = 0; k < K; k++) {
            left[k] += hist[bo + k];
            WL += hist[bo + k];
          }
          CL += hist[bo + K];
          for (let side = 0; side < 2; side++) {
            let missingLeft: boolean;
            if (Cm === 0) {
              if (side === 1) break;
              missingLeft = WL >= W - WL;
            } else missingLeft = side === 1;
            const cl = missingLeft ? CL + Cm : CL,
              cr = cnt - cl;
            if (cl < o.minSamplesLeaf || cr < o.minSamplesLeaf) continue;
            const wl = missingLeft ? WL + Wm : WL,
              wr = W - wl;
            if (wl <= 0 || wr <= 0) continue;
            let sl = 0,
              sr = 0;
            for (let k = 0; k < K; k++) {
              const l = missingLeft ? left[k] + miss[k] : left[k],
                r = tot[k] - l;
              sl += l * l;
              sr += r * r;
            }
            const gain = parentImp - (wl - sl / wl) - (wr - sr / wr);
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestBin = b;
              bestMissLeft = missingLeft;
            }
          }
        }
        if (lo <= hi) hist.fill(0, lo * (K + 1), (hi + 1) * (K + 1));
      }
      if (bestF < 0) continue;
      const mid = partition(rows, start, end, codes, n, bestF, bestBin, bestMissLeft);
      tb.feature[node] = bestF;
      tb.threshold[node] = binner.upper[bestF][bestBin];
      tb.missingLeft[node] = bestMissLeft ? 1 : 0;
      const l = tb.addNode(),
        r = tb.addNode();
      tb.left[node] = l;
      tb.right[node] = r;
      stack.push([r, mid, end, depth + 1], [l, start, mid, depth + 1]);
    }
    return tb.finish();
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    if (this.trees.length === 0) throw new Error('RandomForest.predictProba: call fit() first');
    checkMatrix('RandomForest.predictProba', x, rows, this.features);
    const K = this.classes,
      F = this.features,
      T = this.trees.length;
    const acc = new Float64Array(rows * K);
    for (let t = 0; t < T; t++) {
      const tree = this.trees[t];
      for (let i = 0; i < rows; i++) {
        const vo = leafOf(tree, x, i, F) * K;
        for (let k = 0; k < K; k++) acc[i * K + k] += tree.value[vo + k];
      }
    }
    const out = new Float32Array(rows * K);
    for (let j = 0; j < out.length; j++) out[j] = acc[j] / T;
    return out;
  }

  /** The fitted model as data (`restoreModel` reads it back). */
  toState(): ModelState {
    return { kind: this.kind, fitted: this.toJSON() };
  }

  /** The fitted forest as plain JSON: options, classes, feature names and every tree. */
  toJSON(): object {
    return { kind: this.kind, options: this.options, classes: this.classes, features: this.features, trees: this.trees.map(treeToJSON) };
  }

  /** Rebuilds a fitted forest from `toJSON()`'s output. */
  static fromJSON(o: any): RandomForest {
    const m = new RandomForest(o.options);
    m.classes = o.classes;
    m.features = o.features;
    m.trees = o.trees.map(treeFromJSON);
    return m;
  }
}
