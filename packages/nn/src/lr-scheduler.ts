// Learning-rate schedulers (PyTorch's closed forms; SequentialLR chains them) and gradient-norm clipping.
// Schedulers write `optimizer.lr`; call `scheduler.step()` once per epoch after `optimizer.step()`, as in PyTorch.

import { scaleInPlaceKernel, sumOfSquares, checkOptions } from '@timbre/tensor';
import type { Parameter } from './module.js';
import type { Optimizer } from './optim.js';

/**
 * PyTorch's `param_group['initial_lr']`: the first scheduler made on an optimiser records its lr here
 * (`setdefault`), and every scheduler on that optimiser scales from it. So a CosineAnnealingLR made after a
 * LinearLR warm-up (which already lowered `optimizer.lr`) still decays from the real starting lr.
 */
const initialLrs = new WeakMap<Optimizer, number>();

/**
 * A scheduler's state as JSON, PyTorch's `state_dict()` keys in snake_case: the step count, the lr it
 * scales from, and what else it carries (SequentialLR its children's states, ReduceLROnPlateau its
 * best metric and counters; `best` is null while no metric has been seen). Hyper-parameters are not
 * in it: build the scheduler with the same options, then `loadStateDict`.
 */
export interface SchedulerState {
  /** The scheduler's class name, e.g. `'StepLR'`; `loadStateDict` refuses another type's state. */
  type: string;
  /** `step()` calls so far (`lastEpoch`). */
  last_epoch: number;
  /** The lr the scheduler scales from (`baseLr`); epoch-indexed schedulers only. */
  base_lr?: number;
  /** SequentialLR: its children's states, in order. */
  schedulers?: SchedulerState[];
  /** ReduceLROnPlateau: the best metric so far, null before the first `step(metric)`. */
  best?: number | null;
  /** ReduceLROnPlateau: epochs since the metric last improved. */
  num_bad_epochs?: number;
  /** ReduceLROnPlateau: epochs of cooldown left. */
  cooldown_counter?: number;
}

