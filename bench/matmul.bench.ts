// matmul micro-benchmark: timbre's scalar kernels in each layout vs the naive kernel,
// tfjs-backend-cpu and tfjs-backend-wasm, on square and MLP-layer shapes (M×K×N).
// Every implementation's result is checked against the naive kernel before it is timed.
// Writes bench/results/matmul.json: [{ bench, shape, layout, impl, gflops }].
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  Rng,
  asmjsAvailable,
  getBackend,
  matmulNN,
  matmulNNAsm,
  matmulNNNaive,
  matmulNNPacked,
  matmulNT,
  matmulNTAsm,
  matmulNTNaive,
  matmulNTPacked,
  matmulTN,
  matmulTNAsm,
  matmulTNNaive,
  matmulTNPacked,
  setParallel,
  whenParallelReady,
  zeros,
} from '@timbre/tensor';
import type { BenchOptions } from './run.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/table.js';
import { clock, matmulGflops, measureInterleaved, measureOptions, now, type InterleavedCase } from './lib/timing.js';

type Layout = 'NN' | 'NT' | 'TN';
type Impl = 'timbre' | 'timbre-scalar' | 'timbre-ts' | 'timbre-2cores' | 'naive' | 'tfjs-cpu' | 'tfjs-wasm';
interface MatmulRecord {
  bench: 'matmul';
  shape: string;
  layout: Layout;
  impl: Impl;
  gflops: number;
}
type Kernel = typeof matmulNNPacked;

/** M×K×N: square sizes, then the MLP layers' forward/backward shapes. */
export const SHAPES: [number, number, number][] = [
  [64, 64, 64],
  [128, 128, 128],
  [256, 256, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
  [64, 30, 256],
  [64, 256, 128],
  [64, 128, 64],
  [64, 64, 16],
  [256, 256, 128],
];
const LAYOUTS: Layout[] = ['NN', 'NT', 'TN'];
const IMPLS: Impl[] = ['timbre', 'timbre-2cores', 'timbre-scalar', 'timbre-ts', 'naive', 'tfjs-cpu', 'tfjs-wasm'];
// "timbre" is the default path: the kernels/matmul.ts dispatcher (WebAssembly SIMD where the runtime has
// it) on one core, operands allocated by @timbre/tensor (so in WebAssembly memory, no copies).
// "timbre-2cores" is the same with the worker thread taking half of the product; it is only run on
// shapes at or above the crossover (TIMBRE_PARALLEL_MIN_FLOPS) where the default path uses it.
// "timbre-scalar" is the scalar path, as the scalar backend runs it: the
// asm.js macro-kernel (kernels/matmul-asm.ts) with the TypeScript packing; "timbre-ts" is the same
// driver with the TypeScript macro-kernel (kernels/matmul-packed.ts), what runs where asm.js does not
// compile. Both are called directly, so the result does not depend on which backend the dispatcher picks.
const DEFAULT: Record<Layout, Kernel> = { NN: matmulNN, NT: matmulNT, TN: matmulTN };
/** timbre-2cores rows are measured on products from this many flops up (the library's own default crossover,
 * TIMBRE_PARALLEL_MIN_FLOPS, is higher: see packages/tensor/docs/simd.md). */
const PARALLEL_MIN_FLOPS = Number(process.env.TIMBRE_PARALLEL_MIN_FLOPS || 2 ** 24);
/** Copies `a` into a buffer allocated the way tensors are (WebAssembly memory under the SIMD backend). */
const tensorBuffer = (a: Float32Array): Float32Array => {
  const t = zeros([a.length]).data;
  t.set(a);
  return t;
};
const NAIVE: Record<Layout, Kernel> = { NN: matmulNNNaive, NT: matmulNTNaive, TN: matmulTNNaive };
/** The kernels called directly, by implementation. */
const DIRECT: Record<'timbre-scalar' | 'timbre-ts' | 'naive', Record<Layout, Kernel>> = {
  'timbre-scalar': { NN: matmulNNAsm, NT: matmulNTAsm, TN: matmulTNAsm },
  'timbre-ts': { NN: matmulNNPacked, NT: matmulNTPacked, TN: matmulTNPacked },
  naive: NAIVE,
};
/** In --quick mode the slow peers (naive, tfjs-cpu: ~0.1-1 GFLOPS) skip shapes above this many MACs. */
const QUICK_SLOW_LIMIT = 256 * 256 * 256;

const shapeName = ([M, K, N]: [number, number, number]) => `${M}x${K}x${N}`;

function transpose(x: Float32Array, R: number, C: number): Float32Array {
  const t = new Float32Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) t[c * R + r] = x[r * C + c];
  return t;
}

