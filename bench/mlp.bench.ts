// MLP training-epoch benchmark: one epoch over 8,000 random rows, softmax cross-entropy, shuffled
// mini-batches. timbre (the default WebAssembly SIMD kernels; timbre-scalar: the scalar kernels, matmul in asm.js;
// timbre-2cores: SIMD with nn's DataParallel on two threads; wall clock only, CPU time would add both threads) vs
// tfjs-backend-wasm, tfjs-backend-cpu and PyTorch 1-thread (bench/torch_mlp.py) on the same shapes/optimisers.
// Writes bench/results/mlp.json: [{ bench: "mlp-epoch", config, impl, ms }] (median ms per epoch), and prints the
// heap after a forced GC at the end of each of 10 timbre epochs (flat = the training loop allocates nothing).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Rng, type Tensor, fromArray, getBackend, randn, setBackend, setParallel, wasmHeapStats, type Backend } from '@timbre/tensor';
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  DataParallel,
  Linear,
  REUSE,
  ReLU,
  SGD,
  Sequential,
  saveSafetensors,
  type CallOptions,
  type Module,
  type Optimizer,
} from '@timbre/nn';
import type { BenchOptions } from './run.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/table.js';
import { clock, median, now } from './lib/timing.js';

// timbre = the default path (WebAssembly SIMD kernels where the runtime has them, one core); timbre-scalar =
// the scalar kernels (TIMBRE_BACKEND=scalar: TypeScript, with matmul's macro-kernel in asm.js where it compiles); timbre-2cores = SIMD with the model wrapped in DataParallel
// (each batch split by rows between this thread and a worker's replica; gradients added before the step).
type Impl = 'timbre' | 'timbre-scalar' | 'timbre-2cores' | 'tfjs-wasm' | 'tfjs-cpu' | 'torch';
interface MlpRecord {
  bench: 'mlp-epoch';
  config: string;
  impl: Impl;
  ms: number;
}
interface Config {
  name: string;
  sizes: number[];
  batch: number;
  opt: 'sgd' | 'adam';
  lr: number;
}

const ROWS = 8000;
const CONFIGS: Config[] = [
  { name: 'wide-bs64', sizes: [30, 256, 128, 64, 16], batch: 64, opt: 'sgd', lr: 0.01 },
  { name: 'wide-bs256', sizes: [30, 256, 128, 64, 16], batch: 256, opt: 'sgd', lr: 0.01 },
  { name: 'seed-bs32', sizes: [15, 128, 64, 32, 13], batch: 32, opt: 'adam', lr: 0.01 },
];
const benchDir = path.dirname(fileURLToPath(import.meta.url));

/** Times `epochs` calls of `epoch` after `warmup` untimed ones; returns per-epoch ms. */
function timeEpochs(epoch: () => void, warmup: number, epochs: number): number[] {
  for (let i = 0; i < warmup; i++) epoch();
  const ms: number[] = [];
  for (let i = 0; i < epochs; i++) {
    const t0 = now();
    epoch();
    ms.push(now() - t0);
  }
  return ms;
}

function dataset(c: Config): { x: ReturnType<typeof randn>; y: Int32Array } {
  const rng = new Rng(42);
  const x = randn([ROWS, c.sizes[0]], rng);
  const y = Int32Array.from({ length: ROWS }, () => rng.int(c.sizes[c.sizes.length - 1]));
  return { x, y };
}

/**
 * timbre's model, data and epoch; with `threads` > 1 the model trains through DataParallel (call close()).
 * The epoch passes { reuse: true }, the allocation-free loop; with `reuse` false it is the nn README's loop,
 * whose results are fresh copies: per-round epoch ratios fresh/reuse of 0.98-1.02 on the wide configs and
 * 0.94-1.03 at seed-bs32 (npx tsx --conditions=source bench/mlp-fresh-vs-reuse.ts, three runs of 31 rounds on a
 * loaded machine, two by CPU time, one by wall time).
 */
