// Second core: one worker thread shares the WebAssembly memory and the compiled module. A large
// product is cut into column (or row) chunks that both threads claim from a shared counter, so when
// the worker is slow to wake or descheduled (a loaded machine) this thread simply takes more chunks:
// two cores never make a product much slower than one. Hand-off is a control block in the shared
// memory (Atomics: microseconds, no messages). The worker starts on the first large product, is used
// once it reports ready, and is unref'd, so it never keeps the process alive. TIMBRE_THREADS=1 forbids
// it; TIMBRE_PARALLEL_MIN_FLOPS sets the crossover (see docs/simd.md).

import { Worker } from 'node:worker_threads';
import { matmulScratchBytes } from './matmul-module.js';
import { rawAlloc, wasmMemory } from './memory.js';
import { kernelModule, simdKernels } from './module.js';
import { SPIN_CHECK, spinWhile, threadLimit } from '../worker.js';
import { checkOptions } from '../options.js';

// Control block (Int32 slots). NEXT packs the job tag (seq << 16) and the next unclaimed chunk in its
// low 16 bits; a thread claims chunk c with compareExchange(tag | c → tag | c+1), so a worker waking
// late for a finished job (other tag) can never claim a chunk of the next one.
const SEQ = 0,
  NEXT = 1,
  WDONE = 2,
  LAYOUT = 3,
  READY = 31,
  CTRL_SLOTS = 32;
// Slots 4..: C, A, B, bias, M, K, N, alpha (f32), beta (f32), scratch, act, byRows, chunk, nChunks.
/** Most columns (or rows) in a chunk; the worker's scratch is sized for it. */
const MAX_CHUNK = 4096;
const CLOSED = 0xffff;
/**
 * Products below this many flops are cut into 2 chunks, larger ones into about 8. Measured with the MLP
 * bench's model (30→256→128→64→16) and a 2²¹ crossover: 2 chunks below 2²⁶ gave 66 / 47 ms per epoch at
 * batch 64 / 256, 8 chunks 79 / 52, one core 73 / 66.
 */
const FEW_CHUNKS_FLOPS = 2 ** 26;
/** How long (ms) either thread spins on the control block before sleeping in Atomics.wait. */
const SPIN_MS = 0.5;

