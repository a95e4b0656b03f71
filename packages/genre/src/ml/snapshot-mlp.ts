// An MLP trained with cyclic cosine learning rates that hands out one frozen snapshot per cycle
// (Huang et al., "Snapshot Ensembles: Train 1, get M for free", ICLR 2017): the SnapshotSource
// behind SnapshotEnsemble. Each cycle restarts the learning rate at `lr` and anneals it to ~0 by
// the cycle's last mini-batch; the weights at that point are the snapshot.

import { Rng, Tensor } from '@timbre/tensor';
import { AdamW, CrossEntropyLoss, Dropout, Linear, ReLU, Sequential, type Module, REUSE } from '@timbre/nn';
import type { Classifier, Dataset, ModelState } from './types.js';
import { checkDataset, checkMatrix, checkOption, softmaxRows } from './common.js';
import { averageProba, memberStates, type SnapshotSource } from './ensemble.js';
import { classWeightsFor, gatherBatch, type ClassWeighting } from './mlp.js';

/** Options of {@link SnapshotMlp}: hidden widths, dropout, peak learning rate, weight decay, batch size, epochs per cycle, class weights and seed. */
export interface SnapshotMlpOptions {
  /** Hidden widths (default [128, 64]). */
  hidden?: number[];
  /** Dropout after each hidden ReLU (default 0.2). */
  dropout?: number;
  /** Peak learning rate of each cycle (default 0.005). */
  lr?: number;
  /** AdamW weight decay (default 0.01). */
  weightDecay?: number;
  batchSize?: number;
  /** Epochs per cycle (default 20). */
  epochsPerCycle?: number;
  classWeights?: ClassWeighting;
  seed?: number;
}

/** A trained network frozen in eval mode. */
export class FrozenNet implements Classifier {
  readonly kind = 'mlp-snapshot';
  readonly net: Module;
  readonly features: number;
  readonly classes: number;

  constructor(net: Module, features: number, classes: number) {
    this.net = net;
    this.features = features;
    this.classes = classes;
  }

  fit(): void {
    throw new Error('mlp-snapshot: a snapshot is frozen; fit the SnapshotMlp instead');
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    checkMatrix('SnapshotMlp.predictProba', x, rows, this.features);
    this.net.eval();
    const logits = this.net.forward(new Tensor(x.slice(), [rows, this.features])).data;
    const out = new Float32Array(rows * this.classes);
    softmaxRows(out, logits, rows, this.classes);
    return out;
  }

  /** Architecture and weights. */
  toState(): ModelState {
    return { kind: this.kind, architecture: this.net.config(), features: this.features, classes: this.classes, tensors: this.net.stateDict() };
  }
}

/**
 * MLP with cyclic cosine annealing; `fitSnapshots(train, valid, M)` trains M cycles and returns M
 * frozen snapshots. Used alone (`fit`), it keeps the last snapshot. Ignores sample weights.
 *
 * ```ts
 * const snap = new SnapshotEnsemble(new SnapshotMlp({ epochsPerCycle: 20, seed: 1 }), { count: 5 });
 * snap.fit(train);
 * ```
 */
export class SnapshotMlp implements SnapshotSource {
  readonly kind = 'snapshot-mlp';
  readonly options: Required<SnapshotMlpOptions>;
  members: Classifier[] = [];

  constructor(options: SnapshotMlpOptions = {}) {
    this.options = {
      hidden: options.hidden ?? [128, 64],
      dropout: options.dropout ?? 0.2,
      lr: options.lr ?? 0.005,
      weightDecay: options.weightDecay ?? 0.01,
      batchSize: options.batchSize ?? 32,
      epochsPerCycle: options.epochsPerCycle ?? 20,
      classWeights: options.classWeights ?? 'none',
      seed: options.seed ?? 0,
    };
    const o = this.options;
    if (!o.hidden.every((h) => Number.isInteger(h) && h > 0))
      throw new RangeError(`SnapshotMlp: hidden must be positive integers, got ${JSON.stringify(o.hidden)}`);
    checkOption('SnapshotMlp', 'dropout', o.dropout, 0, 0.99);
    checkOption('SnapshotMlp', 'lr', o.lr, 1e-9, 10);
    checkOption('SnapshotMlp', 'weightDecay', o.weightDecay, 0, 10);
    checkOption('SnapshotMlp', 'batchSize', o.batchSize, 1, 1e6, true);
    checkOption('SnapshotMlp', 'epochsPerCycle', o.epochsPerCycle, 1, 1e5, true);
  }

