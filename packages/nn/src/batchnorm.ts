// BatchNorm1d over [B, C] inputs, PyTorch semantics: training normalises with the batch's biased variance
// and updates running_mean/running_var (unbiased variance) with `momentum`; eval uses the running statistics.

import { type Tensor, ShapeError, batchNormBackward, batchNormNormalize, batchNormStats, formatShape, full, zeros, checkOptions } from '@timbre/tensor';
import { BufferSlots, Module, Parameter, expectGradShape, expectSaved, handOut, type CallOptions, type ModuleConfig } from './module.js';

/** Options of `BatchNorm1d` (PyTorch's defaults). */
export interface BatchNorm1dOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Running-average factor (default 0.1); null = cumulative average over all batches seen. */
  momentum?: number | null;
  /** Learn `weight` (γ, init 1) and `bias` (β, init 0) (default true). */
  affine?: boolean;
  /** Keep running statistics and use them in eval mode (default true). */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation of [B, numFeatures] inputs: y = γ·(x − mean)/√(var + eps) + β.
 * State dict keys as in PyTorch: weight, bias, running_mean, running_var, num_batches_tracked.
 *
 * ```ts
 * const bn = new BatchNorm1d(64);
 * bn.forward(x);          // training: batch statistics, running stats updated
 * bn.eval().forward(x);   // eval: running statistics
 * ```
 */
export class BatchNorm1d extends Module {
  /** C: the size of the input's second dimension. */
  readonly numFeatures: number;
  /** See {@link BatchNorm1dOptions.eps}. */
  readonly eps: number;
  /** See {@link BatchNorm1dOptions.momentum}. */
  readonly momentum: number | null;
  /** γ [numFeatures], or null without `affine`. */
  readonly weight: Parameter | null;
  /** β [numFeatures], or null without `affine`. */
  readonly bias: Parameter | null;
  /** Running mean [numFeatures] (a buffer: `running_mean`), or null without `trackRunningStats`. */
  readonly runningMean: Tensor | null;
  /** Running unbiased variance [numFeatures] (a buffer: `running_var`), or null without `trackRunningStats`. */
  readonly runningVar: Tensor | null;
  /** Scalar count of training batches (PyTorch's int64 `num_batches_tracked`, stored as float32). */
  readonly numBatchesTracked: Tensor | null;
  #mean: Tensor;
  #var: Tensor;
  #usedBatchStats = true;
  #xhat = new BufferSlots();
  #outs = new BufferSlots();
  #dxs = new BufferSlots();
  #savedXhat: Tensor | null = null;
  #savedVar: Tensor | null = null;

  constructor(numFeatures: number, options: BatchNorm1dOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new RangeError(`BatchNorm1d: numFeatures must be a positive integer, got ${numFeatures}`);
    checkOptions('BatchNorm1d', options, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    if (!(eps > 0)) throw new RangeError(`BatchNorm1d: eps must be positive, got ${eps}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new RangeError(`BatchNorm1d: momentum must be in [0, 1] or null, got ${momentum}`);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? new Parameter(full([numFeatures], 1)) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    this.runningMean = trackRunningStats ? zeros([numFeatures]) : null;
    this.runningVar = trackRunningStats ? full([numFeatures], 1) : null;
    this.numBatchesTracked = trackRunningStats ? zeros([]) : null;
    this.#mean = zeros([numFeatures]);
    this.#var = zeros([numFeatures]);
  }

  forward(x: Tensor, options?: CallOptions): Tensor {
    const C = this.numFeatures;
    if (x.shape.length !== 2 || x.shape[1] !== C) {
      throw new ShapeError(`BatchNorm1d.forward: input ${formatShape(x.shape)} does not match numFeatures ${C} ` + `(expected [batch, ${C}])`);
    }
    const B = x.shape[0];
    const useBatch = this.training || this.runningMean === null;
    if (useBatch && B < 2 && this.training) {
      throw new RangeError(`BatchNorm1d.forward: Expected more than 1 value per channel when training, got input size ${formatShape(x.shape)}`);
    }
    let mean: Tensor, variance: Tensor;
    if (useBatch) {
      batchNormStats(this.#mean.data, this.#var.data, x.data, B, C);
      mean = this.#mean;
      variance = this.#var;
      if (this.training && this.runningMean !== null) this.#updateRunning(B);
    } else {
      mean = this.runningMean as Tensor;
      variance = this.runningVar as Tensor;
    }
    const out = this.#outs.get(B, C),
      xhat = this.#xhat.get(B, C);
    batchNormNormalize(out.data, xhat.data, x.data, mean.data, variance.data, this.weight?.data ?? null, this.bias?.data ?? null, B, C, this.eps);
    this.#usedBatchStats = useBatch;
    this.#savedXhat = xhat;
    this.#savedVar = variance;
    return handOut('BatchNorm1d.forward', out, options);
  }

  #updateRunning(B: number): void {
    const nbt = this.numBatchesTracked as Tensor;
    nbt.data[0] += 1;
    const f = this.momentum === null ? 1 / nbt.data[0] : this.momentum;
    const rm = (this.runningMean as Tensor).data,
      rv = (this.runningVar as Tensor).data;
    const m = this.#mean.data,
      v = this.#var.data,
      unbias = B / (B - 1);
    for (let c = 0; c < this.numFeatures; c++) {
      rm[c] = (1 - f) * rm[c] + f * m[c];
      rv[c] = (1 - f) * rv[c] + f * v[c] * unbias;
    }
  }

  /**
   * Accumulates weight.grad and bias.grad (when affine); returns dx [B, C] (fresh, or the layer's with `reuse`), or null
   * when inputGrad is false. Differentiates through the batch statistics in training mode, through the running ones in eval.
   */
  backward(dout: Tensor): Tensor;
  backward(dout: Tensor, inputGrad: boolean, options?: CallOptions): Tensor | null;
  backward(dout: Tensor, inputGrad = true, options?: CallOptions): Tensor | null {
    const xhat = expectSaved('BatchNorm1d', this.#savedXhat);
    expectGradShape('BatchNorm1d', dout, xhat);
    const B = xhat.shape[0],
      C = this.numFeatures;
    const dx = this.#dxs.get(B, C);
    dx.zero();
    // dx is always computed here: the kernel shares the per-feature sums with dGamma/dBeta.
    batchNormBackward(
      dx.data,
      this.weight?.grad.data ?? null,
      this.bias?.grad.data ?? null,
      dout.data,
      xhat.data,
      (this.#savedVar as Tensor).data,
      this.weight?.data ?? null,
      B,
      C,
      this.eps,
      this.#usedBatchStats,
    );
    return inputGrad ? handOut('BatchNorm1d.backward', dx, options) : null;
  }

  protected override ownParameters(): [string, Parameter][] {
    return this.weight === null
      ? []
      : [
          ['weight', this.weight],
          ['bias', this.bias as Parameter],
        ];
  }

  protected override ownBuffers(): [string, Tensor][] {
    if (this.runningMean === null) return [];
    return [
      ['running_mean', this.runningMean],
      ['running_var', this.runningVar as Tensor],
      ['num_batches_tracked', this.numBatchesTracked as Tensor],
    ];
  }

  override config(): ModuleConfig {
    return {
      type: 'BatchNorm1d',
      numFeatures: this.numFeatures,
      eps: this.eps,
      momentum: this.momentum,
      affine: this.weight !== null,
      trackRunningStats: this.runningMean !== null,
    };
  }
}
