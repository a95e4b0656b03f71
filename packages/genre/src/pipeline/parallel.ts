// Seeds on several threads: `trainAndEvaluateParallel` runs the seeds of a training run on this
// thread and `jobs - 1` worker threads at once, with the same results as `trainAndEvaluate` (every
// seed's training is seeded on its own and the kernels are deterministic, so where a seed runs does
// not change a bit of it). The first seed always runs here: its model is the one the result keeps.
// The seeds are jobs of the coarse worker pool (parallel/pool.ts): every thread, this one included,
// claims the next seed as soon as it is free.
import { siblingModule } from '@timbre/tensor';
import { WorkerPool } from '../parallel/pool.js';
import type { PreparedData } from '../preprocess/preprocess.js';
import {
  assembleRun,
  checkRun,
  trainAndEvaluate,
  trainSeed,
  withFinal,
  type SeedOutcome,
  type SeedRun,
  type TrainRunOptions,
  type TrainRunResult,
} from './run.js';
import type { SeedProgress, SeedWorkerInit } from './seed-worker.js';

/** Options of `trainAndEvaluateParallel`: those of `trainAndEvaluate` plus the thread count. */
export interface ParallelTrainOptions extends TrainRunOptions {
  /**
   * Threads training seeds at once, this one included (default 1 = `trainAndEvaluate`). More than
   * the number of seeds is capped; more than the cores only adds switching.
   */
  jobs?: number;
}

/**
 * `trainAndEvaluate` with the seeds spread over `jobs` threads (this one and `jobs - 1` workers).
 * Same result, run for run; `onEpoch` and `onSeedDone` see the workers' seeds too (a worker's epochs
 * arrive when this thread is between seeds). A seed that fails in a worker fails the call, naming the seed.
 *
 * ```ts
 * import { availableParallelism } from 'node:os';
 * const r = await trainAndEvaluateParallel(data, { preset: 'original', seeds: [1, 2, 3, 4, 5], jobs: availableParallelism() });
 * ```
 */
export async function trainAndEvaluateParallel(data: PreparedData, options: ParallelTrainOptions = {}): Promise<TrainRunResult> {
  const { jobs = 1, ...rest } = options;
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`trainAndEvaluateParallel: jobs must be an integer >= 1, got ${jobs}`);
  const { seeds } = checkRun(rest); // bad options fail here, before any worker starts
  const nWorkers = Math.min(jobs, seeds.length) - 1;
  if (nWorkers <= 0) return trainAndEvaluate(data, rest);

  const { onEpoch, onSeedDone, ...plain } = rest;
  const init: SeedWorkerInit = { data, options: { ...plain, seeds }, progress: onEpoch !== undefined };
  const pool = await WorkerPool.start<number, SeedRun, SeedProgress>('seeds', siblingModule(import.meta.url, 'seed-worker'), nWorkers, init);
  let first: SeedOutcome | null = null;
  let runs: SeedRun[];
  try {
    runs = await pool.run(seeds, {
      inline: (seed, index) => {
        const o = trainSeed(data, rest, seed);
        if (index === 0) first = o;
        return o.run;
      },
      onProgress: (_, p) => onEpoch?.(p.seed, p.log, p.member),
      onResult: (_, run, thread) => onSeedDone?.(run, thread),
    });
  } catch (e) {
    throw new Error(`trainAndEvaluateParallel: ${(e as Error).message}`, { cause: e });
  } finally {
    await pool.close();
  }
  return withFinal(data, rest, assembleRun(rest, runs, first!));
}
