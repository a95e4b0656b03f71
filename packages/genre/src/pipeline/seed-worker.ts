// Worker-thread entry of `trainAndEvaluateParallel`: the prepared data and run options arrive once
// (the pool's init); each job is one seed, trained with `trainSeed`; with `progress`, every epoch is
// reported too.
import type { PreparedData } from '../preprocess/preprocess.js';
import type { EpochLog } from '../ml/mlp.js';
import { serveJobs } from '../parallel/pool.js';
import { trainSeed, type SeedRun, type TrainRunOptions } from './run.js';

export interface SeedWorkerInit {
  readonly data: PreparedData;
  /** The run's options without callbacks (functions do not cross threads); `seeds` set. */
  readonly options: Omit<TrainRunOptions, 'onEpoch' | 'onSeedDone'> & { seeds: readonly number[] };
  readonly progress: boolean;
}

/** One epoch of one ensemble member of one seed. */
export interface SeedProgress {
  readonly seed: number;
  readonly member: number;
  readonly log: EpochLog;
}

serveJobs<number, SeedRun, SeedProgress, SeedWorkerInit>('seeds', (seed, progress, { data, options, progress: wanted }) => {
  try {
    return trainSeed(data, wanted ? { ...options, onEpoch: (s, log, member) => progress({ seed: s, member, log }) } : options, seed).run;
  } catch (e) {
    throw new Error(`seed ${seed}: ${e instanceof Error ? e.message : String(e)}`);
  }
});
