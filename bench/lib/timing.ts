// Timing harness for bench/*.bench.ts: warm-up, calibrated repetitions, median of several
// samples. The clock is wall time (performance.now) unless BENCH_CLOCK=cpu, which uses this
// process's CPU time (process.cpuUsage): on a machine shared with other jobs that measures a
// single-threaded kernel without the time it spent waiting for a core. Never imported by tests.

/** 'wall' (default) or 'cpu', from the BENCH_CLOCK environment variable. */
export const clock: 'wall' | 'cpu' = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';
if (process.env.BENCH_CLOCK !== undefined && process.env.BENCH_CLOCK !== 'cpu' && process.env.BENCH_CLOCK !== 'wall') {
  throw new Error(`bench: BENCH_CLOCK must be "wall" or "cpu", got "${process.env.BENCH_CLOCK}"`);
}

/** Milliseconds on the selected clock. */
export function now(): number {
  if (clock === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface MeasureOptions {
  /** Samples whose median is reported (default 7). */
  samples?: number;
  /** Target duration of one sample in ms; fast functions are repeated to reach it (default 100). */
  sampleMs?: number;
  /** Warm-up time in ms before sampling, at least 2 calls (default 200). */
  warmupMs?: number;
  /** Upper bound on the sampling time in ms: slow functions get fewer samples, at least 1 (default 10000). */
  maxTotalMs?: number;
  /**
   * Duration in ms of a call the caller has already made (e.g. the correctness check). If it is
   * longer than maxTotalMs / 2, that call counts as the warm-up and none is repeated; if it is
   * longer than maxTotalMs, it is also the only sample (a call that slow is past JIT warm-up
   * effects, and repeating it would blow the time budget).
   */
  firstCallMs?: number;
}

export interface Measurement {
  /** Median time of one call, ms. */
  medianMs: number;
  /** Fastest sample's time of one call, ms. */
  minMs: number;
  /** Per-call time of every sample, ms. */
  samplesMs: number[];
  /** Calls per sample. */
  iters: number;
}

/** Presets: `--quick` trades precision for a run well under a minute. */
export function measureOptions(quick: boolean): Required<Omit<MeasureOptions, 'firstCallMs'>> {
  return quick ? { samples: 3, sampleMs: 15, warmupMs: 20, maxTotalMs: 400 } : { samples: 7, sampleMs: 100, warmupMs: 200, maxTotalMs: 10000 };
}

/** Warm-up and calibration: calls per sample and how many samples fit the budget (0: `fn` is too slow to repeat). */
interface Plan {
  iters: number;
  n: number;
  firstMs?: number;
}

function calibrate(fn: () => void, options: MeasureOptions): Plan {
  const { samples = 7, sampleMs = 100, warmupMs = 200, maxTotalMs = 10000, firstCallMs } = options;
  // Warm-up: lets V8 tier up (and tfjs compile/allocate) before anything is recorded.
  let perCall: number;
  if (firstCallMs !== undefined && firstCallMs > maxTotalMs) return { iters: 1, n: 0, firstMs: firstCallMs };
  if (firstCallMs !== undefined && firstCallMs > maxTotalMs / 2) {
    perCall = firstCallMs; // a very slow function: the caller's call was the warm-up
  } else {
    let calls = 0;
    const w0 = now();
    let last = w0;
    while (calls < 2 || last - w0 < warmupMs) {
      fn();
      calls++;
      last = now();
      if (last - w0 > maxTotalMs / 2) break; // a very slow function: one or two calls are enough
    }
    perCall = (last - w0) / calls;
  }
  const iters = Math.max(1, Math.round(sampleMs / Math.max(perCall, 1e-6)));
  const n = Math.max(1, Math.min(samples, Math.floor(maxTotalMs / Math.max(perCall * iters, 1e-6))));
  return { iters, n };
}

/** One sample: the per-call time of `iters` consecutive calls. */
function sample(fn: () => void, iters: number): number {
  const t0 = now();
  for (let i = 0; i < iters; i++) fn();
  return (now() - t0) / iters;
}

/** The median (the mean of the middle two for an even count; NaN for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b),
    m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summarize(samplesMs: number[], iters: number): Measurement {
  return { medianMs: median(samplesMs), minMs: Math.min(...samplesMs), samplesMs, iters };
}

/** Times `fn` (synchronous) and returns the median per-call time. */
export function measure(fn: () => void, options: MeasureOptions = {}): Measurement {
  const plan = calibrate(fn, options);
  if (plan.firstMs !== undefined) return summarize([plan.firstMs], 1);
  const samplesMs: number[] = [];
  for (let s = 0; s < plan.n; s++) samplesMs.push(sample(fn, plan.iters));
  return summarize(samplesMs, plan.iters);
}

/** GFLOP/s of an M×K×N matrix product (2·M·N·K flops) taking `ms` milliseconds. */
export function matmulGflops(M: number, K: number, N: number, ms: number): number {
  return (2 * M * N * K) / (ms * 1e6);
}

/** One contender of {@link measureInterleaved}: `enter` switches to it (backend, threads), `fn` is one call. */
export interface InterleavedCase {
  readonly fn: () => void;
  readonly enter?: () => void | Promise<void>;
  /** Duration in ms of a call already made (see MeasureOptions.firstCallMs). */
  readonly firstCallMs?: number;
}

/**
 * Times several implementations of the same work round by round: each is warmed up and calibrated
 * (as by {@link measure}), then round r takes sample r of every case in turn, so a slow phase of a
 * shared machine (they last about a minute here) hits every contender alike instead of whichever
 * happened to be measured then. Returns one Measurement per case, in order.
 */
export async function measureInterleaved(cases: readonly InterleavedCase[], options: MeasureOptions = {}): Promise<Measurement[]> {
  const plans: Plan[] = [];
  for (const c of cases) {
    await c.enter?.();
    plans.push(calibrate(c.fn, { ...options, firstCallMs: c.firstCallMs }));
  }
  const samplesMs = cases.map((_, i) => (plans[i].firstMs !== undefined ? [plans[i].firstMs!] : []));
  const rounds = Math.max(0, ...plans.map((p) => p.n));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      if (r >= plans[i].n) continue;
      await cases[i].enter?.();
      samplesMs[i].push(sample(cases[i].fn, plans[i].iters));
    }
  }
  return samplesMs.map((xs, i) => summarize(xs, plans[i].iters));
}
