// fit: the Keras/tfjs-style training loop over the same pieces a hand-written loop uses (model, loss,
// optimiser, DataLoader, scheduler, EarlyStopping). It draws no random numbers itself and runs exactly the
// steps of the loop in its doc comment, so its numbers equal that loop's.

import { type Tensor, checkOptions } from '@timbre/tensor';
import type { DataLoader } from './data.js';
import { EarlyStopping } from './early-stopping.js';
import { type LRScheduler, ReduceLROnPlateau } from './lr-scheduler.js';
import { REUSE, type CallOptions, type Module } from './module.js';
import type { Optimizer } from './optim.js';

/** A loss `fit` can train with: CrossEntropyLoss (Int32Array labels), MSELoss (tensor targets) or your own. */
export interface FitLoss<Y> {
  /** The loss of `output` against `target`, as a scalar tensor (its mean over the batch, for `fit`'s epoch loss). */
  forward(output: Tensor, target: Y, options?: CallOptions): Tensor;
  /** d loss / d output for the last forward, shaped like the output. */
  backward(dout?: Tensor, options?: CallOptions): Tensor;
}

/** One epoch's numbers, as `fit` records them in its history and passes to `onEpochEnd`. */
export interface EpochLog {
  /** 0-based. */
  epoch: number;
  /** Mean training loss over the epoch's rows (each batch's loss weighted by its rows, as Keras reports it). */
  loss: number;
  /** Training accuracy over the epoch (Int32Array labels only): argmax of the outputs while training. */
  accuracy?: number;
  /** Loss on the validation data, in eval mode, after the epoch's last step. */
  valLoss?: number;
  /** Accuracy on the validation data (Int32Array labels only). */
  valAccuracy?: number;
  /** The learning rate the epoch trained with (before the scheduler's step). */
  lr: number;
}

/** Early stopping in `fit`: what to watch and how long to wait. */
export interface FitEarlyStopping {
  /** The EpochLog field to watch (default 'valLoss' with validation data, else 'loss'); accuracies are maximised. */
  monitor?: 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';
  /** Epochs without improvement before stopping (default 10). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Load the best epoch's weights back when training ends (default true). */
  restoreBest?: boolean;
}

/** Options of `fit`. */
export interface FitOptions<Y extends Int32Array | Tensor> {
  /** The loss to minimise, e.g. `new CrossEntropyLoss()`. */
  loss: FitLoss<Y>;
  /** Steps the model's parameters once per batch. */
  optimizer: Optimizer;
  /** Epochs to train (at most, with early stopping). */
  epochs: number;
  /** Data scored after every epoch in eval mode: tensors, or a DataLoader over them. */
  validation?:
    | {
        /** Validation inputs, one row per sample. */
        x: Tensor;
        /** Validation targets, one per row of `x`. */
        y: Y;
      }
    | DataLoader<Y>;
  /** Stepped once per epoch after validation; ReduceLROnPlateau with the validation loss (the training loss without validation data). */
  scheduler?: LRScheduler | ReduceLROnPlateau;
  /** Stop when the monitored value stops improving (and, by default, restore the best epoch's weights). */
  earlyStopping?: FitEarlyStopping;
  /** Called after each epoch with its log; return 'stop' to end training. */
  onEpochEnd?: (log: EpochLog) => void | 'stop';
  /**
   * A progress line per epoch, rewritten as batches complete. Default: on when stderr is a terminal
   * (`process.stderr.isTTY`), never in a pipe, file or CI log. A `{ write }` object receives the text instead.
   */
  progress?:
    | boolean
    | {
        /** Receives the progress text, with `\r` and `\n` as a terminal would. */
        write(text: string): unknown;
      };
}

/** What `fit` returns: one log per epoch trained, and where early stopping found the best epoch. */
export interface History {
  /** One log per epoch trained, in order. */
  epochs: EpochLog[];
  /** Epoch of the best monitored value (early stopping only; its weights are the model's when restoreBest). */
  bestEpoch: number | null;
  /** True when early stopping or a callback ended training before `epochs`. */
  stoppedEarly: boolean;
}

const FIT_OPTIONS = ['loss', 'optimizer', 'epochs', 'validation', 'scheduler', 'earlyStopping', 'onEpochEnd', 'progress'];

/**
 * Trains `model` on `data` for `options.epochs` epochs (Keras's `model.fit`). Each epoch runs exactly
 *
 * ```ts
 * model.train();
 * for (const b of data) { opt.zeroGrad(); loss.forward(model.forward(b.x), b.y); model.backward(loss.backward(), false); opt.step(); }
 * model.eval(); // validation loss (and accuracy), then scheduler.step(), early stopping, onEpochEnd
 * ```
 *
 * so its weights equal that loop's, bit for bit. Training is as reproducible as the loader's `rng`.
 * The model is left in eval mode.
 *
 * ```ts
 * const history = fit(model, new DataLoader(x, y, { batchSize: 64, shuffle: true, rng }), {
 *   loss: new CrossEntropyLoss(), optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 50,
 *   validation: { x: valX, y: valY }, earlyStopping: { patience: 5 },
 * });
 * ```
 */
