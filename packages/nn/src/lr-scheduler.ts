// Learning-rate schedulers (PyTorch's closed forms) and gradient-norm clipping. Schedulers write `optimizer.lr`;
// call `scheduler.step()` once per epoch after `optimizer.step()`, as in PyTorch.

import { scaleInPlaceKernel, sumOfSquares } from '@timbre/tensor';
import type { Parameter } from './module.js';
import type { Optimizer } from './optim.js';

/** Base of the epoch-indexed schedulers: `lastEpoch` counts `step()` calls; lr = f(baseLr, lastEpoch). */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The optimiser's lr when the scheduler was made. */
  readonly baseLr: number;
  /** Number of `step()` calls so far (PyTorch's `last_epoch`, starting at 0 after construction). */
  lastEpoch = 0;

  constructor(optimizer: Optimizer) {
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
    // PyTorch applies the epoch-0 value at construction.
  }

  /** The lr for `epoch` (closed form). */
  abstract lrAt(epoch: number): number;

  /** Advances one epoch and sets the optimiser's lr. */
  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  /** The lr the optimiser has now (PyTorch's `get_last_lr()[0]`). */
  getLastLr(): number {
    return this.optimizer.lr;
  }

  protected init(): void {
    this.optimizer.lr = this.lrAt(0);
  }
}

/**
 * lr = baseLr · gamma^⌊epoch / stepSize⌋ (torch.optim.lr_scheduler.StepLR).
 *
 * ```ts
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let e = 0; e < 100; e++) { trainEpoch(); sched.step(); }
 * ```
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    const { stepSize, gamma = 0.1 } = options;
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.init();
  }
  lrAt(epoch: number): number {
    return this.baseLr * Math.pow(this.gamma, Math.floor(epoch / this.stepSize));
  }
}

/**
 * lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch/tMax))/2 (CosineAnnealingLR's closed form, no restarts).
 *
 * ```ts
 * const sched = new CosineAnnealingLR(opt, { tMax: 50, etaMin: 1e-5 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    const { tMax, etaMin = 0 } = options;
    if (!(tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.init();
  }
  lrAt(epoch: number): number {
    return this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos(Math.PI * epoch / this.tMax)) / 2;
  }
}

/**
 * Linear warm-up (torch.optim.lr_scheduler.LinearLR): the factor goes linearly from startFactor to endFactor
 * over totalIters steps, then stays: lr = baseLr·(start + (end − start)·min(epoch, totalIters)/totalIters).
 *
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 }); // 5 epochs from lr/10 to lr
 * ```
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(optimizer: Optimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = options;
    if (!(startFactor > 0 && startFactor <= 1)) {
      throw new RangeError('Starting multiplicative factor expected to be greater than 0 and less or equal to 1.');
    }
    if (!(endFactor >= 0 && endFactor <= 1)) throw new RangeError('Ending multiplicative factor expected to be between 0 and 1.');
    if (!Number.isInteger(totalIters) || totalIters <= 0) throw new RangeError(`LinearLR: totalIters must be a positive integer, got ${totalIters}`);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.init();
  }
  lrAt(epoch: number): number {
    const t = Math.min(epoch, this.totalIters) / this.totalIters;
    return this.baseLr * (this.startFactor + (this.endFactor - this.startFactor) * t);
  }
}

/** Options of `ReduceLROnPlateau` (PyTorch's defaults). */
export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

/**
 * Multiplies lr by `factor` when the metric has not improved for more than `patience` epochs
 * (torch.optim.lr_scheduler.ReduceLROnPlateau, same improvement test, cooldown and eps rule).
 *
 * ```ts
 * const sched = new ReduceLROnPlateau(opt, { patience: 3 });
 * sched.step(validationLoss);
 * ```
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    if (factor >= 1) throw new RangeError('Factor should be < 1.0.');
    if (mode !== 'min' && mode !== 'max') throw new RangeError(`mode ${mode} is unknown!`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new RangeError(`threshold mode ${thresholdMode} is unknown!`);
    this.optimizer = optimizer;
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.minLr = minLr;
    this.eps = eps;
    this.best = mode === 'min' ? Infinity : -Infinity;
  }

  #isBetter(a: number): boolean {
    const best = this.best, t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (1 + t) : a > best + t;
  }

  /** Records this epoch's metric and reduces lr if it has plateaued. */
  step(metric: number): void {
    this.lastEpoch++;
    if (this.#isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) this.optimizer.lr = next;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  getLastLr(): number {
    return this.optimizer.lr;
  }
}

/**
 * Rescales gradients so their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_: scale by
 * maxNorm/(norm + 1e-6) when that is < 1). Returns the norm before clipping. Mutates the gradients.
 * Throws on a non-finite norm when `errorIfNonfinite`.
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number, options: { errorIfNonfinite?: boolean } = {}): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be non-negative, got ${maxNorm}`);
  let sq = 0;
  for (let i = 0; i < params.length; i++) sq += sumOfSquares(params[i].grad.data, params[i].size);
  const norm = Math.sqrt(sq);
  if (options.errorIfNonfinite === true && !Number.isFinite(norm)) {
    throw new RangeError(`clipGradNorm: the total norm of order 2 for gradients from \`parameters\` is non-finite (${norm}), so it cannot be clipped`);
  }
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let i = 0; i < params.length; i++) scaleInPlaceKernel(params[i].grad.data, params[i].size, coef);
  return norm;
}