function timbreSetup(c: Config, threads = 1, reuse = true) {
  const rng = new Rng(7);
  const layers: Module[] = [];
  for (let i = 0; i < c.sizes.length - 1; i++) {
    layers.push(new Linear(c.sizes[i], c.sizes[i + 1], { rng }));
    if (i < c.sizes.length - 2) layers.push(new ReLU());
  }
  const model = new Sequential(...layers);
  const opt: Optimizer = c.opt === 'sgd' ? new SGD(model.parameters(), { lr: c.lr, momentum: 0.9 }) : new Adam(model.parameters(), { lr: c.lr });
  const { x, y } = dataset(c);
  const loader = new DataLoader(x, y, { batchSize: c.batch, shuffle: true, rng: new Rng(3) });
  const lossFn = new CrossEntropyLoss();
  const net: Module = threads > 1 ? new DataParallel(model, { threads }) : model;
  // Correctness anchor: the loss of the initial weights on rows [0, batch), compared across implementations.
  const firstLoss = lossFn.forward(model.forward(x.slice(0, c.batch)), y.slice(0, c.batch)).item();
  let last = 0;
  const r: CallOptions | undefined = reuse ? REUSE : undefined;
  const epoch = (): void => {
    for (const b of loader) {
      opt.zeroGrad();
      const loss = lossFn.forward(net.forward(b.x, r), b.y, r);
      net.backward(lossFn.backward(undefined, r), false, r);
      opt.step();
      last = loss.data[0];
    }
  };
  const ready = (): Promise<boolean> => (net instanceof DataParallel ? net.ready() : Promise.resolve(true));
  const close = (): Promise<void> => (net instanceof DataParallel ? net.close() : Promise.resolve());
  const threadsUsed = (): number => (net instanceof DataParallel ? net.lastThreads : 1);
  const threadsFor = (rows: number): number => (net instanceof DataParallel ? net.threadsFor(rows) : 1);
  return { epoch, loss: () => last, model, x, y, firstLoss, ready, close, threadsUsed, threadsFor };
}

let wasmReady: Promise<boolean> | null = null;
async function useTfBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm' && wasmReady === null) {
    const require = createRequire(import.meta.url);
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    wasmReady = tf.setBackend('wasm');
  }
  const ok = name === 'wasm' ? (await wasmReady) && (await tf.setBackend('wasm')) : await tf.setBackend('cpu');
  if (!ok || tf.getBackend() !== name) throw new Error(`mlp bench: tfjs backend ${name} did not initialise`);
  if (name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

/**
 * tfjs-core's Node bundle ships no gradient definitions (the @tensorflow/tfjs umbrella registers them), so
 * the three this model needs are registered here with their textbook formulas.
 */
function registerTfGradients(): void {
  if (tf.getGradient('BatchMatMul') === undefined) {
    // tf.matMul reshapes 2-D operands to [1, M, K] and runs BatchMatMul; only the un-transposed form is used below.
    tf.registerGradient({
      kernelName: 'BatchMatMul',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const [a, b] = saved as tf.Tensor3D[];
        return { a: () => tf.matMul(dy as tf.Tensor3D, b, false, true), b: () => tf.matMul(a, dy as tf.Tensor3D, true, false) };
      },
    });
  }
  if (tf.getGradient('Reshape') === undefined) {
    tf.registerGradient({ kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as tf.Tensor, saved[0].shape) }) });
  }
  if (tf.getGradient('Add') === undefined) {
    tf.registerGradient({
      kernelName: 'Add',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const [a, b] = saved; // [B, N] + [N]: the broadcast input's gradient is the column sum
        const red = (t: tf.Tensor) => () => (t.rank === (dy as tf.Tensor).rank ? (dy as tf.Tensor) : tf.sum(dy as tf.Tensor, 0));
        return { a: red(a), b: red(b) };
      },
    });
  }
  if (tf.getGradient('Relu') === undefined) {
    tf.registerGradient({ kernelName: 'Relu', inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.step(saved[0])) }) });
  }
}

