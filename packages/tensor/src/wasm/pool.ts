// Second core: one worker thread shares the WebAssembly memory and the compiled module; a large product
// is split in two column (or row) halves, the worker runs one while this thread runs the other.
// Hand-off is a control block in the shared memory (Atomics.wait/notify: microseconds, no messages).
// The worker is created on the first large product, used once it reports ready, and unref'd, so it
// never keeps the process alive. TIMBRE_THREADS=1 disables it; TIMBRE_PARALLEL_MIN_FLOPS sets the
// crossover (default measured with bench/simd-dev.ts, see docs/simd.md).

import { Worker } from 'node:worker_threads';
import { matmulScratchBytes } from './matmul-module.js';
import { rawAlloc, wasmMemory } from './memory.js';
import { kernelModule, simdKernels } from './module.js';

// Control block layout (Int32 slots; alpha and beta as Float32 in slots 13 and 14).
const SEQ = 0, DONE = 1, LAYOUT = 2, READY = 31, CTRL_SLOTS = 32;
/** Columns per worker call, as in matmul.ts (its scratch is sized for this many). */
const MAX_HALF_N = 4096;

// Plain JavaScript, run with `eval: true`: no file to resolve, so it works the same from TypeScript
// source (tsx, vitest) and from dist.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp, log: Math.log } }).exports;
const I = new Int32Array(memory.buffer, ctrl, ${CTRL_SLOTS});
const F = new Float32Array(memory.buffer, ctrl, ${CTRL_SLOTS});
const fns = [k.mm_NN, k.mm_NT, k.mm_TN];
Atomics.store(I, ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(I, ${SEQ}, seen);
  seen = Atomics.load(I, ${SEQ});
  if (seen < 0) break;
  fns[I[${LAYOUT}]](I[3], I[4], I[5], I[6], I[7], I[8], I[9], I[10], I[11], I[12], F[13], F[14], I[15], I[16]);
  Atomics.store(I, ${DONE}, seen);
  Atomics.notify(I, ${DONE});
}
`;

function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`${name} must be a non-negative number, got '${v}'`);
  return x;
}

/** Products with fewer flops (2·M·N·K) than this stay on one thread. */
let minFlops = envNumber('TIMBRE_PARALLEL_MIN_FLOPS', 2 ** 24);
/** TIMBRE_THREADS=1 forbids the worker altogether; setParallel toggles its use at run time. */
const allowed = envNumber('TIMBRE_THREADS', 2) >= 2;
let enabled = allowed;

let worker: Worker | null = null;
let failed = false;
let ctrl: Int32Array | null = null, ctrlF: Float32Array | null = null;
let scratch = 0, seq = 0;
let calls = 0;

/** How many products ran on two threads so far (tests check the split really happened). */
export function parallelCalls(): number {
  return calls;
}

function start(): void {
  try {
    const memory = wasmMemory();
    const ptr = rawAlloc(CTRL_SLOTS * 4);
    scratch = rawAlloc(matmulScratchBytes(MAX_HALF_N));
    ctrl = new Int32Array(memory.buffer, ptr, CTRL_SLOTS);
    ctrlF = new Float32Array(memory.buffer, ptr, CTRL_SLOTS);
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: kernelModule(), memory, ctrl: ptr } });
    worker.unref();
    worker.on('error', () => { failed = true; });
    worker.on('exit', () => { failed = true; });
  } catch {
    failed = true;
  }
}

/**
 * Use (or stop using) the second core. `minFlops` sets the crossover. Returns the previous settings.
 * Benchmarks call this to time one and two cores in one process.
 */
export function setParallel(options: { enabled?: boolean; minFlops?: number }): { enabled: boolean; minFlops: number } {
  const prev = { enabled, minFlops };
  if (options.enabled !== undefined) enabled = options.enabled;
  if (options.minFlops !== undefined) minFlops = options.minFlops;
  return prev;
}

/** True once the worker has started and can take work (it starts on the first large product). */
export function parallelReady(): boolean {
  return ctrl !== null && !failed && Atomics.load(ctrl, READY) === 1;
}

/**
 * Runs the product on two threads when it is large enough and the worker is ready; returns false
 * (caller runs it alone) otherwise. Pointers are byte offsets; C, A, B contiguous as in matmul.ts.
 */
export function parallelMatmul(layout: 'NN' | 'NT' | 'TN', C: number, A: number, B: number, bias: number,
                               M: number, K: number, N: number, alpha: number, beta: number, act: number): boolean {
  if (!enabled || !allowed || failed || 2 * M * N * K < minFlops) return false;
  if (worker === null) { start(); return false; }
  const I = ctrl as Int32Array, F = ctrlF as Float32Array;
  if (Atomics.load(I, READY) !== 1) return false;
  const lda = layout === 'TN' ? M : K, ldb = layout === 'NT' ? K : N;
  // Split the columns (each half packs only its half of B) when there are enough; else split rows.
  let c0: number, a0: number, b0: number, bias0: number, m0: number, n0: number, m1: number, n1: number;
  if (N >= 16) {
    const j = Math.ceil(N / 16) * 8; // multiple of the 8-column panel
    if (N - j > MAX_HALF_N || j > MAX_HALF_N) return false;
    m0 = M; n0 = j; m1 = M; n1 = N - j;
    c0 = C + j * 4; a0 = A; b0 = B + (layout === 'NT' ? j * K * 4 : j * 4); bias0 = bias === 0 ? 0 : bias + j * 4;
  } else {
    if (M < 8) return false;
    const i = Math.ceil(M / 8) * 4;
    m0 = i; n0 = N; m1 = M - i; n1 = N;
    c0 = C + i * N * 4; a0 = A + (layout === 'TN' ? i * 4 : i * K * 4); b0 = B; bias0 = bias;
  }
  // Worker: the second half.
  I[LAYOUT] = layout === 'NN' ? 0 : layout === 'NT' ? 1 : 2;
  I[3] = c0; I[4] = N; I[5] = a0; I[6] = lda; I[7] = b0; I[8] = ldb; I[9] = bias0;
  I[10] = m1; I[11] = K; I[12] = n1; F[13] = alpha; F[14] = beta; I[15] = scratch; I[16] = act;
  seq = (seq + 1) & 0x3fffffff;
  if (seq === 0) seq = 1;
  Atomics.store(I, SEQ, seq);
  Atomics.notify(I, SEQ);
  // This thread: the first half.
  const k = simdKernels();
  const fn = layout === 'NN' ? k.mm_NN : layout === 'NT' ? k.mm_NT : k.mm_TN;
  fn(C, N, A, lda, B, ldb, bias, m0, K, n0, alpha, beta, ownScratch(n0), act);
  // Wait for the worker (bounded: a dead worker must not hang the process).
  let waited = 0;
  while (Atomics.load(I, DONE) !== seq) {
    const r = Atomics.wait(I, DONE, Atomics.load(I, DONE), 1000);
    if (r === 'timed-out' && ++waited >= 60) {
      failed = true;
      throw new Error('timbre: the matmul worker thread stopped responding (set TIMBRE_THREADS=1 to run on one core)');
    }
  }
  calls++;
  return true;
}

let own = 0, ownBytes = 0;
function ownScratch(n: number): number {
  const bytes = matmulScratchBytes(Math.max(n, MAX_HALF_N));
  if (bytes > ownBytes) { own = rawAlloc(bytes); ownBytes = bytes; }
  return own;
}

/**
 * Starts the worker now (instead of on the first large product) and resolves once it can take work;
 * false when worker threads are unavailable or forbidden (TIMBRE_THREADS=1). Does not change setParallel's switch.
 *
 * ```ts
 * await whenParallelReady(); // then large products use both cores
 * ```
 */
export async function whenParallelReady(): Promise<boolean> {
  if (!allowed) return false;
  if (worker === null && !failed) start();
  while (!failed && !parallelReady()) await new Promise((r) => setTimeout(r, 5));
  return parallelReady();
}
