// Optimisers with PyTorch's update rules and argument checks: SGD, Adam, AdamW.
// One parameter group; `lr` is a public field that schedulers write. State tensors are allocated once, lazily.

import { type Tensor, adamStep, sgdStep, zeros, checkOptions } from '@timbre/tensor';
import type { Parameter } from './module.js';

/** Optimiser state in PyTorch's `state_dict()` shape: tensors keyed `state.<paramIndex>.<name>`, plus JSON. */
export interface OptimizerState {
  /** e.g. `state.0.momentum_buffer`, `state.3.exp_avg`. */
  tensors: Record<string, Tensor>;
  /** Optimiser type, hyper-parameters (PyTorch's snake_case names), step counts. */
  meta: {
    /** The optimiser's class name (`'SGD'`, `'Adam'`, `'AdamW'`). */
    type: string;
    /** One group: `lr`, `initial_lr`, the hyper-parameters and the parameter indices. */
    paramGroups: Record<string, unknown>[];
    /** `step()` count of each parameter. */
    step: number[];
  };
}

/** Base class: holds the parameters and the learning rate, zeroes gradients, saves and restores state. */
export abstract class Optimizer {
  /** The parameters this optimiser steps, in order (frozen; each listed once). */
  readonly params: readonly Parameter[];
  /** Current learning rate (schedulers change it). */
  lr: number;
  /** The lr the optimiser was built with (schedulers scale from it). */
  readonly initialLr: number;
  /** Number of `step()` calls per parameter (PyTorch's `state[p]['step']`). */
  protected readonly steps: Float64Array;

  constructor(params: Iterable<Parameter>, lr: number) {
    this.params = Object.freeze(Array.from(params));
    const index = new Map<Parameter, number>();
    for (let i = 0; i < this.params.length; i++) {
      const first = index.get(this.params[i]);
      if (first !== undefined) {
        throw new RangeError(
          `${new.target.name}: some parameters appear more than once in the parameter list (parameter ${i} is parameter ${first}; ` +
            'each would be stepped twice) (help: pass model.parameters(), which lists a shared parameter once)',
        );
      }
      index.set(this.params[i], i);
    }
    if (this.params.length === 0) {
      throw new RangeError(
        `${new.target.name}: optimizer got an empty parameter list (help: model.parameters() finds the Parameter ` +
          'and Module fields of a module and of its children; check that the layers are fields of your module, e.g. `fc1 = new Linear(3, 4)`, ' +
          'or in an array, ModuleList or ModuleDict field)',
      );
    }
    this.lr = lr;
    this.initialLr = lr;
    this.steps = new Float64Array(this.params.length);
  }

  /** Sets every parameter's gradient to zero. */
  zeroGrad(): void {
    const ps = this.params;
    for (let i = 0; i < ps.length; i++) ps[i].grad.zero();
  }

  /** Applies one update using the current gradients. */
  abstract step(): void;

  /** The hyper-parameters saved in `stateDict().meta.paramGroups[0]`, under PyTorch's snake_case names. */
  protected abstract hyper(): Record<string, unknown>;
  /** The state tensors of parameter `i` with their PyTorch names (e.g. `momentum_buffer`); live tensors, not copies. */
  protected abstract stateTensors(i: number): [string, Tensor][];

  /** The optimiser state (live tensors, not copies) in PyTorch's layout; see `saveOptimizer`. */
  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    for (let i = 0; i < this.params.length; i++) {
      for (const [n, t] of this.stateTensors(i)) tensors[`state.${i}.${n}`] = t;
    }
    return {
      tensors,
      meta: {
        type: this.constructor.name,
        paramGroups: [{ lr: this.lr, initial_lr: this.initialLr, ...this.hyper(), params: this.params.map((_, i) => i) }],
        step: Array.from(this.steps),
      },
    };
  }

  /** Restores a state from `stateDict()` (same optimiser type and parameter shapes). */
  loadStateDict(state: OptimizerState): void {
    const op = `${this.constructor.name}.loadStateDict`;
    if (state.meta.type !== this.constructor.name) throw new TypeError(`${op}: state is for ${state.meta.type}, not ${this.constructor.name}`);
    if (state.meta.step.length !== this.params.length) {
      throw new RangeError(`${op}: state has ${state.meta.step.length} parameters, this optimiser has ${this.params.length}`);
    }
    const group = state.meta.paramGroups[0] ?? {};
    if (typeof group.lr === 'number') this.lr = group.lr;
    this.loadHyper(group);
    for (let i = 0; i < this.params.length; i++) {
      this.steps[i] = state.meta.step[i];
      if (this.steps[i] === 0) continue;
      for (const [n, t] of this.stateTensors(i)) {
        const src = state.tensors[`state.${i}.${n}`];
        if (src === undefined) throw new RangeError(`${op}: missing state.${i}.${n}`);
        if (src.size !== t.size) throw new RangeError(`${op}: state.${i}.${n} has ${src.size} values, parameter ${i} needs ${t.size}`);
        t.data.set(src.data);
      }
    }
  }

  /** Reads back what `hyper()` saved; the default ignores it. */
  protected loadHyper(_group: Record<string, unknown>): void {}
}