/** Mean softmax cross-entropy with its fused gradient (softmax − onehot)/B, as tf.losses.softmaxCrossEntropy does. */
const tfCrossEntropy = tf.customGrad(((logits: tf.Tensor, onehot: tf.Tensor, save: tf.GradSaveFunc) => {
  const lsm = tf.logSoftmax(logits);
  save([lsm, onehot]);
  return {
    value: tf.neg(tf.mean(tf.sum(tf.mul(onehot, lsm), 1))) as tf.Scalar,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, tf.div(tf.sub(tf.exp(saved[0]), saved[1]), saved[0].shape[0])), tf.zerosLike(saved[1])],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (logits: tf.Tensor, onehot: tf.Tensor) => tf.Scalar;

/** The same model in tfjs: W [in, out] variables, relu, softmax cross-entropy, momentum SGD or Adam. */
function tfSetup(c: Config, init: Record<string, Tensor>) {
  registerTfGradients();
  const { x, y } = dataset(c);
  const C = c.sizes[c.sizes.length - 1],
    F = c.sizes[0];
  const ws: tf.Variable[] = [],
    bs: tf.Variable[] = [];
  for (let i = 0; i < c.sizes.length - 1; i++) {
    // timbre's initial weights, transposed to tfjs's [in, out] layout.
    const w = init[`${2 * i}.weight`],
      b = init[`${2 * i}.bias`];
    ws.push(tf.variable(tf.transpose(tf.tensor2d(w.data.slice(), [c.sizes[i + 1], c.sizes[i]]))));
    bs.push(tf.variable(tf.tensor1d(b.data.slice())));
  }
  const xAll = tf.tensor2d(x.data.slice(), [ROWS, F]);
  const yAll = tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), C), 'float32');
  const opt = c.opt === 'sgd' ? tf.train.momentum(c.lr, 0.9) : tf.train.adam(c.lr);
  const rngShuffle = new Rng(3);
  const forward = (xb: tf.Tensor): tf.Tensor => {
    let h: tf.Tensor = xb;
    for (let i = 0; i < ws.length; i++) {
      h = tf.add(tf.matMul(h, ws[i]), bs[i]);
      if (i < ws.length - 1) h = tf.relu(h);
    }
    return h;
  };
  const firstLoss = tf.tidy(() => tfCrossEntropy(forward(tf.slice(xAll, 0, c.batch)), tf.slice(yAll, 0, c.batch)).dataSync()[0]);
  let last = 0;
  const epoch = (): void => {
    const perm = tf.tensor1d(rngShuffle.permutation(ROWS), 'int32');
    for (let s = 0; s < ROWS; s += c.batch) {
      const n = Math.min(c.batch, ROWS - s);
      const idx = tf.slice(perm, s, n);
      const xb = tf.gather(xAll, idx),
        yb = tf.gather(yAll, idx);
      const cost = opt.minimize(() => tfCrossEntropy(forward(xb), yb), s + c.batch >= ROWS);
      if (cost !== null) {
        last = cost.dataSync()[0];
        cost.dispose();
      }
      tf.dispose([idx, xb, yb]);
    }
    perm.dispose();
  };
  const dispose = (): void => {
    tf.dispose([...ws, ...bs, xAll, yAll]);
    opt.dispose();
  };
  return { epoch, loss: () => last, dispose, firstLoss };
}

