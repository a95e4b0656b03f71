// Linear layer: y = x·Wᵀ + b with W stored [outFeatures, inFeatures] (PyTorch's layout), on the matmul kernels:
// forward = NT with fused bias, dx = NN, dWeight += TN (beta = 1), dBias += column sums.

import { type Rng, type Tensor, ShapeError, biasBackward, formatShape, matmulNN, matmulNT, matmulTN, zeros, checkOptions } from '@timbre/tensor';
import { BufferSlots, Module, Parameter, defaultRng, expectSaved, handOut, staged, type CallOptions, type ModuleConfig } from './module.js';

/** Options of `Linear`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the `manualSeed` generator). */
  rng?: Rng;
}

/**
 * Fully connected layer: input [B, inFeatures] -> output [B, outFeatures], y = x·Wᵀ + b.
 * Initialised like PyTorch: W ~ kaiming_uniform(a=√5) = U(±1/√inFeatures), b ~ U(±1/√inFeatures).
 *
 * ```ts
 * const fc = new Linear(30, 16, { rng: new Rng(1) });
 * const y = fc.forward(x);          // x: [B, 30] -> y: [B, 16]
 * const dx = fc.backward(dy);       // accumulates fc.weight.grad, fc.bias.grad
 * ```
 */
export class Linear extends Module {
  /** Size of each input row. */
  readonly inFeatures: number;
  /** Size of each output row. */
  readonly outFeatures: number;
  /** [outFeatures, inFeatures] */
  readonly weight: Parameter;
  /** [outFeatures], or null with `{ bias: false }` */
  readonly bias: Parameter | null;
  #x: Tensor | null = null;
  #out = new BufferSlots();
  #dx = new BufferSlots();
  #xIn = new BufferSlots(); // an input from outside WebAssembly memory, staged (see staged())
  #dIn = new BufferSlots(); // likewise a dout

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`Linear: ${name} must be a positive integer, got ${v}`);
    }
    checkOptions('Linear', options, ['bias', 'rng']);
    const { bias = true, rng = defaultRng() } = options;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    // kaiming_uniform_(a=√5): gain = √(2/(1+5)), bound = gain·√(3/fan_in) = 1/√fan_in.
    const bound = 1 / Math.sqrt(inFeatures);
    const w = zeros([outFeatures, inFeatures]);
    for (let i = 0; i < w.size; i++) w.data[i] = rng.uniform(-bound, bound);
    this.weight = new Parameter(w);
    if (bias) {
      const b = zeros([outFeatures]);
      for (let i = 0; i < b.size; i++) b.data[i] = rng.uniform(-bound, bound);
      this.bias = new Parameter(b);
    } else {
      this.bias = null;
    }
  }

  /** x: [B, inFeatures] -> [B, outFeatures]: fresh, or with `{ reuse: true }` the layer's buffer (valid until the next forward). */
  forward(input: Tensor, options?: CallOptions): Tensor {
    const x = staged(this.#xIn, input);
    if (x.shape.length !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(
        `Linear.forward: input ${formatShape(x.shape)} does not match weight ${formatShape(this.weight.shape)} ` +
          `(input.shape[1]=${x.shape.length === 2 ? x.shape[1] : 'none: input must be 2-D [batch, features]'}, weight.shape[1]=${this.inFeatures})`,
      );
    }
    const B = x.shape[0];
    const out = this.#out.get(B, this.outFeatures);
    matmulNT(out.data, x.data, this.weight.data, this.bias === null ? null : this.bias.data, B, this.inFeatures, this.outFeatures, 1, 0);
    this.#x = x;
    return handOut('Linear.forward', out, options);
  }

  /** Accumulates weight.grad and bias.grad; returns dx [B, inFeatures] (fresh, or the layer's with `reuse`), or null when inputGrad is false. */
  backward(dout: Tensor): Tensor;
  backward(dout: Tensor, inputGrad: boolean, options?: CallOptions): Tensor | null;
  backward(d: Tensor, inputGrad = true, options?: CallOptions): Tensor | null {
    const x = expectSaved('Linear', this.#x);
    const B = x.shape[0];
    const dout = staged(this.#dIn, d);
    if (dout.shape.length !== 2 || dout.shape[0] !== B || dout.shape[1] !== this.outFeatures) {
      throw new ShapeError(`Linear.backward: dout ${formatShape(dout.shape)} does not match the output [${B}, ${this.outFeatures}]`);
    }
    // dW[outF, inF] += doutᵀ[outF, B] · x[B, inF]
    matmulTN(this.weight.grad.data, dout.data, x.data, null, this.outFeatures, B, this.inFeatures, 1, 1);
    if (this.bias !== null) biasBackward(this.bias.grad.data, dout.data, B, this.outFeatures);
    if (!inputGrad) return null;
    // dx[B, inF] = dout[B, outF] · W[outF, inF]; dx is ours, so overwrite (beta = 0) rather than zero + accumulate.
    const dx = this.#dx.get(B, this.inFeatures);
    matmulNN(dx.data, dout.data, this.weight.data, null, B, this.outFeatures, this.inFeatures, 1, 0);
    return handOut('Linear.backward', dx, options);
  }

  protected override ownParameters(): [string, Parameter][] {
    return this.bias === null
      ? [['weight', this.weight]]
      : [
          ['weight', this.weight],
          ['bias', this.bias],
        ];
  }

  override config(): ModuleConfig {
    return { type: 'Linear', inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null };
  }
}
