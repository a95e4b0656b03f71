// Worker threads from modules that may be TypeScript source (tests, tsx scripts) or built JavaScript
// (dist). Node 20 cannot load .ts itself and a worker does not inherit the parent's tsx hooks
// reliably, so a .ts entry is booted through tsx's ESM API inside the worker (tsx is then needed, as
// it is wherever .ts runs at all). Used by nn's DataParallel and genre's extraction, search and seed workers.

import { Worker, type TransferListItem } from 'node:worker_threads';

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
  const common = { workerData, env: options.env, transferList: options.transferList as TransferListItem[] | undefined };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, common);
  const boot = `import(${JSON.stringify(tsxApi())}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((e) => { setImmediate(() => { throw e; }); });`;
  return new Worker(boot, { ...common, eval: true, execArgv: ['--conditions=source'] });
}
