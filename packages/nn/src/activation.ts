// Element-wise activation layers: ReLU, LeakyReLU, Tanh, Sigmoid, GELU. Each saves what its backward needs
// (the input, or the output for Tanh/Sigmoid) and reuses its output and dx buffers.

import {
  type Tensor,
  geluBackward,
  geluForward,
  geluTanhBackward,
  geluTanhForward,
  leakyReluBackward,
  leakyReluForward,
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  tanhBackward,
  tanhForward,
  checkOptions,
} from '@timbre/tensor';
import { BufferSlots, Module, expectGradShape, expectSaved, handOut, staged, type CallOptions, type ModuleConfig } from './module.js';

/** Shared plumbing: buffers and the saved tensor; subclasses provide the two kernel calls. */
abstract class Elementwise extends Module {
  /** What backward needs: the last forward's input, or its output when `savesOutput`. */
  protected saved: Tensor | null = null;
  /** The last forward's output (backward checks dout's shape against it). */
  protected out: Tensor | null = null;
  #outs = new BufferSlots();
  #dxs = new BufferSlots();
  #xIn = new BufferSlots(); // an input from outside WebAssembly memory, staged (see staged())
  #dIn = new BufferSlots(); // likewise a dout
  /** The layer's name in error messages. */
  protected abstract readonly name: string;
  protected abstract run(out: Float32Array, x: Float32Array, n: number): void;
  /** Accumulates into dx. `saved` is the input or the output, whichever `savesOutput` says. */
  protected abstract grad(dx: Float32Array, dout: Float32Array, saved: Float32Array, n: number): void;
  /** True when backward is computed from the output (Tanh, Sigmoid) rather than the input. */
  protected readonly savesOutput: boolean = false;
  abstract override config(): ModuleConfig;

