// Inverted dropout: in training, zero each element with probability p and scale survivors by 1/(1−p);
// in eval mode the layer is the identity. The mask comes from a seeded Rng.

import { type Rng, type Tensor, dropoutBackward, dropoutForward, checkOptions } from '@timbre/tensor';
import { BufferSlots, Module, defaultRng, expectGradShape, expectSaved, handOut, type CallOptions, type ModuleConfig } from './module.js';

/**
 * Dropout(p), PyTorch semantics: training multiplies by a fresh Bernoulli(1−p) mask scaled by 1/(1−p);
 * eval returns the input itself (and backward returns dout itself): the caller's own tensors.
 *
 * ```ts
 * const drop = new Dropout(0.5, { rng: new Rng(3) });
 * drop.forward(x);   // about half the entries are 0, the rest doubled
 * drop.eval().forward(x) === x; // true
 * ```
 */
export class Dropout extends Module {
  /** Probability that an element is zeroed in training mode, in [0, 1]. */
  readonly p: number;
  #rng: Rng;
  #mask = new BufferSlots();
  #outs = new BufferSlots();
  #dxs = new BufferSlots();
  #savedMask: Tensor | null = null; // null after an eval-mode forward
  #out: Tensor | null = null;

  constructor(p = 0.5, options: { rng?: Rng } = {}) {
    super();
    checkOptions('Dropout', options, ['rng']);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.#rng = options.rng ?? defaultRng().fork();
  }

  forward(x: Tensor, options?: CallOptions): Tensor {
    if (!this.training || this.p === 0) {
      this.#savedMask = null;
      this.#out = x;
      return x;
    }
    const mask = this.#mask.like(x);
    const m = mask.data,
      n = x.size,
      p = this.p,
      rng = this.#rng;
    const scale = p === 1 ? 0 : 1 / (1 - p);
    for (let i = 0; i < n; i++) m[i] = rng.uniform() < p ? 0 : scale;
    const out = this.#outs.like(x);
    dropoutForward(out.data, x.data, m, n);
    this.#savedMask = mask;
    this.#out = out;
    return handOut('Dropout.forward', out, options);
  }

  /** Returns dx = dout·mask (fresh, or the layer's with `reuse`); in eval mode `dout` itself. Null when inputGrad is false. */
  backward(dout: Tensor): Tensor;
  backward(dout: Tensor, inputGrad: boolean, options?: CallOptions): Tensor | null;
  backward(dout: Tensor, inputGrad = true, options?: CallOptions): Tensor | null {
    const out = expectSaved('Dropout', this.#out);
    expectGradShape('Dropout', dout, out);
    if (!inputGrad) return null;
    const mask = this.#savedMask;
    if (mask === null) return dout;
    const dx = this.#dxs.like(dout);
    dx.zero();
    dropoutBackward(dx.data, dout.data, mask.data, dout.size);
    return handOut('Dropout.backward', dx, options);
  }

  override config(): ModuleConfig {
    return { type: 'Dropout', p: this.p };
  }
}