/** Throws unless `state` is an object of scheduler `type` whose listed fields are finite numbers (or null where allowed). */
function checkState(op: string, type: string, state: SchedulerState, fields: string[], nullable: string[] = []): void {
  if (state === null || typeof state !== 'object') throw new TypeError(`${op}: state must be an object from stateDict()`);
  if (state.type !== type) throw new TypeError(`${op}: state is for ${String(state.type)}, not ${type}`);
  const rec = state as unknown as Record<string, unknown>;
  for (const f of fields) {
    const v = rec[f];
    if (v === null && nullable.includes(f)) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${op}: state.${f} must be a finite number, got ${JSON.stringify(v)}`);
  }
  // −1: a SequentialLR child not yet started (PyTorch's value before the first step).
  if (!Number.isInteger(state.last_epoch) || state.last_epoch < -1) {
    throw new RangeError(`${op}: state.last_epoch must be an integer >= -1, got ${state.last_epoch}`);
  }
}

/** Base of the epoch-indexed schedulers: `lastEpoch` counts `step()` calls; lr = f(baseLr, lastEpoch). */
export abstract class LRScheduler {
  /** The optimiser whose `lr` this scheduler sets. */
  readonly optimizer: Optimizer;
  #baseLr: number;
  /** Number of `step()` calls so far (PyTorch's `last_epoch`, starting at 0 after construction). */
  lastEpoch = 0;

  constructor(optimizer: Optimizer) {
    this.optimizer = optimizer;
    let initial = initialLrs.get(optimizer);
    if (initial === undefined) {
      initial = optimizer.lr;
      initialLrs.set(optimizer, initial);
    }
    this.#baseLr = initial;
    // PyTorch applies the epoch-0 value at construction.
  }

  /**
   * The lr this scheduler scales from: the optimiser's lr when the first scheduler on it was made (PyTorch's
   * `initial_lr`), the same for every scheduler on that optimiser (restored by `loadStateDict`).
   */
  get baseLr(): number {
    return this.#baseLr;
  }

  /**
   * The state to resume from (JSON-able; see `SchedulerState`). `saveOptimizer(path, opt, { scheduler })`
   * stores it beside the optimiser's.
   *
   * ```ts
   * const state = sched.stateDict();          // { type: 'StepLR', last_epoch: 12, base_lr: 0.1 }
   * // later: same optimiser options and scheduler options, then
   * fresh.loadStateDict(state);               // the next step() gives the lr of epoch 13
   * ```
   */
  stateDict(): SchedulerState {
    return { type: this.constructor.name, last_epoch: this.lastEpoch, base_lr: this.#baseLr };
  }

  /**
   * Restores `stateDict()`'s state. Like PyTorch it leaves `optimizer.lr` alone: restore the optimiser
   * too (`loadOptimizer`), or the lr stays where construction put it until the next `step()`.
   */
  loadStateDict(state: SchedulerState): void {
    checkState(`${this.constructor.name}.loadStateDict`, this.constructor.name, state, ['last_epoch', 'base_lr']);
    this.lastEpoch = state.last_epoch;
    this.#baseLr = state.base_lr as number;
    initialLrs.set(this.optimizer, this.#baseLr); // schedulers made on this optimiser later scale from it too
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

  /** Applies the epoch-0 lr (`lrAt(0)`) to the optimiser; subclass constructors call it once their fields are set. */
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
  /** Epochs between decays. */
  readonly stepSize: number;
  /** Factor applied every `stepSize` epochs (default 0.1). */
  readonly gamma: number;
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    checkOptions('StepLR', options, ['stepSize', 'gamma']);
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
  /** Epochs of a half cosine period: lr reaches `etaMin` at epoch tMax. */
  readonly tMax: number;
  /** The lowest lr (default 0). */
  readonly etaMin: number;
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    checkOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    super(optimizer);
    const { tMax, etaMin = 0 } = options;
    if (!(tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.init();
  }
  lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
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
  /** Multiplier of baseLr at epoch 0 (default 1/3). */
  readonly startFactor: number;
  /** Multiplier of baseLr from epoch `totalIters` on (default 1). */
  readonly endFactor: number;
  /** Epochs over which the multiplier moves linearly from startFactor to endFactor (default 5). */
  readonly totalIters: number;
  constructor(optimizer: Optimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    checkOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
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

/** Options of `SequentialLR`. */
export interface SequentialLROptions {
  /** The schedulers to run one after another, all made on the same optimiser. */
  schedulers: readonly LRScheduler[];
  /** Strictly increasing epochs at which the next scheduler takes over; one fewer than `schedulers`. */
  milestones: readonly number[];
}

/**
 * Runs `schedulers[0]` until epoch `milestones[0]`, then `schedulers[1]` from its own epoch 0 (reset there, as
 * PyTorch's `step(0)` does), and so on (torch.optim.lr_scheduler.SequentialLR). Build the child schedulers
 * first, on the same optimiser; from then on step only the SequentialLR. Every child scales from the
 * optimiser's initial lr (see `LRScheduler.baseLr`), so lr = schedulers[i].lrAt(epoch − milestones[i−1]).
 *
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cosine = new CosineAnnealingLR(opt, { tMax: 45 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] }); // 50 epochs
 * ```
 */
export class SequentialLR extends LRScheduler {
  /** The schedulers run one after another. */
  readonly schedulers: readonly LRScheduler[];
  /** Epochs at which the next scheduler takes over. */
  readonly milestones: readonly number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    checkOptions('SequentialLR', options, ['schedulers', 'milestones']);
    super(optimizer);
    const { schedulers, milestones } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new RangeError('SequentialLR: schedulers must be a non-empty array');
    if (!Array.isArray(milestones)) throw new TypeError('SequentialLR: milestones must be an array of epochs');
    for (let i = 0; i < schedulers.length; i++) {
      const s = schedulers[i];
      if (!(s instanceof LRScheduler)) {
        throw new TypeError(
          `SequentialLR: schedulers[${i}] is not an epoch scheduler (StepLR, CosineAnnealingLR, LinearLR, …)` +
            (s instanceof ReduceLROnPlateau ? '; ReduceLROnPlateau needs a metric and cannot be chained' : ''),
        );
      }
      if (s instanceof SequentialLR)
        throw new TypeError(`SequentialLR: schedulers[${i}] is a SequentialLR (help: list its schedulers and milestones in this one)`);
      if (s.optimizer !== optimizer) {
        throw new RangeError(
          `SequentialLR: schedulers[${i}] belongs to a different optimizer than the one passed in (help: build every scheduler on the same optimizer)`,
        );
      }
    }
    if (milestones.length !== schedulers.length - 1) {
      throw new RangeError(
        `SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers ` +
          `(one fewer than the schedulers), got ${milestones.length}`,
      );
    }
    for (let i = 0; i < milestones.length; i++) {
      const m = milestones[i];
      if (!Number.isInteger(m) || m <= 0) throw new RangeError(`SequentialLR: milestones[${i}] must be a positive integer epoch, got ${m}`);
      if (i > 0 && m <= milestones[i - 1]) {
        throw new RangeError(`SequentialLR: milestones must be strictly increasing, got milestones[${i - 1}]=${milestones[i - 1]}, milestones[${i}]=${m}`);
      }
    }
    this.schedulers = Object.freeze(schedulers.slice());
    this.milestones = Object.freeze(milestones.slice());
    // As PyTorch: undo the construction step of every child (twice for a scheduler listed twice), then redo it for
    // the first only (lr back to its epoch 0). A later child starts from its epoch 0 at its milestone whatever its count.
    for (const s of this.schedulers) s.lastEpoch--;
    this.schedulers[0].lastEpoch++;
    this.init();
  }

  /** Index of the scheduler in charge at `epoch` (bisect_right over the milestones). */
  #index(epoch: number): number {
    let i = 0;
    while (i < this.milestones.length && this.milestones[i] <= epoch) i++;
    return i;
  }

  /**
   * The closed form: schedulers[i].lrAt(epoch − milestones[i − 1]) for the scheduler in charge. It equals the
   * stepped lr unless schedulers[0] is listed again later: PyTorch then undoes its construction step twice, which
   * shifts its first run one epoch late, and `step()` reproduces that.
   */
  lrAt(epoch: number): number {
    const i = this.#index(epoch);
    return this.schedulers[i].lrAt(i === 0 ? epoch : epoch - this.milestones[i - 1]);
  }

  /** Also the children's states, in order. */
  override stateDict(): SchedulerState {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: SchedulerState): void {
    const op = 'SequentialLR.loadStateDict';
    checkState(op, 'SequentialLR', state, ['last_epoch', 'base_lr']);
    const children = state.schedulers;
    if (!Array.isArray(children) || children.length !== this.schedulers.length) {
      throw new RangeError(
        `${op}: state has ${Array.isArray(children) ? children.length : 'no'} child states, this SequentialLR has ${this.schedulers.length} schedulers`,
      );
    }
    this.schedulers.forEach((s, i) => {
      if (children[i]?.type !== s.constructor.name)
        throw new TypeError(`${op}: child state ${i} is for ${String(children[i]?.type)}, not ${s.constructor.name}`);
    });
    super.loadStateDict(state);
    // A scheduler listed twice gets the state of its last listing, as PyTorch's loop leaves it.
    this.schedulers.forEach((s, i) => s.loadStateDict(children[i]));
  }

  /** Advances one epoch: steps the scheduler in charge, or restarts the next one at its epoch 0 on a milestone. */
  override step(): void {
    this.lastEpoch++;
    const i = this.#index(this.lastEpoch);
    const s = this.schedulers[i];
    if (i > 0 && this.milestones[i - 1] === this.lastEpoch) {
      s.lastEpoch = 0;
      this.optimizer.lr = s.lrAt(0);
    } else {
      s.step();
    }
  }
}

