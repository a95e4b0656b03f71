// Early stopping on a validation metric: keeps a copy of the best weights and restores them on request.

import { type Tensor, checkOptions } from '@timbre/tensor';
import type { Module } from './module.js';

/**
 * Stops training after `patience` epochs without an improvement larger than `minDelta`, and keeps a
 * snapshot of the best state dict (parameters and buffers).
 *
 * ```ts
 * const stopper = new EarlyStopping(model, { patience: 5 });
 * for (let epoch = 0; ; epoch++) { train(); if (stopper.step(validate())) break; }
 * stopper.restoreBest();  // the weights of the best epoch
 * ```
 */
export class EarlyStopping {
  /** The module whose state dict is snapshotted at the best epoch. */
  readonly module: Module;
  /** Epochs without improvement before `step` returns true (default 10). */
  readonly patience: number;
  /** Least change that counts as an improvement (default 0). */
  readonly minDelta: number;
  /** 'min' (default): lower is better (a loss); 'max': higher is better (an accuracy). */
  readonly mode: 'min' | 'max';
  /** Best metric so far. */
  best: number;
  /** Epoch index (count of `step` calls − 1) of the best metric, −1 before the first step. */
  bestEpoch = -1;
  /** Consecutive epochs since the last improvement. */
  epochsWithoutImprovement = 0;
  #epoch = -1;
  #snapshot: Record<string, Tensor> | null = null;

  constructor(module: Module, options: { patience?: number; minDelta?: number; mode?: 'min' | 'max' } = {}) {
    checkOptions('EarlyStopping', options, ['patience', 'minDelta', 'mode']);
    const { patience = 10, minDelta = 0, mode = 'min' } = options;
    if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`EarlyStopping: patience must be a non-negative integer, got ${patience}`);
    if (!(minDelta >= 0)) throw new RangeError(`EarlyStopping: minDelta must be non-negative, got ${minDelta}`);
    this.module = module;
    this.patience = patience;
    this.minDelta = minDelta;
    this.mode = mode;
    this.best = mode === 'min' ? Infinity : -Infinity;
  }

  /** Records this epoch's metric; snapshots the weights when it improved. Returns true when training should stop. */
  step(metric: number): boolean {
    if (Number.isNaN(metric)) throw new RangeError('EarlyStopping.step: metric is NaN');
    this.#epoch++;
    const better = this.mode === 'min' ? metric < this.best - this.minDelta : metric > this.best + this.minDelta;
    if (better) {
      this.best = metric;
      this.bestEpoch = this.#epoch;
      this.epochsWithoutImprovement = 0;
      const sd = this.module.stateDict();
      if (this.#snapshot === null) {
        this.#snapshot = {};
        for (const [k, t] of Object.entries(sd)) this.#snapshot[k] = t.clone();
      } else {
        for (const [k, t] of Object.entries(sd)) this.#snapshot[k].data.set(t.data);
      }
    } else {
      this.epochsWithoutImprovement++;
    }
    return this.epochsWithoutImprovement > this.patience;
  }

  /** Copies the best weights back into the module. Throws if `step` never recorded one. */
  restoreBest(): void {
    if (this.#snapshot === null) throw new Error('EarlyStopping.restoreBest: no epoch recorded yet (call step(metric) first)');
    this.module.loadStateDict(this.#snapshot);
  }
}