/** Options of `SGD` (PyTorch's defaults, lr 1e-3 as the house style fixes it). */
export interface SGDOptions {
  /** Learning rate, ≥ 0 (default 1e-3). */
  lr?: number;
  /** Momentum factor μ, ≥ 0 (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the gradient added to the momentum buffer (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient as wd·p, ≥ 0 (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, torch.optim.SGD's rule: g += wd·p; buf = g (first step) or μ·buf + (1−dampening)·g;
 * p -= lr·(nesterov ? g + μ·buf : buf).
 *
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
 * opt.zeroGrad(); model.backward(lossFn.backward(), false); opt.step();
 * ```
 */
export class SGD extends Optimizer {
  /** See {@link SGDOptions.momentum}. */
  readonly momentum: number;
  /** See {@link SGDOptions.dampening}. */
  readonly dampening: number;
  /** See {@link SGDOptions.weightDecay}. */
  readonly weightDecay: number;
  /** See {@link SGDOptions.nesterov}. */
  readonly nesterov: boolean;
  #bufs: (Tensor | null)[];

  constructor(params: Iterable<Parameter>, options: SGDOptions = {}) {
    checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
    const { lr = 1e-3, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${lr}`);
    if (!(momentum >= 0)) throw new RangeError(`Invalid momentum value: ${momentum}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${weightDecay}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new RangeError('Nesterov momentum requires a momentum and zero dampening');
    super(params, lr);
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.#bufs = this.params.map((p) => (momentum === 0 ? null : zeros(p.shape)));
  }

  step(): void {
    const ps = this.params,
      bufs = this.#bufs;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i],
        buf = bufs[i];
      sgdStep(
        p.data,
        p.grad.data,
        buf === null ? p.grad.data : buf.data,
        p.size,
        this.lr,
        this.momentum,
        this.dampening,
        this.weightDecay,
        this.nesterov,
        this.steps[i] === 0,
      );
      this.steps[i]++;
    }
  }

  protected hyper(): Record<string, unknown> {
    return { momentum: this.momentum, dampening: this.dampening, weight_decay: this.weightDecay, nesterov: this.nesterov };
  }

  protected stateTensors(i: number): [string, Tensor][] {
    const b = this.#bufs[i];
    return b === null ? [] : [['momentum_buffer', b]];
  }
}

/** Options of `Adam` and `AdamW` (PyTorch's defaults; AdamW's weightDecay defaults to 0.01). */
export interface AdamOptions {
  /** Learning rate, ≥ 0 (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator √v̂ + eps for stability (default 1e-8). */
  eps?: number;
  /** Weight decay, ≥ 0: an L2 term in the gradient for Adam (default 0), decoupled p *= 1 − lr·wd for AdamW (default 0.01). */
  weightDecay?: number;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad?: boolean;
}

/**
 * Adam (torch.optim.Adam): L2 weight decay added to the gradient, bias-corrected moments, optional AMSGrad.
 *
 * ```ts
 * const opt = new Adam(model.parameters(), { lr: 0.01 });
 * ```
 */
export class Adam extends Optimizer {
  /** First-moment decay rate (`betas[0]`). */
  readonly beta1: number;
  /** Second-moment decay rate (`betas[1]`). */
  readonly beta2: number;
  /** See {@link AdamOptions.eps}. */
  readonly eps: number;
  /** See {@link AdamOptions.weightDecay}. */
  readonly weightDecay: number;
  /** See {@link AdamOptions.amsgrad}. */
  readonly amsgrad: boolean;
  /** True for AdamW: weight decay is applied to the parameters, not added to the gradient. */
  protected readonly decoupled: boolean = false;
  #m: Tensor[];
  #v: Tensor[];
  #vmax: (Tensor | null)[];

  constructor(params: Iterable<Parameter>, options: AdamOptions = {}) {
    checkOptions(new.target.name, options, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad']);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = new.target === AdamW ? 1e-2 : 0, amsgrad = false } = options;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${lr}`);
    if (!(eps >= 0)) throw new RangeError(`Invalid epsilon value: ${eps}`);
    if (!(betas[0] >= 0 && betas[0] < 1)) throw new RangeError(`Invalid beta parameter at index 0: ${betas[0]}`);
    if (!(betas[1] >= 0 && betas[1] < 1)) throw new RangeError(`Invalid beta parameter at index 1: ${betas[1]}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${weightDecay}`);
    super(params, lr);
    this.beta1 = betas[0];
    this.beta2 = betas[1];
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.amsgrad = amsgrad;
    this.#m = this.params.map((p) => zeros(p.shape));
    this.#v = this.params.map((p) => zeros(p.shape));
    this.#vmax = this.params.map((p) => (amsgrad ? zeros(p.shape) : null));
  }

  step(): void {
    const ps = this.params;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i],
        vmax = this.#vmax[i];
      const t = ++this.steps[i];
      adamStep(
        p.data,
        p.grad.data,
        this.#m[i].data,
        this.#v[i].data,
        vmax === null ? null : vmax.data,
        p.size,
        this.lr,
        this.beta1,
        this.beta2,
        this.eps,
        this.weightDecay,
        this.decoupled,
        t,
      );
    }
  }

  protected hyper(): Record<string, unknown> {
    return { betas: [this.beta1, this.beta2], eps: this.eps, weight_decay: this.weightDecay, amsgrad: this.amsgrad };
  }

  protected stateTensors(i: number): [string, Tensor][] {
    const out: [string, Tensor][] = [
      ['exp_avg', this.#m[i]],
      ['exp_avg_sq', this.#v[i]],
    ];
    const vmax = this.#vmax[i];
    if (vmax !== null) out.push(['max_exp_avg_sq', vmax]);
    return out;
  }
}

/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay, p *= 1 − lr·wd before the Adam update.
 * weightDecay defaults to 0.01 as in PyTorch.
 *
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
}
