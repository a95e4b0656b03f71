// Development benchmark for the WebAssembly SIMD kernels: GFLOPS per shape and layout,
// operands in the module's memory. Run: npx tsx --conditions=source bench/simd-dev.ts [--quick] [--cross]
// --cross: one core vs two cores (wall clock, best of 15 interleaved runs) to find the crossover.
// --peers: timbre SIMD (NN/NT/TN) vs tfjs-backend-wasm, interleaved, best of N wall-clock runs each: on a
// loaded shared machine the best run is the one least disturbed, for every implementation alike.
// --peak: what one core can do with SIMD128: f32x4.mul and f32x4.add throughput (their sum bounds a mul + add
// kernel), then the 4×8 micro-kernel alone on packed panels in cache (no packing, no driver loops).
import { matmulNNSimd, matmulNTSimd, matmulTNSimd } from '../packages/tensor/src/wasm/matmul.js';
import { allocFloat32 } from '../packages/tensor/src/wasm/memory.js';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { usesRelaxed } from '../packages/tensor/src/wasm/module.js';
import { I32, ModuleBuilder, Op, Simd, V128, type Local } from '../packages/tensor/src/wasm/builder.js';
import { addMatmul, MR, NR } from '../packages/tensor/src/wasm/matmul-module.js';
import { wasmApi } from '../packages/tensor/src/wasm/wasm-api.js';
import { setParallel, whenParallelReady } from '../packages/tensor/src/wasm/pool.js';

const quick = process.argv.includes('--quick');
// CPU time of this process (not wall time): on the shared, loaded machine it leaves out the time other
// processes hold the core. One thread only: with the worker, CPU time would add both threads.
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const shapes: [number, number, number][] = [
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
  [256, 64, 30],
  [32, 128, 15],
  [32, 32, 13],
];
const fns = { NN: matmulNNSimd, NT: matmulNTSimd, TN: matmulTNSimd };
const arr = (n: number): Float32Array => {
  const a = allocFloat32(n) ?? new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  return a;
};
setParallel({ enabled: false });
console.log(`node ${process.version}, relaxed madd: ${usesRelaxed()}, GFLOPS from CPU time, one thread`);
for (const [M, K, N] of process.argv.includes('--peers') || process.argv.includes('--peak') ? [] : shapes) {
  const A = arr(M * K),
    B = arr(K * N),
    C = arr(M * N);
  const row: string[] = [];
  for (const L of ['NN', 'NT', 'TN'] as const) {
    const f = fns[L];
    const flops = 2 * M * N * K;
    const reps = Math.max(1, Math.round((quick ? 2e8 : 1e9) / flops));
    for (let i = 0; i < Math.min(reps, 20); i++) f(C, A, B, null, M, K, N, 1, 0);
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = cpuMs();
      for (let i = 0; i < reps; i++) f(C, A, B, null, M, K, N, 1, 0);
      times.push((cpuMs() - t0) / reps);
    }
    times.sort((a, b) => a - b);
    row.push(`${L} ${(flops / times[2] / 1e6).toFixed(1).padStart(6)}`);
  }
  console.log(`${M}x${K}x${N}`.padEnd(14), row.join('   '));
}

if (process.argv.includes('--cross')) {
  await whenParallelReady();
  console.log('\none core vs two cores, NT, wall clock (best of 15 interleaved runs):');
  for (const [M, K, N] of [
    [64, 64, 64],
    [64, 128, 64],
    [64, 256, 128],
    [128, 128, 128],
    [64, 512, 256],
    [256, 256, 128],
    [256, 256, 256],
    [512, 512, 512],
    [1024, 1024, 1024],
  ] as [number, number, number][]) {
    const A = arr(M * K),
      B = arr(N * K),
      C = arr(M * N);
    const flops = 2 * M * N * K,
      reps = Math.max(1, Math.round(2e7 / flops));
    const best = [Infinity, Infinity];
    for (let trial = 0; trial < 15; trial++) {
      for (const par of [0, 1]) {
        setParallel({ enabled: par === 1, minFlops: 0 });
        const t = performance.now();
        for (let i = 0; i < reps; i++) matmulNTSimd(C, A, B, null, M, K, N, 1, 0);
        best[par] = Math.min(best[par], (performance.now() - t) / reps);
      }
    }
    console.log(
      `${M}x${K}x${N}`.padEnd(14),
      `${(flops / 1e6).toFixed(1)} Mflop`.padStart(13),
      '  1 core',
      (flops / best[0] / 1e6).toFixed(1).padStart(6),
      '  2 cores',
      (flops / best[1] / 1e6).toFixed(1).padStart(6),
      '  speed-up',
      (best[0] / best[1]).toFixed(2),
    );
  }
  setParallel({ enabled: false });
}

