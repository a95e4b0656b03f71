// The majority-class baseline as a Classifier: it predicts the training class frequencies, so its
// argmax is the most frequent training class.
import type { Classifier, Dataset, ModelState } from './types.js';
import { checkDataset, checkMatrix } from './common.js';

/**
 * Always predicts the training class frequencies (so argmax = the majority class): the baseline.
 *
 * ```ts
 * const base = new MajorityClassifier(); base.fit(train);
 * ```
 */
export class MajorityClassifier implements Classifier {
  readonly kind = 'majority';
  prior: Float32Array | null = null;
  features = 0;

  fit(train: Dataset): void {
    checkDataset('MajorityClassifier.fit', train);
    const p = new Float32Array(train.classes);
    for (let i = 0; i < train.rows; i++) p[train.y[i]] += 1 / train.rows;
    this.prior = p;
    this.features = train.features;
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    if (this.prior === null) throw new Error('MajorityClassifier.predictProba: call fit() first');
    checkMatrix('MajorityClassifier.predictProba', x, rows, this.features);
    const K = this.prior.length,
      out = new Float32Array(rows * K);
    for (let i = 0; i < rows; i++) out.set(this.prior, i * K);
    return out;
  }

  /** The class frequencies. */
  toState(): ModelState {
    if (this.prior === null) throw new Error('MajorityClassifier.toState: call fit() first');
    return { kind: this.kind, features: this.features, prior: Array.from(this.prior) };
  }
}
