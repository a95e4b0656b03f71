// Development benchmark: what fresh results cost in training. The MLP bench's three configs trained by the nn
// README's loop (forward, loss and backward hand back fresh copies) and by the { reuse: true } loop (layer-owned
// buffers, nothing allocated), in one process, epochs of the two interleaved round by round (order alternating),
// so a slow phase of the machine hits both alike. Both loops give the same losses bit for bit (checked).
// Run: npx tsx --conditions=source bench/mlp-fresh-vs-reuse.ts [simd|scalar] [rounds] [cpu|wall]
import { Rng, randn, setBackend, setParallel, type Backend } from '@timbre/tensor';
import { Adam, CrossEntropyLoss, DataLoader, Linear, REUSE, ReLU, SGD, Sequential, type CallOptions, type Module, type Optimizer } from '@timbre/nn';
import { median } from './lib/timing.js';

const backend = (process.argv[2] ?? 'simd') as Backend;
const rounds = Number(process.argv[3] ?? 21);
const clock = process.argv[4] ?? 'cpu';
setBackend(backend);
setParallel({ enabled: false });
const CONFIGS = [
  { name: 'wide-bs64', sizes: [30, 256, 128, 64, 16], batch: 64, adam: false },
  { name: 'wide-bs256', sizes: [30, 256, 128, 64, 16], batch: 256, adam: false },
  { name: 'seed-bs32', sizes: [15, 128, 64, 32, 13], batch: 32, adam: true },
];

function setup(c: (typeof CONFIGS)[number], options: CallOptions | undefined): () => number {
  const rng = new Rng(7);
  const layers: Module[] = [];
  for (let i = 0; i < c.sizes.length - 1; i++) {
    layers.push(new Linear(c.sizes[i], c.sizes[i + 1], { rng }));
    if (i < c.sizes.length - 2) layers.push(new ReLU());
  }
  const model = new Sequential(...layers);
  const opt: Optimizer = c.adam ? new Adam(model.parameters(), { lr: 0.01 }) : new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const drng = new Rng(42);
  const x = randn([8000, c.sizes[0]], drng);
  const y = Int32Array.from({ length: 8000 }, () => drng.int(c.sizes[c.sizes.length - 1]));
  const loader = new DataLoader(x, y, { batchSize: c.batch, shuffle: true, rng: new Rng(3) });
  const lossFn = new CrossEntropyLoss();
  return () => {
    let last = 0;
    for (const b of loader) {
      opt.zeroGrad();
      last = lossFn.forward(model.forward(b.x, options), b.y, options).item();
      model.backward(lossFn.backward(undefined, options), false, options);
      opt.step();
    }
    return last;
  };
}

const now =
  clock === 'cpu'
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();
console.log(`${backend} kernels, ${clock} clock, ${rounds} rounds after 6 warm-up epochs each (ms per epoch, medians)`);
for (const c of CONFIGS) {
  const fresh = setup(c, undefined),
    reuse = setup(c, REUSE);
  for (let i = 0; i < 6; i++) {
    if (fresh() !== reuse()) throw new Error(`${c.name}: the two loops' losses differ`);
  }
  const tf: number[] = [],
    tr: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const t0 = now();
      (which === 0 ? fresh : reuse)();
      (which === 0 ? tf : tr).push(now() - t0);
    }
  }
  const ratio = median(tf.map((t, i) => t / tr[i]));
  console.log(`${c.name.padEnd(11)} fresh ${median(tf).toFixed(1)}  reuse ${median(tr).toFixed(1)}  fresh/reuse per round ${ratio.toFixed(3)}`);
}
