// Multinomial logistic regression with an L2 penalty, fitted by L-BFGS in float64.
// Objective (sklearn's, divided by n): (1/n)·[Σ_i w_i·CE_i + ||W||²/(2C)]; the intercept is not penalised.

import type { Classifier, Dataset, ModelState } from './types.js';
import { checkDataset, checkMatrix, checkOption, datasetWeights, softmaxRows, type ClassWeight } from './common.js';
import { lbfgs } from './lbfgs.js';

/** Options of {@link LogisticRegression}: L2 strength `C`, class weights, intercept and the L-BFGS stopping rule. */
export interface LogisticRegressionOptions {
  /** Inverse L2 strength, as in sklearn (default 1.0). Larger C = weaker penalty. */
  C?: number;
  /** Class weighting (default null = every row weight 1). */
  classWeight?: ClassWeight;
  /** Fit an intercept per class (default true). */
  fitIntercept?: boolean;
  /** L-BFGS iteration cap (default 300) and tolerance on max |gradient| of the mean objective (default 1e-5). */
  maxIter?: number;
  tol?: number;
}

/**
 * Multinomial (softmax) logistic regression, L2-regularised, fitted by L-BFGS. Deterministic.
 * Weights `coef` are [classes, features] (like sklearn's `coef_`), `intercept` is [classes].
 *
 * ```ts
 * const lr = new LogisticRegression({ C: 1, classWeight: 'balanced' });
 * lr.fit(train);
 * const proba = lr.predictProba(test.x, test.rows); // [rows, classes]
 * ```
 */
export class LogisticRegression implements Classifier {
  readonly kind = 'logreg';
  readonly C: number;
  readonly classWeight: ClassWeight;
  readonly fitIntercept: boolean;
  readonly maxIter: number;
  readonly tol: number;
  coef: Float64Array | null = null;
  intercept: Float64Array | null = null;
  classes = 0;
  features = 0;
  /** L-BFGS iterations of the last fit. */
  iterations = 0;

  constructor(options: LogisticRegressionOptions = {}) {
    const { C = 1, classWeight = null, fitIntercept = true, maxIter = 300, tol = 1e-5 } = options;
    checkOption('LogisticRegression', 'C', C, 1e-12, Infinity);
    checkOption('LogisticRegression', 'maxIter', maxIter, 1, 1e7, true);
    checkOption('LogisticRegression', 'tol', tol, 0, Infinity);
    this.C = C;
    this.classWeight = classWeight;
    this.fitIntercept = fitIntercept;
    this.maxIter = maxIter;
    this.tol = tol;
  }

  fit(train: Dataset): void {
    checkDataset('LogisticRegression.fit', train);
    const { x, y, rows: n, features: F, classes: K } = train;
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) {
        throw new RangeError(`LogisticRegression.fit: x[${Math.floor(i / F)}, ${i % F}] is ${x[i]}; impute missing values first`);
      }
    }
    const w = datasetWeights('LogisticRegression.fit', train, this.classWeight);
    const lam = 1 / this.C;
    const P = K * F; // bias block follows the weight block
    const logits = new Float64Array(K);
    const objective = (theta: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const xo = i * F;
        let m = -Infinity;
        for (let k = 0; k < K; k++) {
          let acc = this.fitIntercept ? theta[P + k] : 0;
          const wo = k * F;
          for (let j = 0; j < F; j++) acc += theta[wo + j] * x[xo + j];
          logits[k] = acc;
          if (acc > m) m = acc;
        }
        let s = 0;
        for (let k = 0; k < K; k++) {
          logits[k] = Math.exp(logits[k] - m);
          s += logits[k];
        }
        const wi = w[i];
        if (wi === 0) continue;
        loss += wi * (Math.log(s) + m - (Math.log(logits[y[i]]) + m));
        for (let k = 0; k < K; k++) {
          const gk = wi * (logits[k] / s - (k === y[i] ? 1 : 0));
          const wo = k * F;
          for (let j = 0; j < F; j++) grad[wo + j] += gk * x[xo + j];
          if (this.fitIntercept) grad[P + k] += gk;
        }
      }
      let reg = 0;
      for (let p = 0; p < P; p++) {
        reg += theta[p] * theta[p];
        grad[p] += lam * theta[p];
      }
      for (let p = 0; p < grad.length; p++) grad[p] /= n;
      return (loss + 0.5 * lam * reg) / n;
    };
    const res = lbfgs(objective, new Float64Array(P + K), { maxIter: this.maxIter, gradTol: this.tol, fTol: 0 });
    this.coef = res.x.slice(0, P);
    this.intercept = res.x.slice(P, P + K);
    this.classes = K;
    this.features = F;
    this.iterations = res.iterations;
  }

  /** Raw scores x·Wᵀ + b, [rows, classes] in float64. */
  decisionFunction(x: Float32Array, rows: number): Float64Array {
    if (this.coef === null || this.intercept === null) throw new Error('LogisticRegression.decisionFunction: call fit() first');
    checkMatrix('LogisticRegression.decisionFunction', x, rows, this.features);
    const K = this.classes,
      F = this.features,
      W = this.coef,
      b = this.intercept;
    const out = new Float64Array(rows * K);
    for (let i = 0; i < rows; i++) {
      const xo = i * F;
      for (let k = 0; k < K; k++) {
        let acc = b[k];
        const wo = k * F;
        for (let j = 0; j < F; j++) acc += W[wo + j] * x[xo + j];
        out[i * K + k] = acc;
      }
    }
    return out;
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    const z = this.decisionFunction(x, rows);
    softmaxRows(z, z, rows, this.classes);
    return Float32Array.from(z);
  }

  /** The fitted model as plain JSON (weights as number arrays); `LogisticRegression.fromJSON` reads it back. */
  /** The fitted model as data (`restoreModel` reads it back). */
  toState(): ModelState {
    return { kind: this.kind, fitted: this.toJSON() };
  }

  /** The fitted model as plain JSON (options, classes, coefficients); throws when the model is not fitted. */
  toJSON(): object {
    if (this.coef === null || this.intercept === null) throw new Error('LogisticRegression.toJSON: the model is not fitted');
    return {
      kind: this.kind,
      options: { C: this.C, classWeight: this.classWeight, fitIntercept: this.fitIntercept, maxIter: this.maxIter, tol: this.tol },
      classes: this.classes,
      features: this.features,
      coef: Array.from(this.coef),
      intercept: Array.from(this.intercept),
    };
  }

  /** Rebuilds a fitted model from `toJSON()` output (shapes checked). */
  static fromJSON(o: any): LogisticRegression {
    const m = new LogisticRegression(o?.options ?? {});
    const K = o?.classes,
      F = o?.features;
    if (
      !Number.isInteger(K) ||
      !Number.isInteger(F) ||
      !Array.isArray(o.coef) ||
      !Array.isArray(o.intercept) ||
      o.coef.length !== K * F ||
      o.intercept.length !== K
    ) {
      throw new RangeError(
        `LogisticRegression.fromJSON: expected coef of classes*features = ${K}*${F} numbers and ${K} intercepts, got ${o?.coef?.length} and ${o?.intercept?.length}`,
      );
    }
    m.classes = K;
    m.features = F;
    m.coef = Float64Array.from(o.coef);
    m.intercept = Float64Array.from(o.intercept);
    return m;
  }
}
