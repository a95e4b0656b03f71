// Histogram-based gradient-boosted decision trees for multiclass classification (softmax loss,
// one tree per class per round), grown leaf-wise as in LightGBM, with XGBoost-style second-order
// leaf values -G/(H+λ). NaN handling follows the rule in binning.ts.

import { Rng } from '@timbre/tensor';
import type { Classifier, Dataset, TrainHistory, ModelState } from './types.js';
import { Binner, MISSING, TreeBuilder, leafOf, partition, treeFromJSON, treeToJSON, type FlatTree } from './binning.js';
import { checkDataset, checkMatrix, checkOption, datasetWeights, softmaxRows, type ClassWeight } from './common.js';
import { argmaxRows, macroF1 } from './metrics.js';

/** Options of {@link GBDT}: rounds, shrinkage, tree size, histogram bins, regularisation, subsampling and early stopping. */
export interface GBDTOptions {
  /** Boosting rounds (default 200). With a validation set, the best round is kept. */
  nRounds?: number;
  /** Shrinkage (default 0.1). */
  learningRate?: number;
  /** Leaves per tree (default 15). */
  maxLeaves?: number;
  /** Depth limit (default 6; 0 = unlimited). */
  maxDepth?: number;
  /** Minimum hessian sum in a child (default 1e-3 · rows, at least 1e-3). */
  minChildWeight?: number;
  /** Minimum training rows in a child (default 5). */
  minSamplesLeaf?: number;
  /** L2 penalty on leaf values (default 1). */
  lambda?: number;
  /** Minimum gain to split (default 0). */
  gamma?: number;
  /** Fraction of rows drawn (without replacement) per round (default 1). */
  subsample?: number;
  /** Fraction of features drawn per tree (default 1). */
  colsample?: number;
  /** Value bins per feature (default 64; up to 255). */
  maxBins?: number;
  /** Class weighting of the rows (default null). */
  classWeight?: ClassWeight;
  /** Stop after this many rounds without a better validation log-loss (default 20; 0 = never). */
  earlyStoppingRounds?: number;
  seed?: number;
}

interface SplitInfo {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  hist: Float64Array; // compact per-feature bins (+ missing slot) × (g, h, count)
  split: SplitInfo | null;
}

/**
 * Gradient-boosted trees (softmax, histogram-based, leaf-wise). Seeded; deterministic for a seed.
 *
 * ```ts
 * const gb = new GBDT({ nRounds: 300, learningRate: 0.05, maxLeaves: 15, classWeight: 'balanced' });
 * gb.fit(train, valid);                 // valid: early stopping on log-loss only
 * const proba = gb.predictProba(test.x, test.rows);
 * ```
 */
export class GBDT implements Classifier {
  readonly kind = 'gbdt';
  readonly options: Required<Omit<GBDTOptions, 'minChildWeight' | 'classWeight'>> & { minChildWeight: number | null; classWeight: ClassWeight };
  /** trees[round][class] */
  trees: FlatTree[][] = [];
  baseScore: Float64Array = new Float64Array(0);
  classes = 0;
  features = 0;
  /** Round count kept after early stopping. */
  bestRounds = 0;

  constructor(options: GBDTOptions = {}) {
    const o = {
      nRounds: options.nRounds ?? 200,
      learningRate: options.learningRate ?? 0.1,
      maxLeaves: options.maxLeaves ?? 15,
      maxDepth: options.maxDepth ?? 6,
      minChildWeight: options.minChildWeight ?? null,
      minSamplesLeaf: options.minSamplesLeaf ?? 5,
      lambda: options.lambda ?? 1,
      gamma: options.gamma ?? 0,
      subsample: options.subsample ?? 1,
      colsample: options.colsample ?? 1,
      maxBins: options.maxBins ?? 64,
      classWeight: options.classWeight ?? null,
      earlyStoppingRounds: options.earlyStoppingRounds ?? 20,
      seed: options.seed ?? 0,
    };
    checkOption('GBDT', 'nRounds', o.nRounds, 1, 1e6, true);
    checkOption('GBDT', 'learningRate', o.learningRate, 1e-9, 10);
    checkOption('GBDT', 'maxLeaves', o.maxLeaves, 2, 1 << 16, true);
    checkOption('GBDT', 'maxDepth', o.maxDepth, 0, 64, true);
    if (o.minChildWeight !== null) checkOption('GBDT', 'minChildWeight', o.minChildWeight, 0, Infinity);
    checkOption('GBDT', 'minSamplesLeaf', o.minSamplesLeaf, 1, 1e9, true);
    checkOption('GBDT', 'lambda', o.lambda, 0, Infinity);
    checkOption('GBDT', 'gamma', o.gamma, 0, Infinity);
    checkOption('GBDT', 'subsample', o.subsample, 1e-6, 1);
    checkOption('GBDT', 'colsample', o.colsample, 1e-6, 1);
    checkOption('GBDT', 'maxBins', o.maxBins, 2, 255, true);
    checkOption('GBDT', 'earlyStoppingRounds', o.earlyStoppingRounds, 0, 1e6, true);
    this.options = o;
  }

