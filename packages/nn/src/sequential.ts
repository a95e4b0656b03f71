// Sequential: runs its children in order; backward runs them in reverse. Children are named "0", "1", …
// as in PyTorch, so parameter names match nn.Sequential's state_dict keys.

import type { Tensor } from '@timbre/tensor';
import { Module, REUSE, handOut, type CallOptions, type ModuleConfig } from './module.js';

/**
 * A chain of modules. `forward` feeds each output to the next module; `backward(dout)` walks back.
 * The first layer skips its input gradient when called as `backward(dout, false)`. The layers pass their
 * own buffers along (nothing is allocated); the result is fresh unless the caller passes `{ reuse: true }`.
 *
 * ```ts
 * const model = new Sequential(new Linear(15, 128), new ReLU(), new Linear(128, 13));
 * const logits = model.forward(x);
 * model.backward(lossFn.backward(), false);  // parameter grads only
 * ```
 */
export class Sequential extends Module {
  /** The modules, in the order forward runs them (their state-dict prefixes are their indices). */
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    for (let i = 0; i < layers.length; i++) {
      if (!(layers[i] instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
    }
    this.layers = Object.freeze(layers.slice());
  }

  forward(x: Tensor, options?: CallOptions): Tensor {
    let h = x;
    const ls = this.layers;
    for (let i = 0; i < ls.length; i++) h = ls[i].forward(h, REUSE);
    return h === x ? x : handOut('Sequential.forward', h, options); // x itself: every layer passed it through
  }

  /** Backward through every layer in reverse; returns dLoss/dInput, or null when inputGrad is false. */
  backward(dout: Tensor): Tensor;
  backward(dout: Tensor, inputGrad: boolean, options?: CallOptions): Tensor | null;
  backward(dout: Tensor, inputGrad = true, options?: CallOptions): Tensor | null {
    const ls = this.layers;
    let d: Tensor | null = dout;
    for (let i = ls.length - 1; i >= 0; i--) {
      d = ls[i].backward(d as Tensor, i > 0 || inputGrad, REUSE);
    }
    return d === null || d === dout ? d : handOut('Sequential.backward', d, options);
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  override config(): ModuleConfig {
    return { type: 'Sequential', layers: this.layers.map((m) => m.config()) };
  }
}
