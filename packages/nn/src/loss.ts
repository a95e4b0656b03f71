// Losses: CrossEntropyLoss (fused log-softmax; class weights and label smoothing with PyTorch's semantics) and MSELoss.
// forward returns the loss and backward dLoss/dInput: fresh tensors, or with { reuse: true } buffers the loss object reuses.

import {
  Tensor,
  ShapeError,
  crossEntropyBackward,
  crossEntropyForward,
  formatShape,
  fromArray,
  squaredErrorBackward,
  squaredErrorForward,
  zeros,
  checkOptions,
} from '@timbre/tensor';
import { BufferSlots, handOut, staged, type CallOptions } from './module.js';

/** How per-sample losses are combined: PyTorch's `reduction`. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of `CrossEntropyLoss` (PyTorch's names in camelCase). */
export interface CrossEntropyLossOptions {
  /** Per-class weight [C]; 'mean' then divides by Σ weight[label] instead of B, as PyTorch does. */
  weight?: Tensor | ArrayLike<number> | null;
  /** 'mean' (default), 'sum' or 'none' (per-sample losses [B]). */
  reduction?: Reduction;
  /** Label smoothing ε in [0, 1] (default 0): target = (1−ε)·onehot + ε/C, combined with weights like PyTorch. */
  labelSmoothing?: number;
  /**
   * Rows with this label contribute nothing and are left out of the 'mean' denominator (PyTorch's ignore_index).
   * Default null: every label must be a class id. (PyTorch defaults to −100; set `ignoreIndex: -100` for that.)
   */
  ignoreIndex?: number | null;
}

function checkReduction(op: string, r: string): void {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new RangeError(`${op}: ${r} is not a valid value for reduction (use 'mean', 'sum' or 'none')`);
}

/**
 * Softmax cross-entropy between logits [B, C] and integer labels (Int32Array, length B).
 * Stable for any finite logits (log-sum-exp shifted by the row max, float64 sums).
 *
 * ```ts
 * const lossFn = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(logits, labels).item();
 * model.backward(lossFn.backward());
 * ```
 */
export class CrossEntropyLoss {
  /** See {@link CrossEntropyLossOptions.reduction}. */
  readonly reduction: Reduction;
  /** See {@link CrossEntropyLossOptions.labelSmoothing}. */
  readonly labelSmoothing: number;
  /** Per-class weight [C], or null for none. */
  readonly weight: Tensor | null;
  /** See {@link CrossEntropyLossOptions.ignoreIndex}. */
  readonly ignoreIndex: number | null;
  #losses = new BufferSlots(); // [B] per-sample losses
  #probs = new BufferSlots(); // [B, C] softmax, saved for backward
  #dlogits = new BufferSlots();
  #dloss = new BufferSlots(); // [B] d(reduced)/d(loss_b)
  #logitsIn = new BufferSlots(); // logits from outside WebAssembly memory, staged (see staged())
  #scalar = zeros([]);
  #labels: Int32Array | null = null;
  #kernelLabels: Int32Array | null = null;
  #labelBuf: Int32Array | null = null;
  #nIgnored = 0;
  #B = 0;
  #C = 0;
  #denominator = 1;