  #build(F: number, C: number, rng: Rng): Module {
    const layers: Module[] = [];
    let inF = F;
    for (const h of this.options.hidden) {
      layers.push(new Linear(inF, h, { rng }), new ReLU());
      if (this.options.dropout > 0) layers.push(new Dropout(this.options.dropout, { rng: rng.fork() }));
      inF = h;
    }
    layers.push(new Linear(inF, C, { rng }));
    return new Sequential(...layers);
  }

  fitSnapshots(train: Dataset, _valid: Dataset | undefined, count: number): Classifier[] {
    checkDataset('SnapshotMlp.fit', train);
    checkOption('SnapshotMlp', 'count', count, 1, 1000, true);
    for (let i = 0; i < train.x.length; i++) {
      if (!Number.isFinite(train.x[i]))
        throw new RangeError(`SnapshotMlp.fit: x[${Math.floor(i / train.features)}, ${i % train.features}] is ${train.x[i]}; impute and scale first`);
    }
    const o = this.options,
      F = train.features,
      C = train.classes,
      N = train.rows,
      B = o.batchSize;
    const rng = new Rng(o.seed);
    const net = this.#build(F, C, rng.fork());
    const order = rng.fork();
    const opt = new AdamW(net.parameters(), { lr: o.lr, weightDecay: o.weightDecay });
    const lossFn = new CrossEntropyLoss({ weight: classWeightsFor(train.y, C, o.classWeights) });
    const stepsPerCycle = o.epochsPerCycle * Math.ceil(N / B);
    const snaps: Classifier[] = [];
    const xb = new Float32Array(B * F),
      yb = new Int32Array(B);
    for (let cycle = 0; cycle < count; cycle++) {
      let step = 0;
      net.train();
      for (let epoch = 0; epoch < o.epochsPerCycle; epoch++) {
        const perm = order.permutation(N);
        for (let start = 0; start < N; start += B) {
          const m = Math.min(B, N - start);
          gatherBatch(train, perm, start, m, xb, yb);
          // cosine annealing within the cycle: lr at step t of T is lr/2·(1 + cos(π t / T))
          opt.lr = (o.lr / 2) * (1 + Math.cos((Math.PI * step) / stepsPerCycle));
          step++;
          net.zeroGrad();
          lossFn.forward(net.forward(new Tensor(m === B ? xb : xb.slice(0, m * F), [m, F]), REUSE), m === B ? yb : yb.slice(0, m), REUSE);
          net.backward(lossFn.backward(undefined, REUSE), false, REUSE);
          opt.step();
        }
      }
      const frozen = this.#build(F, C, new Rng(0));
      frozen.loadStateDict(net.stateDict());
      frozen.eval();
      snaps.push(new FrozenNet(frozen, F, C));
    }
    return snaps;
  }

  fit(train: Dataset, valid?: Dataset): void {
    this.members = this.fitSnapshots(train, valid, 1);
  }

  predictProba(x: Float32Array, rows: number): Float32Array {
    if (this.members.length === 0) throw new Error('SnapshotMlp.predictProba: call fit() first');
    return averageProba(this.members, null, x, rows);
  }

  /** The last snapshot's state, with the options. */
  toState(): ModelState {
    return { kind: this.kind, options: this.options, members: memberStates(this.kind, this.members) };
  }
}