/** Throws unless `got` matches the naive reference within float32 accumulation error. */
function check(label: string, got: ArrayLike<number>, ref: Float32Array, K: number): void {
  const tol = 1e-4 + 2e-6 * K * Math.sqrt(K); // unit normals: |C| ~ sqrt(K); float32 sums drift ~ K·eps
  let worst = 0,
    at = 0;
  if (got.length !== ref.length) throw new Error(`matmul bench: ${label} returned ${got.length} values, expected ${ref.length}`);
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  if (!(worst <= tol)) throw new Error(`matmul bench: ${label} is wrong: |C[${at}] - naive| = ${worst} > ${tol}`);
}

let wasmReady: Promise<boolean> | null = null;

/** Registers the wasm backend with its .wasm files from node_modules (nothing is downloaded). */
function initWasm(): Promise<boolean> {
  if (wasmReady === null) {
    const require = createRequire(import.meta.url);
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    wasmReady = tf.setBackend('wasm');
  }
  return wasmReady;
}

async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  const ok = name === 'wasm' ? (await initWasm()) && (await tf.setBackend('wasm')) : await tf.setBackend('cpu');
  if (!ok || tf.getBackend() !== name) throw new Error(`matmul bench: tfjs backend ${name} did not initialise`);
  // tfjs-cpu prints a "use tfjs-node" banner on first use; it is noise in a table.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

