// A seeded mini-batch iterator over in-memory rows. It copies each batch's rows into buffers it owns and
// reuses them, and yields one reused result object, so iterating allocates nothing per step.

import { type Rng, Tensor, ShapeError, formatShape, gatherRows, zeros, checkOptions } from '@timbre/tensor';
import { defaultRng } from './module.js';

/** One mini-batch: rows of x and the matching targets. Owned by the loader; valid until the next batch. */
export interface Batch<Y extends Int32Array | Tensor> {
  /** [size, features…] */
  x: Tensor;
  /** Int32Array labels (length `size`) or a target tensor [size, …], matching the loader's targets. */
  y: Y;
  /** Rows in this batch (the last may be smaller unless `dropLast`). */
  size: number;
  /** Index of the batch within the epoch. */
  index: number;
}

/** Options of `DataLoader`. */
export interface DataLoaderOptions {
  /** Rows per batch (default 1, as PyTorch). */
  batchSize?: number;
  /** Reshuffle the row order at the start of every epoch (default false, as PyTorch). */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  /** Generator for shuffling (default: the `manualSeed` generator, forked once). */
  rng?: Rng;
}

/**
 * Mini-batches over `x` [N, …] and targets `y` (Int32Array [N] labels or a Tensor [N, …]); each `for…of`
 * is one epoch. The batch tensors are reused buffers: copy them if you keep them past the next step.
 *
 * ```ts
 * const loader = new DataLoader(x, labels, { batchSize: 64, shuffle: true, rng: new Rng(0) });
 * for (const { x: xb, y: yb } of loader) { ... }
 * ```
 */
export class DataLoader<Y extends Int32Array | Tensor> implements Iterable<Batch<Y>> {
  /** Inputs, one row per sample. */
  readonly x: Tensor;
  /** Targets, one per row of `x` (class ids, or a tensor of rows). */
  readonly y: Y;
  /** Rows per batch. */
  readonly batchSize: number;
  /** Reshuffle the row order at the start of every pass. */
  readonly shuffle: boolean;
  /** Skip the last, smaller batch. */
  readonly dropLast: boolean;
  /** Number of batches per pass. */
  readonly length: number;
  #rng: Rng;
  #order: Int32Array;
  #full: Batch<Y>;
  #tail: Batch<Y> | null;
  #pos = 0;
  #batch = 0;
  #result: IteratorResult<Batch<Y>>;
  #iterator: Iterator<Batch<Y>>;
  #xRow: number;
  #yRow: number;

  constructor(x: Tensor, y: Y, options: DataLoaderOptions = {}) {
    checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'dropLast', 'rng']);
    const { batchSize = 1, shuffle = false, dropLast = false, rng } = options;
    const N = x.shape[0];
    if (x.shape.length < 1) throw new ShapeError(`DataLoader: x ${formatShape(x.shape)} needs a batch dimension`);
    const yN = y instanceof Tensor ? y.shape[0] : y.length;
    if (yN !== N)
      throw new ShapeError(
        `DataLoader: x ${formatShape(x.shape)} and y [${yN}${y instanceof Tensor ? ', …' : ''}] have different numbers of rows (${N} vs ${yN})`,
      );
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    this.x = x;
    this.y = y;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.#rng = rng ?? defaultRng().fork();
    this.#order = new Int32Array(N);
    for (let i = 0; i < N; i++) this.#order[i] = i;
    this.#xRow = N === 0 ? 0 : x.size / N;
    this.#yRow = y instanceof Tensor ? (N === 0 ? 0 : y.size / N) : 1;
    this.length = dropLast ? Math.floor(N / batchSize) : Math.ceil(N / batchSize);
    const full = Math.min(batchSize, N),
      tail = N % batchSize;
    this.#full = this.#makeBatch(full);
    this.#tail = !dropLast && tail !== 0 && N > batchSize ? this.#makeBatch(tail) : null;
    this.#result = { done: false, value: this.#full };
    this.#iterator = { next: () => this.#next() };
  }

  #makeBatch(size: number): Batch<Y> {
    const x = zeros([size, ...this.x.shape.slice(1)]);
    const y = (this.y instanceof Tensor ? zeros([size, ...this.y.shape.slice(1)]) : new Int32Array(size)) as Y;
    return { x, y, size, index: 0 };
  }

  /** Starts an epoch (reshuffling when `shuffle`). Only one epoch may be in flight per loader. */
  [Symbol.iterator](): Iterator<Batch<Y>> {
    if (this.shuffle) this.#rng.shuffle(this.#order);
    this.#pos = 0;
    this.#batch = 0;
    return this.#iterator;
  }

  #next(): IteratorResult<Batch<Y>> {
    const N = this.#order.length,
      r = this.#result;
    if (this.#batch >= this.length) {
      r.done = true;
      return r;
    }
    const size = Math.min(this.batchSize, N - this.#pos);
    const b = size === this.#full.size ? this.#full : (this.#tail as Batch<Y>);
    const order = this.#order;
    // One memory.copy per row under the SIMD backend (256 rows of 30 floats: 1.4 µs instead of 15).
    gatherRows(b.x.data, this.x.data, this.#xRow, order, this.#pos, size);
    if (this.y instanceof Tensor) {
      gatherRows((b.y as Tensor).data, this.y.data, this.#yRow, order, this.#pos, size);
    } else {
      const ys = this.y as Int32Array,
        yd = b.y as Int32Array;
      for (let i = 0; i < size; i++) yd[i] = ys[order[this.#pos + i]];
    }
    b.index = this.#batch;
    this.#pos += size;
    this.#batch++;
    r.done = false;
    r.value = b;
    return r;
  }
}
