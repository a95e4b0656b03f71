// Worker threads from modules that may be TypeScript source (tests, tsx scripts) or built JavaScript
// (dist). Node 20 cannot load .ts itself and a worker does not inherit the parent's tsx hooks
// reliably, so a .ts entry is booted through tsx's ESM API inside the worker (tsx is then needed, as
// it is wherever .ts runs at all). Used by nn's DataParallel and genre's extraction, search and seed workers.

import { Worker, type TransferListItem } from 'node:worker_threads';
import { checkOptions } from './options.js';

/** The sibling module `name` (without extension) of `from`, with the same extension (.ts or .js). */
export function siblingModule(from: string, name: string): URL {
  const ext = from.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, from);
}

function tsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api'; // resolved from the working directory by the worker
  }
}

/**
 * The most threads timbre may use, from TIMBRE_THREADS (a positive integer; unset = no limit). 1 keeps
 * everything on the calling thread: no matmul worker, no DataParallel replicas.
 */
export function threadLimit(): number {
  const v = typeof process !== 'undefined' ? process.env.TIMBRE_THREADS : undefined;
  if (v === undefined || v === '') return Infinity;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`TIMBRE_THREADS must be a positive integer, got '${v}'`);
  return n;
}

/**
 * The spin loops read the clock once every SPIN_CHECK + 1 iterations (about a microsecond):
 * performance.now() allocates, and reading it on every iteration made each spinning thread fill the young
 * generation (≈ 4 MB per MLP-bench epoch: a scavenge per epoch on both of DataParallel's threads).
 */
export const SPIN_CHECK = 127;

/**
 * Spins while `busy()` holds, for at most `ms` milliseconds; returns true when `busy()` stopped holding
 * (the caller then need not sleep). The threads handing work over through Atomics (the matmul pool,
 * DataParallel) spin with it before sleeping in Atomics.wait, because waking a sleeping thread costs
 * 0.1-1.5 ms on a VM.
 */
export function spinWhile(busy: () => boolean, ms: number): boolean {
  for (let n = 1, t0 = performance.now(); busy(); n++) {
    if ((n & SPIN_CHECK) === 0 && performance.now() - t0 >= ms) return false;
  }
  return true;
}

/** Options of `startWorker` beyond the entry and its data. */
export interface StartWorkerOptions {
  /** The worker's environment (default: a copy of this process's). */
  env?: NodeJS.ProcessEnv;
  /** Objects moved to the worker with `workerData` (e.g. a MessagePort). */
  transferList?: readonly TransferListItem[];
}

/**
 * A Worker running `entry`. For a `.ts` entry the worker registers tsx first and resolves the
 * `source` export condition (so workspace packages load from src/, as in tests and scripts).
 *
 * ```ts
 * const w = startWorker(siblingModule(import.meta.url, 'worker'), { jobs });
 * ```
 */
export function startWorker(entry: URL, workerData?: unknown, options: StartWorkerOptions = {}): Worker {
  checkOptions('startWorker', options, ['env', 'transferList']);
  const common = { workerData, env: options.env, transferList: options.transferList as TransferListItem[] | undefined };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, common);
  const boot =
    `import(${JSON.stringify(tsxApi())}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((e) => { setImmediate(() => { throw e; }); });`;
  return new Worker(boot, { ...common, eval: true, execArgv: ['--conditions=source'] });
}