  fit(train: Dataset, valid?: Dataset): TrainHistory {
    checkDataset('GBDT.fit', train);
    if (valid !== undefined) {
      checkDataset('GBDT.fit (valid)', valid);
      if (valid.features !== train.features || valid.classes !== train.classes) {
        throw new RangeError(`GBDT.fit: valid has ${valid.features} features / ${valid.classes} classes, train ${train.features} / ${train.classes}`);
      }
    }
    const o = this.options;
    const { x, y, rows: n, features: F, classes: K } = train;
    const rng = new Rng(o.seed);
    const binner = Binner.fit(x, n, F, o.maxBins);
    const codes = binner.transform(x, n);
    const w = datasetWeights('GBDT.fit', train, o.classWeight);
    let wSum = 0;
    for (let i = 0; i < n; i++) wSum += w[i];
    const minChildWeight = o.minChildWeight ?? Math.max(1e-3, 1e-3 * wSum);

    // base score: log of the weighted class priors
    const prior = new Float64Array(K);
    for (let i = 0; i < n; i++) prior[y[i]] += w[i];
    this.baseScore = new Float64Array(K);
    for (let k = 0; k < K; k++) this.baseScore[k] = Math.log(Math.max(prior[k] / wSum, 1e-12));
    this.classes = K;
    this.features = F;
    this.trees = [];

    const score = new Float64Array(n * K),
      p = new Float64Array(n * K);
    for (let i = 0; i < n; i++) score.set(this.baseScore, i * K);
    const vRows = valid?.rows ?? 0;
    const vScore = new Float64Array(vRows * K),
      vP = new Float64Array(vRows * K);
    for (let i = 0; i < vRows; i++) vScore.set(this.baseScore, i * K);

    const g = new Float64Array(n),
      h = new Float64Array(n);
    const idx = new Int32Array(n);
    const history: TrainHistory = { trainLoss: [], validLoss: [], validMetric: [] };
    let best = Infinity,
      bestRound = 0;
    const nSample = Math.max(1, Math.round(o.subsample * n));
    const nFeat = Math.max(1, Math.round(o.colsample * F));

    for (let round = 0; round < o.nRounds; round++) {
      softmaxRows(p, score, n, K);
      let trainLoss = 0;
      for (let i = 0; i < n; i++) trainLoss -= w[i] * Math.log(Math.max(p[i * K + y[i]], 1e-15));
      history.trainLoss.push(trainLoss / wSum);
      // rows of this round
      let m = n;
      if (nSample < n) {
        const perm = rng.permutation(n);
        m = nSample;
        idx.set(perm.subarray(0, m));
        idx.subarray(0, m).sort();
      } else {
        for (let i = 0; i < n; i++) idx[i] = i;
      }
      const roundTrees: FlatTree[] = [];
      for (let k = 0; k < K; k++) {
        for (let i = 0; i < n; i++) {
          const pk = p[i * K + k];
          g[i] = w[i] * (pk - (y[i] === k ? 1 : 0));
          h[i] = w[i] * Math.max(pk * (1 - pk), 1e-16);
        }
        let feats: Int32Array;
        if (nFeat < F) feats = rng.permutation(F).subarray(0, nFeat).slice().sort();
        else {
          feats = new Int32Array(F);
          for (let f = 0; f < F; f++) feats[f] = f;
        }
        const rowsOfTree = idx.slice(0, m);
        const tree = this.#buildTree(codes, n, binner, g, h, rowsOfTree, feats, minChildWeight);
        roundTrees.push(tree);
        // update scores with the leaf values
        for (let i = 0; i < n; i++) score[i * K + k] += tree.value[leafOf(tree, x, i, F)];
        for (let i = 0; i < vRows; i++) vScore[i * K + k] += tree.value[leafOf(tree, valid!.x, i, F)];
      }
      this.trees.push(roundTrees);
      if (valid !== undefined) {
        softmaxRows(vP, vScore, vRows, K);
        let vl = 0;
        for (let i = 0; i < vRows; i++) vl -= Math.log(Math.max(vP[i * K + valid.y[i]], 1e-15));
        vl /= vRows;
        history.validLoss.push(vl);
        history.validMetric.push(macroF1(valid.y, argmaxRows(vP, K), K));
        if (vl < best - 1e-12) {
          best = vl;
          bestRound = round + 1;
        } else if (o.earlyStoppingRounds > 0 && round + 1 - bestRound >= o.earlyStoppingRounds) break;
      }
    }
    if (valid !== undefined) this.trees.length = Math.max(1, bestRound);
    this.bestRounds = this.trees.length;
    return history;
  }