function torchRun(c: Config, warmup: number, epochs: number, file: string): { ms: number[]; note?: string; firstLoss?: number } {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return { ms: [], note: `torch skipped: /usr/bin/python3 -c "import torch" failed (${(probe.stderr || '').trim().split('\n').pop()})` };
  const cfg = { sizes: c.sizes, rows: ROWS, batch: c.batch, opt: c.opt, lr: c.lr, epochs, warmup, file };
  const r = spawnSync('/usr/bin/python3', [path.join(benchDir, 'torch_mlp.py'), JSON.stringify(cfg)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) return { ms: [], note: `torch failed: ${r.stderr.trim().split('\n').pop()}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { ms: number[]; first_loss: number };
  return { ms: out.ms, firstLoss: out.first_loss };
}

/** Throws unless a peer's initial-weights loss on the first batch equals timbre's (same weights, same rows). */
function checkLoss(impl: string, c: Config, got: number | undefined, want: number): void {
  if (got === undefined || !(Math.abs(got - want) <= 1e-5 * Math.abs(want))) {
    throw new Error(`mlp bench: ${impl} ${c.name}: first-batch loss ${got} differs from timbre's ${want}: the models are not the same`);
  }
}

function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** 10 timbre epochs ({ reuse: true }); heapUsed after a forced GC at each epoch end, and the bytes the epoch added before any GC. */
function heapCheck(c: Config): { backend: Backend; kibAddedDuringEpoch: number[]; heapUsedAfterGcMiB: number[] } {
  const gc = getGc();
  const t = timbreSetup(c, 1, true);
  t.epoch(); // first epoch allocates the layer buffers
  const rows: (string | number)[][] = [];
  const added: number[] = [],
    after: number[] = [];
  for (let e = 1; e <= 10; e++) {
    gc();
    const h0 = process.memoryUsage().heapUsed;
    t.epoch();
    const h1 = process.memoryUsage().heapUsed; // no GC in between: growth = what the epoch allocated (barring a scavenge)
    gc();
    const h2 = process.memoryUsage().heapUsed;
    rows.push([String(e), (h1 - h0) / 1024, h2 / 1024 / 1024, wasmHeapStats().liveBytes / 1024]);
    added.push(Math.round((h1 - h0) / 102.4) / 10);
    after.push(Math.round((h2 / 1024 / 1024) * 1000) / 1000);
  }
  console.log(`\nheap over 10 timbre epochs ({ reuse: true }; ${c.name}, ${getBackend()} kernels, ${Math.ceil(ROWS / c.batch)} steps/epoch):`);
  printTable(['epoch', 'KiB added during epoch', 'heapUsed after GC MiB', 'wasm live KiB'], rows);
  return { backend: getBackend(), kibAddedDuringEpoch: added, heapUsedAfterGcMiB: after };
}

export async function run(opts: BenchOptions): Promise<void> {
  const { quick } = opts;
  const only = opts.only ?? [];
  const want = (s: string) => only.length === 0 || only.some((o) => s.includes(o));
  const machine = machineInfo();
  const records: MlpRecord[] = [];
  const notes: string[] = [];
  const plan = quick
    ? { timbre: [1, 3], 'timbre-2cores': [1, 3], 'tfjs-wasm': [1, 2], 'tfjs-cpu': [0, 1], torch: [1, 3] }
    : { timbre: [6, 7], 'timbre-2cores': [20, 7], 'tfjs-wasm': [1, 5], 'tfjs-cpu': [1, 3], torch: [2, 7] };
  // timbre warms up for 6 epochs: V8 optimises the small JavaScript functions around the kernels only
  // after 2-6 epochs (--trace-opt); 6 epochs reach the steady state a long training runs in. With both
  // cores training (timbre-2cores) the worker thread's code is optimised as well, and its background
  // compiles pre-empt the training threads: wide-bs256's epochs measured 55-70 ms over the first 20
  // epochs of a run, 44-50 after (three runs), so timbre-2cores warms up for 20 epochs.
  if (quick) notes.push('--quick: timbre warms up for 1 epoch, so its rows (timbre-2cores most) include V8 still optimising; use the full run for numbers');
  const startBackend: Backend = getBackend();
  const tmp = mkdtempSync(path.join(tmpdir(), 'timbre-mlp-bench-'));
  for (const c of CONFIGS) {
    if (!want(c.name)) continue;
    const ms: Partial<Record<Impl, number>> = {};
    // Reference model and data (scalar kernels), shared with the peers: tfjs copies the weights, torch reads the file.
    setBackend('scalar');
    const ref = timbreSetup(c);
    const init: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(ref.model.stateDict())) init[k] = t.clone();
    const file = path.join(tmp, `${c.name}.safetensors`);
    saveSafetensors(file, { ...init, 'data.x': ref.x, 'data.y': fromArray(Array.from(ref.y), [ROWS]) });
    setBackend(startBackend);
    for (const [impl, backend] of [
      ['timbre-scalar', 'scalar'],
      ['timbre', 'simd'],
      ['timbre-2cores', 'simd'],
    ] as const) {
      if (!want(impl) && only.some((o) => ['timbre', 'tfjs', 'torch'].some((k) => o.startsWith(k)))) continue;
      if (impl === 'timbre-2cores' && clock === 'cpu') {
        const note = "timbre-2cores skipped: BENCH_CLOCK=cpu would add the worker thread's CPU time (use the wall clock)";
        if (!notes.includes(note)) notes.push(note);
        continue;
      }
      try {
        setBackend(backend);
      } catch (e) {
        notes.push(`${impl}: ${(e as Error).message}`);
        continue;
      }
      setParallel({ enabled: false }); // one core per thread: timbre-2cores splits batches, not products
      const t = timbreSetup(c, impl === 'timbre-2cores' ? 2 : 1); // built after setBackend: buffers live where that backend wants them
      if (!(await t.ready())) {
        notes.push(`${impl}: the DataParallel worker did not start`);
        await t.close();
        continue;
      }
      if (impl === 'timbre-2cores' && t.threadsFor(c.batch) < 2) {
        // DataParallel's own rule (minFlopsPerThread, minRowsPerThread)
        notes.push(`timbre-2cores: ${c.name}: DataParallel keeps batches of ${c.batch} on one thread (too little work per thread to split)`);
        await t.close();
        continue;
      }
      checkLoss(impl, c, t.firstLoss, ref.firstLoss);
      const [w, n] = plan[impl === 'timbre-2cores' ? 'timbre-2cores' : 'timbre'];
      const m = median(timeEpochs(t.epoch, w, n));
      if (impl === 'timbre-2cores' && t.threadsUsed() !== 2) throw new Error(`mlp bench: ${c.name} timbre-2cores ran on ${t.threadsUsed()} thread(s)`);
      await t.close();
      if (!Number.isFinite(t.loss())) throw new Error(`mlp bench: timbre ${c.name} loss is ${t.loss()}`);
      ms[impl] = m;
      records.push({ bench: 'mlp-epoch', config: c.name, impl, ms: m });
    }
    setParallel({ enabled: false });
    setBackend(startBackend);
    for (const [impl, backend] of [
      ['tfjs-wasm', 'wasm'],
      ['tfjs-cpu', 'cpu'],
    ] as const) {
      if (only.some((o) => o.startsWith('tfjs') || o.startsWith('torch') || o.startsWith('timbre')) && !want(impl)) continue;
      await useTfBackend(backend);
      const t = tfSetup(c, init);
      checkLoss(impl, c, t.firstLoss, ref.firstLoss);
      const [w, n] = plan[impl];
      const m = median(timeEpochs(t.epoch, w, n));
      if (!Number.isFinite(t.loss())) throw new Error(`mlp bench: ${impl} ${c.name} loss is ${t.loss()}`);
      t.dispose();
      ms[impl] = m;
      records.push({ bench: 'mlp-epoch', config: c.name, impl, ms: m });
    }
    if (!only.some((o) => o.startsWith('tfjs') || o.startsWith('timbre')) || want('torch')) {
      const [w, n] = plan.torch;
      const r = torchRun(c, w, n, file);
      if (r.ms.length > 0) {
        checkLoss('torch', c, r.firstLoss, ref.firstLoss);
        ms.torch = median(r.ms);
        records.push({ bench: 'mlp-epoch', config: c.name, impl: 'torch', ms: ms.torch });
      } else if (r.note !== undefined && !notes.includes(r.note)) notes.push(r.note);
    }
    console.log(`\n${c.name}: initial loss ${ref.firstLoss.toFixed(6)} on the first batch, equal (1e-5) in every impl measured`);
    console.log(
      `${c.name}: ${c.sizes.join('→')}, batch ${c.batch}, ${c.opt === 'sgd' ? 'SGD momentum 0.9' : 'Adam'} lr ${c.lr}, ${ROWS} rows (ms/epoch, median; ${clock} clock)`,
    );
    printTable(
      ['impl', 'ms/epoch', 'timbre speed-up', 'timbre-scalar speed-up', 'timbre-2cores speed-up'],
      (['timbre', 'timbre-2cores', 'timbre-scalar', 'tfjs-wasm', 'tfjs-cpu', 'torch'] as Impl[])
        .filter((i) => ms[i] !== undefined)
        .map((i) => [i, ms[i] as number, ratio(ms[i], ms.timbre), ratio(ms[i], ms['timbre-scalar']), ratio(ms[i], ms['timbre-2cores'])]),
    );
  }
  rmSync(tmp, { recursive: true, force: true });
  for (const n of notes) console.log(`note: ${n}`);
  const heap: ReturnType<typeof heapCheck>[] = [];
  if (want('heap') || only.length === 0) {
    for (const backend of ['scalar', 'simd'] as const) {
      try {
        setBackend(backend);
      } catch {
        continue;
      }
      heap.push(heapCheck(CONFIGS[0]));
    }
    setBackend(startBackend);
  }
  if (records.length > 0) {
    const file = writeResults('mlp', records, { machine, quick, clock, rows: ROWS, notes, configs: CONFIGS, heap }, only);
    if (file !== null) console.log(`\nwrote ${file}  (${formatMachine(machine)})`);
  }
}
