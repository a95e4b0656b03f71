// Child process of bench/scale.bench.ts: training epochs of genre's default MLP (MlpClassifier with the `default`
// preset: hidden [128, 64], dropout 0.3, AdamW, batch 32, sqrt class weights) on seeded random data of a given shape,
// so its peak RSS is the training's own. Prints one JSON line: { ms: [per-epoch ms after the warm-up], trainLoss }.
//   node --single-threaded-gc --import tsx --conditions=source bench/scale-train.ts '{"rows":700000,"features":33,"classes":13,"warmup":1,"epochs":3}'
import { Rng } from '@timbre/tensor';
import { MlpClassifier, mlpOptions } from '@timbre/genre';

interface TrainConfig {
  rows: number;
  features: number;
  classes: number;
  warmup: number;
  epochs: number;
  seed?: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as TrainConfig;
for (const k of ['rows', 'features', 'classes', 'warmup', 'epochs'] as const) {
  if (!Number.isInteger(cfg[k]) || cfg[k] < (k === 'warmup' ? 0 : 1)) throw new RangeError(`scale-train: ${k} must be a positive integer, got ${cfg[k]}`);
}
const { rows, features, classes, warmup, epochs } = cfg;
// Standard-normal features (what the scaler hands the network) and uniform labels: an epoch's cost depends on the
// shape only, so random data of the right shape measures the same work as real rows.
const rng = new Rng(cfg.seed ?? 7);
const x = new Float32Array(rows * features);
for (let i = 0; i < x.length; i++) x[i] = rng.normal();
const y = new Int32Array(rows);
for (let i = 0; i < rows; i++) y[i] = rng.int(classes);

// No validation set and no early stopping: every epoch is a pure training pass over all rows.
const mlp = new MlpClassifier(mlpOptions('default', { epochs: warmup + epochs, patience: null, seed: 1 }));
const ends: number[] = [];
mlp.onEpoch = () => {
  ends.push(performance.now());
};
const h = mlp.fit({ x, y, rows, features, classes });
// Epoch k's time runs from the end of epoch k-1; the first `warmup` epochs (and fit's input check) are dropped.
const ms = ends
  .slice(warmup)
  .map((t, i) => t - ends[warmup + i - 1])
  .filter((v) => Number.isFinite(v));
if (warmup === 0) throw new RangeError("scale-train: warmup must be at least 1 (the first epoch also times fit's input check)");
console.log(JSON.stringify({ ms, trainLoss: h.trainLoss }));
