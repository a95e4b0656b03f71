// Worker-thread entry of `trainAndEvaluateParallel`: claims seed indices from the shared counter until
// none are left, trains each (`trainSeed`) and posts its run; with `progress`, posts every epoch too.
// The first claim is posted at once ('claimed', index -1 if nothing was left): the calling thread waits
// for it before training, so every worker gets a seed when there are enough. Exits by itself when the
// counter runs out (it listens for nothing).
import { parentPort, workerData } from 'node:worker_threads';
import type { PreparedData } from '../preprocess/preprocess.js';
import type { EpochLog } from '../ml/mlp.js';
import { trainSeed, type SeedRun, type TrainRunOptions } from './run.js';

export interface SeedWorkerData {
  readonly data: PreparedData;
  /** The run's options without callbacks (functions do not cross threads); `seeds` set. */
  readonly options: Omit<TrainRunOptions, 'onEpoch' | 'onSeedDone'> & { seeds: readonly number[] };
  /** Int32 counter: the next seed index to claim. */
  readonly claim: SharedArrayBuffer;
  readonly progress: boolean;
}

export type SeedWorkerMessage =
  | { readonly type: 'claimed'; readonly index: number }
  | { readonly type: 'epoch'; readonly seed: number; readonly member: number; readonly log: EpochLog }
  | { readonly type: 'run'; readonly index: number; readonly run: SeedRun }
  | { readonly type: 'error'; readonly index: number; readonly error: string };

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'claim' in workerData) {
  const port = parentPort;
  const { data, options, claim, progress } = workerData as SeedWorkerData;
  const counter = new Int32Array(claim);
  const seeds = options.seeds;
  const run: TrainRunOptions = progress
    ? { ...options, onEpoch: (seed, log, member) => port.postMessage({ type: 'epoch', seed, member, log } satisfies SeedWorkerMessage) }
    : options;
  let i = Atomics.add(counter, 0, 1);
  port.postMessage({ type: 'claimed', index: i < seeds.length ? i : -1 } satisfies SeedWorkerMessage);
  for (; i < seeds.length; i = Atomics.add(counter, 0, 1)) {
    try {
      port.postMessage({ type: 'run', index: i, run: trainSeed(data, run, seeds[i]).run } satisfies SeedWorkerMessage);
    } catch (e) {
      port.postMessage({ type: 'error', index: i, error: e instanceof Error ? e.message : String(e) } satisfies SeedWorkerMessage);
      break;
    }
  }
}
