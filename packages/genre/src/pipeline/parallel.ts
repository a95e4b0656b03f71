// Seeds on several threads: `trainAndEvaluateParallel` runs the seeds of a training run on this
// thread and `jobs - 1` worker threads at once, with the same results as `trainAndEvaluate` (every
// seed's training is seeded on its own and the kernels are deterministic, so where a seed runs does
// not change a bit of it). The first seed always runs here: its model is the one the result keeps.
// Threads claim the next seed from a shared counter (Atomics.add), so no thread waits for another
// to hand out work, even while this thread is busy training. This thread starts training once every
// worker has made its first claim (worker start-up: ~0.1 s from dist/, ~1 s from TypeScript source),
// so each worker gets a seed whenever there are enough.
import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '@timbre/tensor';
import type { PreparedData } from '../preprocess/preprocess.js';
import { assembleRun, checkRun, trainAndEvaluate, trainSeed, type SeedRun, type TrainRunOptions, type TrainRunResult } from './run.js';
import type { SeedWorkerData, SeedWorkerMessage } from './seed-worker.js';

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
 * const r = await trainAndEvaluateParallel(data, { preset: 'seed', seeds: [1, 2, 3, 4, 5], jobs: availableParallelism() });
 * ```
 */
export async function trainAndEvaluateParallel(data: PreparedData, options: ParallelTrainOptions = {}): Promise<TrainRunResult> {
  const { jobs = 1, ...rest } = options;
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`trainAndEvaluateParallel: jobs must be an integer >= 1, got ${jobs}`);
  const { seeds } = checkRun(rest); // bad options fail here, before any worker starts
  const nWorkers = Math.min(jobs, seeds.length) - 1;
  if (nWorkers <= 0) return trainAndEvaluate(data, rest);

  const { onEpoch, onSeedDone, ...plain } = rest;
  // claim[0] = the next seed index to train; index 0 is this thread's.
  const claim = new Int32Array(new SharedArrayBuffer(4));
  claim[0] = 1;
  const runs: (SeedRun | undefined)[] = new Array<SeedRun | undefined>(seeds.length);
  const failures: string[] = [];
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  const started: Promise<void>[] = [];
  const workerData: SeedWorkerData = { data, options: { ...plain, seeds }, claim: claim.buffer as SharedArrayBuffer, progress: onEpoch !== undefined };
  for (let w = 0; w < nWorkers; w++) {
    const worker = startWorker(siblingModule(import.meta.url, 'seed-worker'), workerData);
    workers.push(worker);
    let ready = (): void => {};
    started.push(new Promise<void>((resolve) => { ready = resolve; }));
    exited.push(new Promise<void>((resolve) => {
      worker.on('message', (m: SeedWorkerMessage) => {
        if (m.type === 'claimed') ready();
        else if (m.type === 'epoch') onEpoch?.(m.seed, m.log, m.member);
        else if (m.type === 'run') { runs[m.index] = m.run; onSeedDone?.(m.run, w + 1); }
        else failures.push(`seed ${seeds[m.index]}: ${m.error}`);
      });
      worker.once('error', (e: Error) => { failures.push(`worker thread: ${e.stack ?? e.message}`); ready(); });
      worker.once('exit', () => { ready(); resolve(); });
    }));
  }

  await Promise.all(started);
  let first;
  try {
    first = trainSeed(data, rest, seeds[0]);
    runs[0] = first.run;
    onSeedDone?.(first.run, 0);
    for (let i = Atomics.add(claim, 0, 1); i < seeds.length; i = Atomics.add(claim, 0, 1)) {
      const o = trainSeed(data, rest, seeds[i]);
      runs[i] = o.run;
      onSeedDone?.(o.run, 0);
    }
  } catch (e) {
    Atomics.store(claim, 0, seeds.length); // workers claim nothing more
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  await Promise.all(exited);
  if (failures.length > 0) throw new Error(`trainAndEvaluateParallel: ${failures.join('; ')}`);
  const missing = runs.findIndex((r) => r === undefined);
  if (missing >= 0) throw new Error(`trainAndEvaluateParallel: seed ${seeds[missing]} produced no result (its worker thread exited early)`);
  return assembleRun(rest, runs as SeedRun[], first);
}
