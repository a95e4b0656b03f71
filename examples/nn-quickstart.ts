// nn quick start (the snippet in packages/nn/README.md): define, train, evaluate, save, load.
// Run: npx tsx --conditions=source examples/nn-quickstart.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, randn } from '@timbre/tensor';
import { Adam, CrossEntropyLoss, DataLoader, Dropout, Linear, ReLU, Sequential, StepLR, loadModel, loadOptimizer, saveModel, saveOptimizer } from '@timbre/nn';

// A toy 3-class problem: the label is the index of the largest of the first three features.
const rng = new Rng(0);
const x = randn([2000, 8], rng);
const y = Int32Array.from({ length: 2000 }, (_, i) => {
  const r = x.data.subarray(i * 8, i * 8 + 3);
  return r[0] > r[1] ? (r[0] > r[2] ? 0 : 2) : r[1] > r[2] ? 1 : 2;
});
const [trainX, testX] = [x.slice(0, 1600), x.slice(1600)];
const [trainY, testY] = [y.slice(0, 1600), y.slice(1600)];

// Define
const model = new Sequential(new Linear(8, 32, { rng }), new ReLU(), new Dropout(0.1, { rng }), new Linear(32, 3, { rng }));
const lossFn = new CrossEntropyLoss();
const opt = new Adam(model.parameters(), { lr: 0.01 });
const sched = new StepLR(opt, { stepSize: 10, gamma: 0.5 });
const loader = new DataLoader(trainX, trainY, { batchSize: 64, shuffle: true, rng });

// Train
for (let epoch = 0; epoch < 20; epoch++) {
  model.train();
  let total = 0;
  for (const batch of loader) {
    opt.zeroGrad();
    total += lossFn.forward(model.forward(batch.x), batch.y).item() * batch.size;
    model.backward(lossFn.backward(), false); // explicit backward; false: no gradient for the input
    opt.step();
  }
  sched.step();
  if (epoch % 5 === 4) console.log(`epoch ${epoch + 1}: train loss ${(total / trainX.shape[0]).toFixed(4)}, lr ${opt.lr}`);
}

// Evaluate
function accuracy(m: Sequential): number {
  m.eval();
  const logits = m.forward(testX);
  let correct = 0;
  for (let i = 0; i < testY.length; i++) {
    const row = logits.data.subarray(i * 3, i * 3 + 3);
    const pred = row.indexOf(Math.max(...row));
    if (pred === testY[i]) correct++;
  }
  return correct / testY.length;
}
const acc = accuracy(model);
console.log(`test accuracy ${(acc * 100).toFixed(1)}%`);

// Save (safetensors, PyTorch names) and load
const dir = mkdtempSync(join(tmpdir(), 'timbre-quickstart-'));
saveModel(join(dir, 'model.safetensors'), model, { extras: { classes: ['first', 'second', 'third'] } });
saveOptimizer(join(dir, 'model.optim.safetensors'), opt, { scheduler: sched }); // the scheduler's state rides along
const { module: loaded, extras } = loadModel(join(dir, 'model.safetensors'));
const accLoaded = accuracy(loaded as Sequential);
console.log(`loaded from ${dir}: classes ${JSON.stringify((extras as { classes: string[] }).classes)}, test accuracy ${(accLoaded * 100).toFixed(1)}%`);
if (accLoaded !== acc) throw new Error('quickstart: the loaded model does not reproduce the saved one');
// To resume training: a fresh optimiser over the loaded parameters and a scheduler with the same options,
// then their saved states.
const resumed = new Adam(loaded.parameters(), { lr: 0.01 });
const resumedSched = new StepLR(resumed, { stepSize: 10, gamma: 0.5 });
loadOptimizer(join(dir, 'model.optim.safetensors'), resumed, { scheduler: resumedSched });
if (resumed.lr !== opt.lr || resumedSched.lastEpoch !== sched.lastEpoch) throw new Error('quickstart: the optimiser or scheduler did not resume');
console.log(`optimiser resumed at lr ${resumed.lr}, scheduler at epoch ${resumedSched.lastEpoch}`);