  /** Same shape in and out: fresh, or with `{ reuse: true }` the layer's buffer (valid until the next forward). */
  forward(input: Tensor, options?: CallOptions): Tensor {
    const x = staged(this.#xIn, input);
    const out = this.#outs.like(x);
    this.run(out.data, x.data, x.size);
    this.saved = this.savesOutput ? out : x;
    this.out = out;
    return handOut(this.name, out, options);
  }

  /** Returns dx (fresh, or the layer's with `reuse`), or null when inputGrad is false. Activations have no parameters. */
  backward(dout: Tensor): Tensor;
  backward(dout: Tensor, inputGrad: boolean, options?: CallOptions): Tensor | null;
  backward(d: Tensor, inputGrad = true, options?: CallOptions): Tensor | null {
    const saved = expectSaved(this.name, this.saved);
    expectGradShape(this.name, d, this.out as Tensor);
    if (!inputGrad) return null;
    const dout = staged(this.#dIn, d);
    const dx = this.#dxs.like(saved);
    dx.zero();
    this.grad(dx.data, dout.data, saved.data, saved.size);
    return handOut(this.name, dx, options);
  }
}

/**
 * max(x, 0), element-wise, with PyTorch's edge cases: NaN stays NaN (its gradient passes through), and the gradient
 * at exactly 0 is 0. Runs the same kernel as the `relu` op.
 *
 * ```ts
 * const act = new ReLU();
 * act.forward(fromArray([-1, 2])).toArray(); // [0, 2]
 * ```
 */
export class ReLU extends Elementwise {
  /** `'ReLU'`, for error messages. */
  protected readonly name = 'ReLU';
  /** Forward kernel: out = max(x, 0) over the first n elements. */
  protected run(out: Float32Array, x: Float32Array, n: number): void {
    reluForward(out, x, n);
  }
  protected grad(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
    reluBackward(dx, dout, x, n);
  }
  /** `{ type: 'ReLU' }`, for `buildModule` and saved models. */
  config(): ModuleConfig {
    return { type: 'ReLU' };
  }
}

/**
 * x for x > 0, else negativeSlope·x (default 0.01, as PyTorch).
 *
 * ```ts
 * new LeakyReLU({ negativeSlope: 0.2 }).forward(fromArray([-1, 2])).toArray(); // [-0.2, 2]
 * ```
 */
export class LeakyReLU extends Elementwise {
  /** `'LeakyReLU'`, for error messages. */
  protected readonly name = 'LeakyReLU';
  /** Slope for x ≤ 0 (default 0.01). */
  readonly negativeSlope: number;
  constructor(options: { negativeSlope?: number } = {}) {
    super();
    checkOptions('LeakyReLU', options, ['negativeSlope']);
    const { negativeSlope = 0.01 } = options;
    if (!Number.isFinite(negativeSlope)) throw new RangeError(`LeakyReLU: negativeSlope must be finite, got ${negativeSlope}`);
    this.negativeSlope = negativeSlope;
  }
  /** Forward kernel: out = x for x > 0, else negativeSlope·x, over the first n elements. */
  protected run(out: Float32Array, x: Float32Array, n: number): void {
    leakyReluForward(out, x, n, this.negativeSlope);
  }
  protected grad(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
    leakyReluBackward(dx, dout, x, n, this.negativeSlope);
  }
  /** `{ type: 'LeakyReLU', negativeSlope }`, for `buildModule` and saved models. */
  config(): ModuleConfig {
    return { type: 'LeakyReLU', negativeSlope: this.negativeSlope };
  }
}

/** tanh(x), element-wise; backward uses the saved output (1 − y²). */
export class Tanh extends Elementwise {
  /** `'Tanh'`, for error messages. */
  protected readonly name = 'Tanh';
  /** True: backward uses the saved output. */
  protected override readonly savesOutput = true;
  /** Forward kernel: out = tanh(x) over the first n elements. */
  protected run(out: Float32Array, x: Float32Array, n: number): void {
    tanhForward(out, x, n);
  }
  protected grad(dx: Float32Array, dout: Float32Array, y: Float32Array, n: number): void {
    tanhBackward(dx, dout, y, n);
  }
  /** `{ type: 'Tanh' }`, for `buildModule` and saved models. */
  config(): ModuleConfig {
    return { type: 'Tanh' };
  }
}

/** 1/(1 + e^−x), element-wise, overflow-free; backward uses the saved output y(1 − y). */
export class Sigmoid extends Elementwise {
  /** `'Sigmoid'`, for error messages. */
  protected readonly name = 'Sigmoid';
  /** True: backward uses the saved output. */
  protected override readonly savesOutput = true;
  /** Forward kernel: out = 1/(1 + e^−x) over the first n elements. */
  protected run(out: Float32Array, x: Float32Array, n: number): void {
    sigmoidForward(out, x, n);
  }
  protected grad(dx: Float32Array, dout: Float32Array, y: Float32Array, n: number): void {
    sigmoidBackward(dx, dout, y, n);
  }
  /** `{ type: 'Sigmoid' }`, for `buildModule` and saved models. */
  config(): ModuleConfig {
    return { type: 'Sigmoid' };
  }
}

/** GELU's `approximate` option, as in PyTorch: 'none' (exact erf form) or 'tanh'. */
export type GELUApproximate = 'none' | 'tanh';

/**
 * GELU, PyTorch's `nn.GELU(approximate=...)`. `'none'` (default) is the exact x·Φ(x) = ½x(1 + erf(x/√2)), with an
 * erfc approximation accurate to ~1e-7 relative; `'tanh'` is ½x(1 + tanh(√(2/π)(x + 0.044715x³))), the form
 * GPT-2/BERT checkpoints were trained with. Each has its own hand-written backward.
 *
 * ```ts
 * const act = new GELU({ approximate: 'tanh' });
 * act.forward(fromArray([-1, 0, 1])).toArray(); // [-0.1588, 0, 0.8412]
 * ```
 */
export class GELU extends Elementwise {
  /** `'GELU'`, for error messages. */
  protected readonly name = 'GELU';
  /** 'none' (exact erf form, default) or 'tanh'. */
  readonly approximate: GELUApproximate;
  constructor(options: { approximate?: GELUApproximate } = {}) {
    super();
    checkOptions('GELU', options, ['approximate']);
    const { approximate = 'none' } = options;
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
    }
    this.approximate = approximate;
  }
  /** Forward kernel: GELU (exact or tanh form, per `approximate`) over the first n elements. */
  protected run(out: Float32Array, x: Float32Array, n: number): void {
    if (this.approximate === 'tanh') geluTanhForward(out, x, n);
    else geluForward(out, x, n);
  }
  protected grad(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
    if (this.approximate === 'tanh') geluTanhBackward(dx, dout, x, n);
    else geluBackward(dx, dout, x, n);
  }
  /** `{ type: 'GELU', approximate }`, for `buildModule` and saved models. */
  config(): ModuleConfig {
    return { type: 'GELU', approximate: this.approximate };
  }
}