if (process.argv.includes('--peers')) {
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('simd-dev: tfjs wasm backend did not initialise');
  const trials = quick ? 7 : 15;
  console.log(`\ntimbre SIMD (one core) vs tfjs-backend-wasm, GFLOPS, best of ${trials} interleaved wall-clock runs:`);
  for (const [M, K, N] of shapes) {
    const A = arr(M * K),
      B = arr(K * N),
      C = arr(M * N);
    const flops = 2 * M * N * K,
      reps = Math.max(1, Math.round(2e7 / flops));
    const tA = tf.tensor2d(A, [M, K]),
      tB = tf.tensor2d(B, [K, N]),
      tAt = tf.tensor2d(A, [K, M]),
      tBt = tf.tensor2d(B, [N, K]);
    const runs: [string, () => void][] = [
      ['NN', () => matmulNNSimd(C, A, B, null, M, K, N, 1, 0)],
      ['NT', () => matmulNTSimd(C, A, B, null, M, K, N, 1, 0)],
      ['TN', () => matmulTNSimd(C, A, B, null, M, K, N, 1, 0)],
      [
        'tf NN',
        () => {
          const c = tf.matMul(tA, tB);
          c.dataSync();
          c.dispose();
        },
      ],
      [
        'tf NT',
        () => {
          const c = tf.matMul(tA, tBt, false, true);
          c.dataSync();
          c.dispose();
        },
      ],
      [
        'tf TN',
        () => {
          const c = tf.matMul(tAt, tB, true, false);
          c.dataSync();
          c.dispose();
        },
      ],
    ];
    const best = runs.map(() => Infinity);
    for (let t = 0; t < trials; t++) {
      runs.forEach(([, f], i) => {
        const t0 = performance.now();
        for (let r = 0; r < reps; r++) f();
        best[i] = Math.min(best[i], (performance.now() - t0) / reps);
      });
    }
    const g = best.map((ms) => flops / ms / 1e6);
    console.log(
      `${M}x${K}x${N}`.padEnd(14),
      runs.map(([name], i) => `${name} ${g[i].toFixed(1).padStart(5)}`).join('  '),
      `  NN/tf ${(g[0] / g[3]).toFixed(2)}x  NT/tf ${(g[1] / g[4]).toFixed(1)}x  TN/tf ${(g[2] / g[5]).toFixed(1)}x`,
    );
    tf.dispose([tA, tB, tAt, tBt]);
  }
}