export function fit<Y extends Int32Array | Tensor>(model: Module, data: DataLoader<Y>, options: FitOptions<Y>): History {
  checkOptions('fit', options, FIT_OPTIONS);
  const { loss, optimizer, epochs, validation, scheduler, earlyStopping, onEpochEnd, progress } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (loss === undefined || optimizer === undefined) throw new TypeError('fit: options.loss and options.optimizer are required');
  const out = progressSink(progress);
  let stopper: EarlyStopping | null = null,
    monitor: keyof EpochLog = 'loss',
    restoreBest = true;
  if (earlyStopping !== undefined) {
    checkOptions('fit: earlyStopping', earlyStopping, ['monitor', 'patience', 'minDelta', 'restoreBest']);
    monitor = earlyStopping.monitor ?? (validation === undefined ? 'loss' : 'valLoss');
    if (monitor.startsWith('val') && validation === undefined) throw new RangeError(`fit: earlyStopping monitors '${monitor}' but there is no validation data`);
    restoreBest = earlyStopping.restoreBest ?? true;
    stopper = new EarlyStopping(model, {
      patience: earlyStopping.patience,
      minDelta: earlyStopping.minDelta,
      mode: monitor.endsWith('ccuracy') ? 'max' : 'min',
    });
  }
  const history: History = { epochs: [], bestEpoch: null, stoppedEarly: false };
  const labels = data.y instanceof Int32Array;
  const every = Math.max(1, Math.floor(data.length / 50)); // the progress line is rewritten about 50 times an epoch
  for (let epoch = 0; epoch < epochs; epoch++) {
    const lr = optimizer.lr;
    model.train();
    let total = 0,
      rows = 0,
      correct = 0;
    for (const b of data) {
      optimizer.zeroGrad();
      const output = model.forward(b.x, REUSE);
      total += loss.forward(output, b.y, REUSE).item() * b.size;
      if (labels) correct += countCorrect(output, b.y as Int32Array);
      model.backward(loss.backward(undefined, REUSE), false, REUSE);
      optimizer.step();
      rows += b.size;
      if (out !== null && ((b.index + 1) % every === 0 || b.index + 1 === data.length)) {
        out.write(`\repoch ${epoch + 1}/${epochs}  batch ${b.index + 1}/${data.length}  loss ${(total / rows).toFixed(4)}`);
      }
    }
    const log: EpochLog = { epoch, loss: total / rows, lr };
    if (labels) log.accuracy = correct / rows;
    model.eval();
    if (validation !== undefined) Object.assign(log, evaluate(model, loss, validation));
    const watched = log[monitor];
    if (scheduler instanceof ReduceLROnPlateau) scheduler.step(log.valLoss ?? log.loss);
    else if (scheduler !== undefined) scheduler.step();
    history.epochs.push(log);
    if (out !== null) out.write(`\r${formatLog(log, epochs)}\n`);
    let stop = false;
    if (stopper !== null) {
      if (watched === undefined || Number.isNaN(watched)) throw new RangeError(`fit: the monitored '${monitor}' is ${watched} at epoch ${epoch}`);
      stop = stopper.step(watched);
      history.bestEpoch = stopper.bestEpoch;
    }
    if (onEpochEnd !== undefined && onEpochEnd(log) === 'stop') stop = true;
    if (stop) {
      history.stoppedEarly = epoch < epochs - 1;
      break;
    }
  }
  if (stopper !== null && restoreBest && stopper.bestEpoch >= 0) stopper.restoreBest();
  model.eval();
  return history;
}

/** Loss (and accuracy, for labels) of `model` in its current mode on tensors or a loader, weighted by rows. */
function evaluate<Y extends Int32Array | Tensor>(
  model: Module,
  loss: FitLoss<Y>,
  data: { x: Tensor; y: Y } | DataLoader<Y>,
): { valLoss: number; valAccuracy?: number } {
  const batches: Iterable<{ x: Tensor; y: Y; size: number }> = Symbol.iterator in data ? data : [{ x: data.x, y: data.y, size: data.x.shape[0] }];
  let total = 0,
    rows = 0,
    correct = 0,
    labels = false;
  for (const b of batches) {
    const output = model.forward(b.x, REUSE);
    total += loss.forward(output, b.y, REUSE).item() * b.size;
    if (b.y instanceof Int32Array) {
      labels = true;
      correct += countCorrect(output, b.y);
    }
    rows += b.size;
  }
  return labels ? { valLoss: total / rows, valAccuracy: correct / rows } : { valLoss: total / rows };
}

/** Rows of `output` [B, C] whose first largest entry is at the label's index. */
function countCorrect(output: Tensor, labels: Int32Array): number {
  if (output.shape.length !== 2) return 0;
  const B = output.shape[0],
    C = output.shape[1],
    d = output.data;
  let n = 0;
  for (let b = 0; b < B; b++) {
    const row = b * C;
    let best = 0;
    for (let c = 1; c < C; c++) if (d[row + c] > d[row + best]) best = c;
    if (best === labels[b]) n++;
  }
  return n;
}

function formatLog(log: EpochLog, epochs: number): string {
  let s = `epoch ${log.epoch + 1}/${epochs}  loss ${log.loss.toFixed(4)}`;
  if (log.accuracy !== undefined) s += `  accuracy ${log.accuracy.toFixed(4)}`;
  if (log.valLoss !== undefined) s += `  valLoss ${log.valLoss.toFixed(4)}`;
  if (log.valAccuracy !== undefined) s += `  valAccuracy ${log.valAccuracy.toFixed(4)}`;
  return `${s}  lr ${log.lr}`;
}

function progressSink(progress: FitOptions<never>['progress']): { write(text: string): unknown } | null {
  if (progress === false) return null;
  if (progress === true || progress === undefined) {
    const tty = typeof process !== 'undefined' && process.stderr.isTTY === true;
    return progress === true || tty ? process.stderr : null;
  }
  if (typeof progress.write !== 'function') throw new TypeError('fit: progress must be a boolean or an object with a write(text) method');
  return progress;
}