// Plain JavaScript, run with `eval: true`: no file to resolve, so it works the same from TypeScript
// source (tsx, vitest) and from dist. chunk() is the same arithmetic as runChunk below.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp, log: Math.log } }).exports;
const I = new Int32Array(memory.buffer, ctrl, ${CTRL_SLOTS});
const F = new Float32Array(memory.buffer, ctrl, ${CTRL_SLOTS});
const fns = [k.mm_NN, k.mm_NT, k.mm_TN];
${runChunkSource()}
Atomics.store(I, ${READY}, 1);
let seen = 0;
for (;;) {
  // Spin a little before sleeping: during training the next product follows within microseconds, and
  // waking from Atomics.wait costs tens of microseconds on a VM. (spinWhile's loop, written out: this
  // source is evaluated on its own and cannot import.)
  for (let n = 1, t0 = performance.now(); Atomics.load(I, ${SEQ}) === seen; n++) if ((n & ${SPIN_CHECK}) === 0 && performance.now() - t0 >= ${SPIN_MS}) break;
  Atomics.wait(I, ${SEQ}, seen);
  seen = Atomics.load(I, ${SEQ});
  if (seen < 0) break;
  const tag = (seen << 16) >>> 0;
  const layout = I[${LAYOUT}], C = I[4], A = I[5], B = I[6], bias = I[7], M = I[8], K = I[9], N = I[10];
  const alpha = F[11], beta = F[12], scratch = I[13], act = I[14], byRows = I[15], cs = I[16], n = I[17];
  for (;;) {
    const w = Atomics.load(I, ${NEXT}) >>> 0;
    if (((w & 0xffff0000) >>> 0) !== tag) break;
    const c = w & 0xffff;
    if (c >= n) break;
    if ((Atomics.compareExchange(I, ${NEXT}, w | 0, (w + 1) | 0) >>> 0) !== w) continue;
    runChunk(fns[layout], layout, C, A, B, bias, M, K, N, alpha, beta, scratch, act, byRows, cs, c);
    Atomics.add(I, ${WDONE}, 1);
    Atomics.notify(I, ${WDONE});
  }
}
`;

/** Source of runChunk, shared by this thread and the worker (so both cut chunks identically). */
function runChunkSource(): string {
  return `function runChunk(fn, layout, C, A, B, bias, M, K, N, alpha, beta, scratch, act, byRows, cs, c) {
  const lda = layout === 2 ? M : K, ldb = layout === 1 ? K : N;
  if (byRows) {
    const i0 = c * cs, m = Math.min(cs, M - i0);
    fn(C + i0 * N * 4, N, A + (layout === 2 ? i0 * 4 : i0 * K * 4), lda, B, ldb, bias, m, K, N, alpha, beta, scratch, act);
  } else {
    const j0 = c * cs, nn = Math.min(cs, N - j0);
    fn(C + j0 * 4, N, A, lda, B + (layout === 1 ? j0 * K * 4 : j0 * 4), ldb, bias === 0 ? 0 : bias + j0 * 4, M, K, nn, alpha, beta, scratch, act);
  }
}`;
}

type Fn = (
  C: number,
  ldc: number,
  A: number,
  lda: number,
  B: number,
  ldb: number,
  bias: number,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
  scratch: number,
  act: number,
) => void;
type RunChunk = (
  fn: Fn,
  layout: number,
  C: number,
  A: number,
  B: number,
  bias: number,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
  scratch: number,
  act: number,
  byRows: number,
  cs: number,
  c: number,
) => void;
// Built (in start(), inside its try) from the same source string as the worker's copy, so both threads
// cut chunks identically; a runtime that forbids code from strings just never uses the second core.
let runChunk: RunChunk | null = null;

function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`${name} must be a non-negative number, got '${v}'`);
  return x;
}

/**
 * Products with fewer flops (2·M·N·K) than this stay on one thread. 2²⁹ (≈ 640³) is the crossover
 * measured on the shared 2-core bench machine under load (bench/simd-dev.ts --cross): below it the
 * second core, busy with other processes, made products slower. On an idle machine it is far lower.
 */
let minFlops = envNumber('TIMBRE_PARALLEL_MIN_FLOPS', 2 ** 29);
/** TIMBRE_THREADS=1 forbids the worker altogether; setParallel toggles its use at run time. */
const allowed = threadLimit() >= 2;
let enabled = allowed;
/** When false this thread claims no chunk and the worker computes them all (tests use it to exercise the worker). */
let share = true;

let worker: Worker | null = null;
let failed = false;
let ctrl: Int32Array | null = null,
  ctrlF: Float32Array | null = null;
let workerScratch = 0,
  seq = 0;
let calls = 0,
  workerChunks = 0;

/** How many products ran with the worker taking part, and how many chunks it computed (tests, docs). */
export function parallelCalls(): number {
  return calls;
}
export function parallelWorkerChunks(): number {
  return workerChunks;
}

function start(): void {
  try {
    // This thread's instance first. Measured (V8 11.3): when the worker instantiated the shared module
    // before this thread did, this thread's kernels kept running slower code for good (an MLP epoch
    // 110-130 ms instead of 75; fast again with --no-liftoff, so its calls stayed on the baseline tier).
    simdKernels();
    runChunk = new Function(`${runChunkSource()}; return runChunk;`)() as RunChunk;
    const memory = wasmMemory();
    const ptr = rawAlloc(CTRL_SLOTS * 4);
    workerScratch = rawAlloc(matmulScratchBytes(MAX_CHUNK));
    ctrl = new Int32Array(memory.buffer, ptr, CTRL_SLOTS);
    ctrlF = new Float32Array(memory.buffer, ptr, CTRL_SLOTS);
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: kernelModule(), memory, ctrl: ptr } });
    worker.unref();
    worker.on('error', () => {
      failed = true;
    });
    worker.on('exit', () => {
      failed = true;
    });
  } catch {
    failed = true;
  }
}

/**
 * Use (or stop using) the second core. `minFlops` sets the crossover. Returns the previous settings.
 * Benchmarks call this to time one and two cores in one process.
 */
export function setParallel(options: {
  /** Use the worker thread for large products (no effect when TIMBRE_THREADS=1 forbids it). */
  enabled?: boolean;
  /** Products with fewer flops (2·M·N·K) than this stay on one thread. */
  minFlops?: number;
  /** False: this thread claims no chunk and the worker computes them all (tests use it to exercise the worker). */
  share?: boolean;
}): {
  /** Previous `enabled`. */
  enabled: boolean;
  /** Previous `minFlops`. */
  minFlops: number;
  /** Previous `share`. */
  share: boolean;
} {
  checkOptions('setParallel', options, ['enabled', 'minFlops', 'share']);
  const prev = { enabled, minFlops, share };
  if (options.enabled !== undefined) enabled = options.enabled;
  if (options.minFlops !== undefined) minFlops = options.minFlops;
  if (options.share !== undefined) share = options.share;
  return prev;
}

/** True once the worker has started and can take work (it starts on the first large product). */
export function parallelReady(): boolean {
  return ctrl !== null && !failed && Atomics.load(ctrl, READY) === 1;
}

let own = 0,
  ownBytes = 0;
function ownScratch(): number {
  const bytes = matmulScratchBytes(MAX_CHUNK);
  if (bytes > ownBytes) {
    own = rawAlloc(bytes);
    ownBytes = bytes;
  }
  return own;
}

/**
 * Runs the product with the worker's help when it is large enough and the worker is ready; returns
 * false (caller runs it alone) otherwise. Pointers are byte offsets; C, A, B contiguous as in matmul.ts.
 */
export function parallelMatmul(
  layout: 'NN' | 'NT' | 'TN',
  C: number,
  A: number,
  B: number,
  bias: number,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
  act: number,
): boolean {
  if (!enabled || !allowed || failed || 2 * M * N * K < minFlops) return false;
  if (worker === null) {
    start();
    return false;
  }
  const I = ctrl as Int32Array,
    F = ctrlF as Float32Array;
  if (Atomics.load(I, READY) !== 1) return false;
  // Chunks: columns in multiples of the 8-wide panel when N allows (each chunk packs only its part of
  // B), else rows in multiples of 4; about 8 chunks so a late worker still finds work to take, but
  // only 2 below FEW_CHUNKS_FLOPS: every column chunk packs all of A again, which on small products
  // costs more than a late worker (the spinning worker is rarely late).
  const byRows = N < 32 ? 1 : 0;
  const extent = byRows ? M : N,
    unit = byRows ? 4 : 8;
  if (extent < 2 * unit) return false;
  const parts = 2 * M * N * K < FEW_CHUNKS_FLOPS ? 2 : 8;
  let cs = Math.ceil(extent / parts / unit) * unit;
  if (cs > MAX_CHUNK) cs = MAX_CHUNK;
  const n = Math.ceil(extent / cs);
  if (n > CLOSED - 1) return false;
  const li = layout === 'NN' ? 0 : layout === 'NT' ? 1 : 2;

  seq = (seq + 1) & 0x7fff;
  if (seq === 0) seq = 1;
  const tag = (seq << 16) >>> 0;
  Atomics.store(I, NEXT, tag | CLOSED | 0); // close first: a late worker's claim fails before params change
  I[LAYOUT] = li;
  I[4] = C;
  I[5] = A;
  I[6] = B;
  I[7] = bias;
  I[8] = M;
  I[9] = K;
  I[10] = N;
  F[11] = alpha;
  F[12] = beta;
  I[13] = workerScratch;
  I[14] = act;
  I[15] = byRows;
  I[16] = cs;
  I[17] = n;
  Atomics.store(I, WDONE, 0);
  Atomics.store(I, NEXT, tag | 0);
  Atomics.store(I, SEQ, seq);
  Atomics.notify(I, SEQ);

  const k = simdKernels();
  const fn = (li === 0 ? k.mm_NN : li === 1 ? k.mm_NT : k.mm_TN) as Fn;
  const s = ownScratch();
  let mine = 0;
  while (share) {
    const w = Atomics.load(I, NEXT) >>> 0;
    const c = w & 0xffff;
    if (c >= n) break;
    if (Atomics.compareExchange(I, NEXT, w | 0, (w + 1) | 0) >>> 0 !== w) continue;
    (runChunk as RunChunk)(fn, li, C, A, B, bias, M, K, N, alpha, beta, s, act, byRows, cs, c);
    mine++;
  }
  // Wait for chunks the worker claimed (bounded: a dead worker must not hang the process).
  let waited = 0;
  spinWhile(() => mine + Atomics.load(I, WDONE) < n, SPIN_MS);
  for (;;) {
    const done = Atomics.load(I, WDONE);
    if (mine + done >= n) break;
    if (Atomics.wait(I, WDONE, done, 1000) === 'timed-out' && ++waited >= 60) {
      failed = true;
      throw new Error('timbre: the matmul worker thread stopped responding (set TIMBRE_THREADS=1 to run on one core)');
    }
  }
  if (mine < n) {
    calls++;
    workerChunks += n - mine;
  }
  return true;
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