/** Options of `ReduceLROnPlateau` (PyTorch's defaults). */
export interface ReduceLROnPlateauOptions {
  /** 'min' (default): a lower metric is better (a loss); 'max': higher is better (an accuracy). */
  mode?: 'min' | 'max';
  /** Multiplier of lr on a plateau, < 1 (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Least change that counts as an improvement (default 1e-4), relative or absolute per `thresholdMode`. */
  threshold?: number;
  /** 'rel' (default): better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted (default 0). */
  cooldown?: number;
  /** lr never goes below this (default 0). */
  minLr?: number;
  /** A reduction smaller than this is skipped (default 1e-8). */
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
  /** The optimiser whose `lr` this scheduler lowers. */
  readonly optimizer: Optimizer;
  /** See {@link ReduceLROnPlateauOptions.mode}. */
  readonly mode: 'min' | 'max';
  /** See {@link ReduceLROnPlateauOptions.factor}. */
  readonly factor: number;
  /** See {@link ReduceLROnPlateauOptions.patience}. */
  readonly patience: number;
  /** See {@link ReduceLROnPlateauOptions.threshold}. */
  readonly threshold: number;
  /** See {@link ReduceLROnPlateauOptions.thresholdMode}. */
  readonly thresholdMode: 'rel' | 'abs';
  /** See {@link ReduceLROnPlateauOptions.cooldown}. */
  readonly cooldown: number;
  /** See {@link ReduceLROnPlateauOptions.minLr}. */
  readonly minLr: number;
  /** See {@link ReduceLROnPlateauOptions.eps}. */
  readonly eps: number;
  /** Best metric so far (±Infinity before the first step). */
  best: number;
  /** Epochs since the metric last improved. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Number of `step()` calls so far. */
  lastEpoch = 0;

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    checkOptions('ReduceLROnPlateau', options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
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
    const best = this.best,
      t = this.threshold;
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

  /** The lr the optimiser has now (PyTorch's `get_last_lr()[0]`). */
  getLastLr(): number {
    return this.optimizer.lr;
  }

  /** The state to resume from (`best` null until a metric is seen); see `LRScheduler.stateDict`. */
  stateDict(): SchedulerState {
    return {
      type: 'ReduceLROnPlateau',
      last_epoch: this.lastEpoch,
      best: Number.isFinite(this.best) ? this.best : null,
      num_bad_epochs: this.numBadEpochs,
      cooldown_counter: this.cooldownCounter,
    };
  }

  /** Restores `stateDict()`'s state (the lr itself comes back with the optimiser, as in PyTorch). */
  loadStateDict(state: SchedulerState): void {
    checkState('ReduceLROnPlateau.loadStateDict', 'ReduceLROnPlateau', state, ['last_epoch', 'best', 'num_bad_epochs', 'cooldown_counter'], ['best']);
    this.lastEpoch = state.last_epoch;
    this.best = state.best === null || state.best === undefined ? (this.mode === 'min' ? Infinity : -Infinity) : state.best;
    this.numBadEpochs = state.num_bad_epochs as number;
    this.cooldownCounter = state.cooldown_counter as number;
  }
}

/**
 * Rescales gradients so their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_: scale by
 * maxNorm/(norm + 1e-6) when that is < 1). Returns the norm before clipping. Mutates the gradients.
 * Throws on a non-finite norm when `errorIfNonfinite`.
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number, options: { errorIfNonfinite?: boolean } = {}): number {
  checkOptions('clipGradNorm', options, ['errorIfNonfinite']);
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