if (process.argv.includes('--peak')) {
  const wasm = wasmApi;
  if (wasm === undefined) throw new Error('simd-dev --peak: this runtime has no WebAssembly');
  // (1) Throughput of f32x4.mul and of f32x4.add alone: n independent chains (x = x·c or x = x + b) per loop
  // iteration, enough of them to hide the latency. A mul + add kernel can at best keep both kinds of pipe
  // busy at once: mul rate + add rate vector ops per second, 4 lanes each.
  const chains = (kind: 'mul' | 'add', n: number): ((iters: number) => void) => {
    const mb = new ModuleBuilder();
    mb.importMemory('env', 'memory', 1, 1, false);
    const f = mb.func('run', [I32], []);
    const [iters] = f.params;
    const acc: Local[] = Array.from({ length: n }, () => f.local(V128));
    const b = f.local(V128),
      c = f.local(V128);
    f.f32(1e-7).simd(Simd.f32x4_splat).set(b).f32(0.9999999).simd(Simd.f32x4_splat).set(c);
    f.loop();
    for (const x of acc) {
      if (kind === 'mul') f.get(x).get(c).simd(Simd.f32x4_mul).set(x);
      else f.get(x).get(b).simd(Simd.f32x4_add).set(x);
    }
    f.get(iters).i32(1).op(Op.i32_sub).tee(iters).brIf(0);
    f.end();
    acc.forEach((x, i) =>
      f
        .i32(0)
        .get(x)
        .v128Store(i * 16),
    ); // results used: nothing is dead code
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: false });
    return new wasm.Instance(new wasm.Module(mb.emit()), { env: { memory } }).exports.run as (iters: number) => void;
  };
  console.log('\nSIMD128 throughput of one core (CPU time, best of 5), independent chains per loop iteration:');
  const rate = { mul: 0, add: 0 };
  for (const kind of ['mul', 'add'] as const) {
    for (const n of [8, 12]) {
      const run = chains(kind, n),
        iters = quick ? 5e6 : 2e7;
      run(iters);
      let best = 0;
      for (let r = 0; r < 5; r++) {
        const t0 = cpuMs();
        run(iters);
        best = Math.max(best, (iters * n) / (cpuMs() - t0) / 1e6);
      }
      rate[kind] = Math.max(rate[kind], best);
      console.log(`  ${n} f32x4.${kind} chains`.padEnd(22), `${best.toFixed(2)} G ops/s`);
    }
  }
  const bound = (rate.mul + rate.add) * 4;
  console.log(`  mul + add bound: (${rate.mul.toFixed(2)} + ${rate.add.toFixed(2)}) G ops/s × 4 lanes = ${bound.toFixed(1)} GFLOPS`);

  // (2) The library's micro-kernel alone: one packed 4-row A panel times every 8-column panel of a packed
  // B block (kc = 256 deep, N = 256), as the driver calls it but without packing or the driver's loops.
  const mb = new ModuleBuilder();
  mb.importMemory('env', 'memory', 64, 64, false);
  const kernel = addMatmul(mb, usesRelaxed());
  const f = mb.func('kernel_loop', [I32, I32, I32, I32, I32, I32, I32], []);
  const [ap, bp, kc, c, tile, nPanels, nReps] = f.params;
  const r = f.local(I32),
    j = f.local(I32),
    b = f.local(I32);
  f.for(r, 0, nReps, 1, () => {
    f.get(bp).set(b);
    f.for(j, 0, nPanels, 1, () => {
      // mm_kernel(ap, bp, kc, c, ldc, mr, nr, alpha, beta, bias, tile, act)
      f.get(ap).get(b).get(kc).get(c).i32(NR).i32(MR).i32(NR).f32(1).f32(0).i32(0).get(tile).i32(0).call(kernel);
      f.get(b)
        .get(kc)
        .i32(NR * 4)
        .op(Op.i32_mul)
        .op(Op.i32_add)
        .set(b);
    });
  });
  const memory = new wasm.Memory({ initial: 64, maximum: 64, shared: false });
  const inst = new wasm.Instance(new wasm.Module(mb.emit()), { env: { memory } });
  const loop = inst.exports.kernel_loop as (ap: number, bp: number, kc: number, c: number, tile: number, panels: number, reps: number) => void;
  new Float32Array(memory.buffer).forEach((_, i, a) => {
    a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  });
  const KCdev = 256,
    panels = 256 / NR,
    reps = quick ? 200 : 1000;
  const flops = 2 * MR * NR * KCdev * panels * reps;
  loop(0, 65536, KCdev, 1 << 20, (1 << 20) + 4096, panels, reps);
  let best = 0;
  for (let t = 0; t < 5; t++) {
    const t0 = cpuMs();
    loop(0, 65536, KCdev, 1 << 20, (1 << 20) + 4096, panels, reps);
    best = Math.max(best, flops / (cpuMs() - t0) / 1e6);
  }
  console.log(
    `micro-kernel alone (${MR}×${NR} tile, kc = ${KCdev}, packed panels in cache, relaxed madd: ${usesRelaxed()}): ${best.toFixed(1)} GFLOPS` +
      ` = ${((best / bound) * 100).toFixed(0)} % of the mul + add bound, ${((best / 113) * 100).toFixed(0)} % of the 256-bit FMA peak (≈ 113)`,
  );
}