  constructor(options: CrossEntropyLossOptions = {}) {
    checkOptions('CrossEntropyLoss', options, ['weight', 'reduction', 'labelSmoothing', 'ignoreIndex']);
    const { weight = null, reduction = 'mean', labelSmoothing = 0, ignoreIndex = null } = options;
    if (ignoreIndex !== null && !Number.isInteger(ignoreIndex))
      throw new RangeError(`CrossEntropyLoss: ignoreIndex must be an integer or null, got ${ignoreIndex}`);
    this.ignoreIndex = ignoreIndex;
    checkReduction('CrossEntropyLoss', reduction);
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new RangeError(`CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
    }
    this.reduction = reduction;
    this.labelSmoothing = labelSmoothing;
    if (weight === null) {
      this.weight = null;
    } else {
      const w = weight instanceof Tensor ? weight.clone() : fromArray(Array.from(weight as ArrayLike<number>));
      if (w.shape.length !== 1) throw new ShapeError(`CrossEntropyLoss: weight ${formatShape(w.shape)} must be 1-D [classes]`);
      for (let c = 0; c < w.size; c++) {
        if (!Number.isFinite(w.data[c]) || w.data[c] < 0) throw new RangeError(`CrossEntropyLoss: weight[${c}]=${w.data[c]} must be finite and non-negative`);
      }
      this.weight = w;
    }
  }

  /**
   * Loss of `logits` [B, C] against `labels` (B class ids in [0, C)). Returns a scalar tensor for
   * 'mean'/'sum' or [B] for 'none': fresh, or with `{ reuse: true }` the loss's own (valid until the next forward).
   * Throws if a label is out of range or the loss is not finite (naming the first non-finite logit).
   */
  forward(input: Tensor, labels: Int32Array, options?: CallOptions): Tensor {
    const op = 'CrossEntropyLoss.forward';
    const logits = staged(this.#logitsIn, input);
    if (logits.shape.length !== 2) throw new ShapeError(`${op}: logits ${formatShape(logits.shape)} must be 2-D [batch, classes]`);
    const B = logits.shape[0],
      C = logits.shape[1];
    if (!(labels instanceof Int32Array)) throw new TypeError(`${op}: labels must be an Int32Array of class ids`);
    if (labels.length !== B) {
      throw new ShapeError(
        `${op}: labels [${labels.length}] do not match logits ${formatShape(logits.shape)} (labels.length=${labels.length}, logits.shape[0]=${B})`,
      );
    }
    const w = this.weight;
    if (w !== null && w.size !== C) {
      throw new ShapeError(
        `${op}: weight ${formatShape(w.shape)} does not match logits ${formatShape(logits.shape)} (weight.shape[0]=${w.size}, logits.shape[1]=${C})`,
      );
    }
    const ignore = this.ignoreIndex ?? NaN; // NaN equals no label: nothing is ignored
    let nIgnored = 0;
    for (let b = 0; b < B; b++) {
      const y = labels[b];
      if ((y < 0 || y >= C) && y !== ignore) {
        throw new RangeError(
          `${op}: label ${y} at index ${b} is out of range for ${C} classes (expected 0..${C - 1}` +
            `${this.ignoreIndex === null ? '' : ` or ignoreIndex ${this.ignoreIndex}`})`,
        );
      }
      if (y === ignore) nIgnored++;
    }
    // The kernels know nothing of ignored rows: they see label 0 there, and the rows' losses (here) and
    // per-row gradient scales (in backward) are zeroed, which drops them exactly.
    let kernelLabels = labels;
    if (nIgnored > 0) {
      if (this.#labelBuf === null || this.#labelBuf.length !== B) this.#labelBuf = new Int32Array(B);
      kernelLabels = this.#labelBuf;
      for (let b = 0; b < B; b++) kernelLabels[b] = labels[b] === ignore ? 0 : labels[b];
    }
    const losses = this.#losses.vec(B),
      probs = this.#probs.get(B, C);
    crossEntropyForward(losses.data, probs.data, logits.data, kernelLabels, w === null ? null : w.data, B, C, this.labelSmoothing);
    const ld = losses.data;
    if (nIgnored > 0) for (let b = 0; b < B; b++) if (labels[b] === ignore) ld[b] = 0;
    let total = 0;
    for (let b = 0; b < B; b++) total += ld[b];
    let denom = 1;
    if (this.reduction === 'mean') {
      denom = 0; // Σ w[label] over the rows not ignored (the row count without weights), as PyTorch
      for (let b = 0; b < B; b++) if (labels[b] !== ignore) denom += w === null ? 1 : w.data[labels[b]];
    }
    if (!Number.isFinite(total)) throw nonFinite(op, logits, total);
    this.#labels = labels;
    this.#kernelLabels = kernelLabels;
    this.#nIgnored = nIgnored;
    this.#B = B;
    this.#C = C;
    this.#denominator = denom;
    if (this.reduction === 'none') return handOut(op, losses, options);
    this.#scalar.data[0] = total / denom; // no rows (or all ignored) under 'mean' gives NaN, like PyTorch
    return handOut(op, this.#scalar, options);
  }

  /**
   * dLoss/dLogits [B, C] for the last forward (fresh, or the loss's own with `reuse`). `dout` scales the result: a scalar
   * tensor for 'mean'/'sum' (default 1), or [B] per-sample gradients for 'none' (default ones).
   */
  backward(dout?: Tensor, options?: CallOptions): Tensor {
    const op = 'CrossEntropyLoss.backward';
    const labels = this.#labels;
    if (labels === null) throw new Error(`${op}: call forward() first`);
    const B = this.#B,
      C = this.#C;
    const dloss = this.#dloss.vec(B).data;
    if (this.reduction === 'none') {
      if (dout === undefined) dloss.fill(1);
      else {
        if (dout.size !== B) throw new ShapeError(`${op}: dout ${formatShape(dout.shape)} does not match the per-sample losses [${B}]`);
        dloss.set(dout.data);
      }
    } else {
      if (dout !== undefined && dout.size !== 1)
        throw new ShapeError(`${op}: dout ${formatShape(dout.shape)} must be a scalar for reduction '${this.reduction}'`);
      const g = dout === undefined ? 1 : dout.data[0];
      dloss.fill(g / this.#denominator);
    }
    if (this.#nIgnored > 0) for (let b = 0; b < B; b++) if (labels[b] === this.ignoreIndex) dloss[b] = 0;
    const d = this.#dlogits.get(B, C);
    d.zero();
    crossEntropyBackward(
      d.data,
      dloss,
      this.#probs.get(B, C).data,
      this.#kernelLabels as Int32Array,
      this.weight === null ? null : this.weight.data,
      B,
      C,
      this.labelSmoothing,
    );
    return handOut(op, d, options);
  }
}

/**
 * Mean squared error between input and target of the same shape; reduction 'mean' (default), 'sum' or 'none'.
 *
 * ```ts
 * const mse = new MSELoss();
 * mse.forward(fromArray([1, 2, 3]), fromArray([1, 0, 0])).item(); // (0 + 4 + 9) / 3
 * const dInput = mse.backward();
 * ```
 */
export class MSELoss {
  /** 'mean' (default), 'sum' or 'none' (element-wise squared errors). */
  readonly reduction: Reduction;
  #errs = new BufferSlots();
  #dloss = new BufferSlots();
  #dx = new BufferSlots();
  #scalar = zeros([]);
  #input: Tensor | null = null;
  #target: Tensor | null = null;

  constructor(options: { reduction?: Reduction } = {}) {
    checkOptions('MSELoss', options, ['reduction']);
    const { reduction = 'mean' } = options;
    checkReduction('MSELoss', reduction);
    this.reduction = reduction;
  }

  /** Returns a scalar tensor ('mean'/'sum') or the element-wise squared errors ('none'); fresh, or the loss's own with `reuse`. */
  forward(input: Tensor, target: Tensor, options?: CallOptions): Tensor {
    const op = 'MSELoss.forward';
    if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
      throw new ShapeError(`${op}: input ${formatShape(input.shape)} does not match target ${formatShape(target.shape)}`);
    }
    const errs = this.#errs.like(input);
    squaredErrorForward(errs.data, input.data, target.data, input.size);
    let total = 0;
    for (let i = 0; i < input.size; i++) total += errs.data[i];
    if (!Number.isFinite(total)) throw nonFinite(op, input, total, target);
    this.#input = input;
    this.#target = target;
    if (this.reduction === 'none') return handOut(op, errs, options);
    this.#scalar.data[0] = this.reduction === 'mean' ? total / input.size : total;
    return handOut(op, this.#scalar, options);
  }

  /** dLoss/dInput (fresh, or the loss's own with `reuse`); `dout` as in CrossEntropyLoss.backward. */
  backward(dout?: Tensor, options?: CallOptions): Tensor {
    const op = 'MSELoss.backward';
    const input = this.#input,
      target = this.#target as Tensor;
    if (input === null) throw new Error(`${op}: call forward() first`);
    const n = input.size;
    const dloss = this.#dloss.like(input);
    if (this.reduction === 'none') {
      if (dout === undefined) dloss.data.fill(1);
      else {
        if (dout.size !== n) throw new ShapeError(`${op}: dout ${formatShape(dout.shape)} does not match input ${formatShape(input.shape)}`);
        dloss.data.set(dout.data);
      }
    } else {
      const g = dout === undefined ? 1 : dout.data[0];
      dloss.data.fill(this.reduction === 'mean' ? g / n : g);
    }
    const dx = this.#dx.like(input);
    dx.zero();
    squaredErrorBackward(dx.data, dloss.data, input.data, target.data, n);
    return handOut(op, dx, options);
  }
}

/** The error for a non-finite loss: names the first non-finite input element, or says the inputs were finite. */
function nonFinite(op: string, input: Tensor, total: number, target?: Tensor): Error {
  const where = firstNonFinite(input);
  if (where !== null) {
    return new RangeError(
      `${op}: loss is ${total} because input${where} is not finite ` + '(help: the model diverged upstream; lower the learning rate or clip gradients)',
    );
  }
  const t = target === undefined ? null : firstNonFinite(target);
  if (t !== null) return new RangeError(`${op}: loss is ${total} because target${t} is not finite`);
  return new RangeError(`${op}: loss is ${total} although every input is finite (values overflow float64)`);
}

function firstNonFinite(t: Tensor): string | null {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const idx: number[] = [];
      let r = i;
      for (let k = 0; k < t.shape.length; k++) {
        idx.push(Math.floor(r / t.strides[k]));
        r %= t.strides[k];
      }
      return `[${idx.join(', ')}] = ${d[i]}`;
    }
  }
  return null;
}