export async function run(opts: BenchOptions): Promise<void> {
  const { quick } = opts;
  const only = opts.only ?? [];
  const want = (s: string) => only.length === 0 || only.some((o) => s.includes(o));
  const mo = measureOptions(quick);
  const machine = machineInfo();
  console.log(
    `matmul: GFLOPS = 2·M·N·K / median ${clock === 'cpu' ? 'CPU' : 'wall'} time${quick ? ' (--quick: short samples; naive and tfjs-cpu skip shapes above 256³)' : ''}`,
  );
  console.log(`machine: ${formatMachine(machine)}`);
  const records: MatmulRecord[] = [];
  const rng = new Rng(2024);

  for (const shape of SHAPES) {
    const [M, K, N] = shape;
    const name = shapeName(shape);
    const impls = IMPLS.filter((i) => want(name) || want(i));
    if (!want(name) && impls.length === IMPLS.length) continue;
    if (impls.length === 0) continue;
    // Every layout computes the same C = A·B from physically transposed copies of A and B.
    const A = new Float32Array(M * K),
      B = new Float32Array(K * N);
    for (let i = 0; i < A.length; i++) A[i] = rng.normal();
    for (let i = 0; i < B.length; i++) B[i] = rng.normal();
    const At = transpose(A, M, K),
      Bt = transpose(B, K, N);
    const inputs: Record<Layout, [Float32Array, Float32Array]> = { NN: [A, B], NT: [A, Bt], TN: [At, B] };
    const ref = new Float32Array(M * N);
    matmulNTNaive(ref, A, Bt, null, M, K, N, 1, 0); // the contiguous naive layout is the fastest reference
    const C = new Float32Array(M * N);
    const slowOk = !quick || M * K * N <= QUICK_SLOW_LIMIT;
    const add = (layout: Layout, impl: Impl, ms: number) =>
      records.push({ bench: 'matmul', shape: name, layout, impl, gflops: Math.round(matmulGflops(M, K, N, ms) * 1000) / 1000 });

    // Every implementation and layout is first checked against the naive reference, then all are timed
    // together round by round (measureInterleaved), so a slow phase of the machine hits each alike.
    const cases: (InterleavedCase & { impl: Impl; layout: Layout })[] = [];
    const tensors: tf.Tensor[] = [];
    const twoCores = getBackend() === 'simd' && 2 * M * N * K >= PARALLEL_MIN_FLOPS && (await whenParallelReady());
    const startParallel = setParallel({ enabled: false });
    for (const impl of ['timbre', 'timbre-2cores', 'timbre-scalar', 'timbre-ts', 'naive'] as const) {
      if (!impls.includes(impl) || (impl === 'naive' && !slowOk) || (impl === 'timbre-2cores' && !twoCores)) continue;
      const dispatched = impl === 'timbre' || impl === 'timbre-2cores';
      const enter = () => {
        setParallel({ enabled: impl === 'timbre-2cores', minFlops: PARALLEL_MIN_FLOPS });
      };
      enter();
      const Cd = dispatched ? zeros([M * N]).data : C;
      for (const layout of LAYOUTS) {
        const k = dispatched ? DEFAULT[layout] : DIRECT[impl][layout];
        const [a, b] = dispatched ? inputs[layout].map(tensorBuffer) : inputs[layout];
        const C = Cd;
        C.fill(NaN);
        const t0 = now();
        k(C, a, b, null, M, K, N, 1, 0);
        const firstCallMs = now() - t0;
        check(`${impl} ${layout} ${name}`, C, ref, K);
        cases.push({ impl, layout, enter, firstCallMs, fn: () => k(C, a, b, null, M, K, N, 1, 0) });
      }
    }
    setParallel({ enabled: false });
    for (const [impl, backend] of [
      ['tfjs-cpu', 'cpu'],
      ['tfjs-wasm', 'wasm'],
    ] as const) {
      if (!impls.includes(impl) || (impl === 'tfjs-cpu' && !slowOk)) continue;
      const enter = () => useBackend(backend);
      await enter();
      // tensors live on the backend they were made on; each case only runs with its own backend active
      const tA = tf.tensor2d(A, [M, K]),
        tB = tf.tensor2d(B, [K, N]);
      const tAt = tf.tensor2d(At, [K, M]),
        tBt = tf.tensor2d(Bt, [N, K]);
      tensors.push(tA, tB, tAt, tBt);
      const calls: Record<Layout, () => tf.Tensor> = {
        NN: () => tf.matMul(tA, tB),
        NT: () => tf.matMul(tA, tBt, false, true),
        TN: () => tf.matMul(tAt, tB, true, false),
      };
      for (const layout of LAYOUTS) {
        const f = calls[layout];
        const t0 = now();
        const c = f();
        const got = c.dataSync() as Float32Array;
        const firstCallMs = now() - t0;
        check(`${impl} ${layout} ${name}`, got, ref, K);
        c.dispose();
        // Timed: the product and reading it back into a Float32Array (what our kernel delivers).
        cases.push({
          impl,
          layout,
          enter,
          firstCallMs,
          fn: () => {
            const r = f();
            r.dataSync();
            r.dispose();
          },
        });
      }
    }
    const timings = await measureInterleaved(cases, mo);
    cases.forEach((c, i) => add(c.layout, c.impl, timings[i].medianMs));
    tf.dispose(tensors); // the engine frees each tensor on the backend that holds it
    setParallel(startParallel);
    const row = records.filter((r) => r.shape === name).map((r) => `${r.impl}/${r.layout} ${r.gflops.toFixed(2)}`);
    console.log(`  ${name}: ${row.join('  ')}`);
  }

  const get = (shape: string, layout: Layout, impl: Impl) => records.find((r) => r.shape === shape && r.layout === layout && r.impl === impl)?.gflops;
  const rows: (string | number)[][] = [];
  for (const shape of SHAPES.map(shapeName)) {
    for (const layout of LAYOUTS) {
      const ours = get(shape, layout, 'timbre');
      if (ours === undefined && !records.some((r) => r.shape === shape && r.layout === layout)) continue;
      const nn = get(shape, 'NN', 'timbre');
      const two = get(shape, layout, 'timbre-2cores'),
        scalar = get(shape, layout, 'timbre-scalar');
      const ts = get(shape, layout, 'timbre-ts'),
        cpu = get(shape, layout, 'tfjs-cpu');
      rows.push([
        shape,
        layout,
        ours ?? NaN,
        two ?? '',
        scalar ?? NaN,
        ts ?? NaN,
        get(shape, layout, 'naive') ?? NaN,
        cpu ?? NaN,
        get(shape, layout, 'tfjs-wasm') ?? NaN,
        ratio(ours, get(shape, layout, 'naive')),
        ratio(ours, cpu),
        ratio(ours, get(shape, layout, 'tfjs-wasm')),
        ratio(scalar, cpu),
        ratio(ts, cpu),
        two === undefined ? '' : ratio(two, ours),
        layout === 'NN' ? '' : ratio(ours, nn),
      ]);
    }
  }
  console.log('');
  printTable(
    [
      'shape MxKxN',
      'layout',
      'timbre',
      '2cores',
      'scalar',
      'ts',
      'naive',
      'tfjs-cpu',
      'tfjs-wasm',
      '/naive',
      '/tfjs-cpu',
      '/tfjs-wasm',
      'scalar/tfjs-cpu',
      'ts/tfjs-cpu',
      '2cores/1',
      '/NN',
    ],
    rows,
  );
  console.log(`(GFLOPS; timbre = default ${getBackend()} kernels on one core, 2cores = with the worker thread, scalar = the scalar backend's`);
  console.log(
    ` kernels (asm.js macro-kernel${asmjsAvailable() ? '' : ': NOT compiled here, so this row ran as ordinary JavaScript'}), ts = the TypeScript macro-kernel;`,
  );
  console.log(
    ' ratios are timbre / peer in the same layout; /NN is this layout vs timbre NN; one core peaks at ≈ 113 GFLOPS with 256-bit FMA, ≈ 56 with 128-bit SIMD)',
  );
  const file = writeResults(
    'matmul',
    records,
    { machine, quick, clock, command: `${clock === 'cpu' ? 'BENCH_CLOCK=cpu ' : ''}npm run bench -- matmul${quick ? ' --quick' : ''}` },
    only,
  );
  if (file !== null) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
