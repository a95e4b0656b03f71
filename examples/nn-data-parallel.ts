// Training one model on two cores with DataParallel (packages/nn/README.md, "Training on several cores").
// Trains the same 30→256→128→64→16 MLP twice from the same weights, on this thread alone and through
// DataParallel, and prints each epoch's time and loss: the losses agree to float32 rounding.
// Run: npx tsx --conditions=source examples/nn-data-parallel.ts [batch=256] [epochs=8]
import { Rng, randn } from '@timbre/tensor';
import { CrossEntropyLoss, DataLoader, DataParallel, Linear, ReLU, SGD, Sequential, type Module } from '@timbre/nn';

const batch = Number(process.argv[2] ?? 256),
  epochs = Number(process.argv[3] ?? 8);
if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(epochs) || epochs < 1) {
  throw new RangeError(`usage: nn-data-parallel.ts [batch >= 1] [epochs >= 1], got ${process.argv.slice(2).join(' ')}`);
}

// 8,000 rows, 16 classes; the label depends on the features so that the loss falls.
const rng = new Rng(1);
const x = randn([8000, 30], rng);
const y = Int32Array.from({ length: 8000 }, (_, i) => {
  const r = x.data.subarray(i * 30, i * 30 + 4);
  return (r[0] > 0 ? 8 : 0) + (r[1] > 0 ? 4 : 0) + (r[2] > 0 ? 2 : 0) + (r[3] > 0 ? 1 : 0);
});

function mlp(): Sequential {
  const r = new Rng(7); // same initial weights for both runs
  return new Sequential(
    new Linear(30, 256, { rng: r }),
    new ReLU(),
    new Linear(256, 128, { rng: r }),
    new ReLU(),
    new Linear(128, 64, { rng: r }),
    new ReLU(),
    new Linear(64, 16, { rng: r }),
  );
}

async function train(threads: number): Promise<number[]> {
  const model = mlp();
  const net: Module = threads > 1 ? new DataParallel(model, { threads }) : model;
  if (net instanceof DataParallel && !(await net.ready())) console.log('(no worker thread: DataParallel runs on this thread alone)');
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }); // the module's parameters, not a copy
  const lossFn = new CrossEntropyLoss();
  const loader = new DataLoader(x, y, { batchSize: batch, shuffle: true, rng: new Rng(3) });
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = performance.now();
    let sum = 0,
      n = 0;
    for (const b of loader) {
      opt.zeroGrad();
      sum += lossFn.forward(net.forward(b.x), b.y).item();
      net.backward(lossFn.backward(), false);
      opt.step();
      n++;
    }
    losses.push(sum / n);
    const used = net instanceof DataParallel ? net.lastThreads : 1;
    console.log(
      `${threads === 1 ? 'one thread ' : 'DataParallel'} epoch ${epoch + 1}: ${(performance.now() - t0).toFixed(0).padStart(4)} ms, ` +
        `mean loss ${(sum / n).toFixed(5)} (${used} thread${used > 1 ? 's' : ''})`,
    );
  }
  if (net instanceof DataParallel) await net.close();
  return losses;
}

const one = await train(1);
const two = await train(2);
let worst = 0;
for (let e = 0; e < epochs; e++) worst = Math.max(worst, Math.abs(one[e] - two[e]) / Math.abs(one[e]));
console.log(`largest relative difference of an epoch's mean loss: ${worst.toExponential(2)} (float32 sums in another order)`);