  #buildTree(
    codes: Uint8Array,
    n: number,
    binner: Binner,
    g: Float64Array,
    h: Float64Array,
    rows: Int32Array,
    feats: Int32Array,
    minChildWeight: number,
  ): FlatTree {
    const o = this.options;
    const tb = new TreeBuilder(1);
    const lambda = o.lambda;
    // Compact histograms: feature fi of this tree owns (bins + 1) slots of (g, h, count) starting at
    // off[fi]; the last slot is the missing bin. Freed histograms go back to a pool (no per-leaf allocation).
    const nF = feats.length,
      off = new Int32Array(nF + 1),
      nbs = new Int32Array(nF);
    for (let fi = 0; fi < nF; fi++) {
      nbs[fi] = binner.bins(feats[fi]);
      off[fi + 1] = off[fi] + (nbs[fi] + 1) * 3;
    }
    const size = off[nF];
    const pool: Float64Array[] = [];
    const histOf = (start: number, end: number): Float64Array => {
      const hist = pool.pop() ?? new Float64Array(size);
      hist.fill(0);
      for (let fi = 0; fi < nF; fi++) {
        const co = feats[fi] * n,
          ho = off[fi],
          nb = nbs[fi];
        for (let r = start; r < end; r++) {
          const i = rows[r];
          const c = codes[co + i];
          const b = ho + (c === MISSING ? nb : c) * 3;
          hist[b] += g[i];
          hist[b + 1] += h[i];
          hist[b + 2] += 1;
        }
      }
      return hist;
    };
    const bestSplit = (leaf: Leaf): SplitInfo | null => {
      if (o.maxDepth > 0 && leaf.depth >= o.maxDepth) return null;
      const cnt = leaf.end - leaf.start;
      if (cnt < 2 * o.minSamplesLeaf) return null;
      const { G, H, hist } = leaf;
      const parentScore = (G * G) / (H + lambda);
      let best: SplitInfo | null = null;
      for (let fi = 0; fi < nF; fi++) {
        const f = feats[fi],
          ho = off[fi],
          nb = nbs[fi];
        const mo = ho + nb * 3;
        const Gm = hist[mo],
          Hm = hist[mo + 1],
          Cm = hist[mo + 2];
        let GL = 0,
          HL = 0,
          CL = 0;
        for (let b = 0; b < nb - 1; b++) {
          GL += hist[ho + b * 3];
          HL += hist[ho + b * 3 + 1];
          CL += hist[ho + b * 3 + 2];
          for (let side = 0; side < 2; side++) {
            let missingLeft: boolean;
            if (Cm === 0) {
              if (side === 1) break;
              missingLeft = HL >= H - HL; // no missing rows here: NaN follows the heavier child
            } else missingLeft = side === 1;
            const gl = missingLeft ? GL + Gm : GL,
              hl = missingLeft ? HL + Hm : HL,
              cl = missingLeft ? CL + Cm : CL;
            const gr = G - gl,
              hr = H - hl,
              cr = cnt - cl;
            if (cl < o.minSamplesLeaf || cr < o.minSamplesLeaf || hl < minChildWeight || hr < minChildWeight) continue;
            const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
            if (gain > o.gamma && (best === null || gain > best.gain)) best = { gain, feature: f, bin: b, missingLeft };
          }
        }
      }
      return best;
    };
    const makeLeaf = (node: number, start: number, end: number, depth: number, hist: Float64Array): Leaf => {
      let G = 0,
        H = 0;
      for (let r = start; r < end; r++) {
        G += g[rows[r]];
        H += h[rows[r]];
      }
      const leaf: Leaf = { node, start, end, depth, G, H, hist, split: null };
      tb.value[node] = (-o.learningRate * G) / (H + lambda);
      leaf.split = bestSplit(leaf);
      return leaf;
    };
    const root = makeLeaf(tb.addNode(), 0, rows.length, 0, histOf(0, rows.length));
    const open: Leaf[] = [root];
    let leaves = 1;
    while (leaves < o.maxLeaves) {
      let bi = -1;
      for (let i = 0; i < open.length; i++) {
        const s = open[i].split;
        if (s !== null && (bi < 0 || s.gain > open[bi].split!.gain)) bi = i;
      }
      if (bi < 0) break;
      const leaf = open[bi];
      open.splice(bi, 1);
      const s = leaf.split!;
      const mid = partition(rows, leaf.start, leaf.end, codes, n, s.feature, s.bin, s.missingLeft);
      const node = leaf.node;
      tb.feature[node] = s.feature;
      tb.threshold[node] = binner.upper[s.feature][s.bin];
      tb.missingLeft[node] = s.missingLeft ? 1 : 0;
      const l = tb.addNode(),
        r = tb.addNode();
      tb.left[node] = l;
      tb.right[node] = r;
      // histogram subtraction: scan the smaller child, derive the larger one from the parent in place
      const leftSmaller = mid - leaf.start <= leaf.end - mid;
      const small = leftSmaller ? histOf(leaf.start, mid) : histOf(mid, leaf.end);
      const large = leaf.hist;
      for (let j = 0; j < size; j++) large[j] -= small[j];
      const lh = leftSmaller ? small : large,
        rh = leftSmaller ? large : small;
      const lLeaf = makeLeaf(l, leaf.start, mid, leaf.depth + 1, lh);
      const rLeaf = makeLeaf(r, mid, leaf.end, leaf.depth + 1, rh);
      // a leaf that cannot split never needs its histogram again
      for (const c of [lLeaf, rLeaf])
        if (c.split === null) pool.push(c.hist);
        else open.push(c);
      leaves++;
    }
    return tb.finish();
  }

  /** Raw additive scores [rows, classes]. */
  decisionFunction(x: Float32Array, rows: number): Float64Array {
    if (this.trees.length === 0) throw new Error('GBDT.decisionFunction: call fit() first');
    checkMatrix('GBDT.decisionFunction', x, rows, this.features);
    const K = this.classes,
      F = this.features;
    const out = new Float64Array(rows * K);
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < K; k++) {
        let s = this.baseScore[k];
        for (let t = 0; t < this.trees.length; t++) {
          const tree = this.trees[t][k];
          s += tree.value[leafOf(tree, x, i, F)];
        }
        out[i * K + k] = s;
      }
    }
    return out;
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    const z = this.decisionFunction(x, rows);
    softmaxRows(z, z, rows, this.classes);
    return Float32Array.from(z);
  }

  /** Number of splits on each feature over all trees (a simple importance). */
  featureImportance(): Float64Array {
    const imp = new Float64Array(this.features);
    for (const round of this.trees)
      for (const t of round) {
        for (let node = 0; node < t.feature.length; node++) if (t.feature[node] >= 0) imp[t.feature[node]] += 1;
      }
    return imp;
  }

  /** The fitted model as data (`restoreModel` reads it back). */
  toState(): ModelState {
    return { kind: this.kind, fitted: this.toJSON() };
  }

  /** The fitted model as plain JSON: options, classes, feature names, base scores and every tree. */
  toJSON(): object {
    return {
      kind: this.kind,
      options: this.options,
      classes: this.classes,
      features: this.features,
      baseScore: Array.from(this.baseScore),
      trees: this.trees.map((r) => r.map(treeToJSON)),
    };
  }

  /** Rebuilds a fitted model from `toJSON()`'s output. */
  static fromJSON(o: any): GBDT {
    const m = new GBDT(o.options);
    m.classes = o.classes;
    m.features = o.features;
    m.baseScore = Float64Array.from(o.baseScore);
    m.trees = o.trees.map((r: any[]) => r.map(treeFromJSON));
    m.bestRounds = m.trees.length;
    return m;
  }
}
