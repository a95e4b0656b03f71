// Starts a worker thread from a module that may be TypeScript source (tests, tsx scripts) or built
// JavaScript (dist). Node 20 cannot load .ts itself and a worker does not inherit the parent's tsx
// hooks reliably, so a .ts entry is booted through tsx's ESM API inside the worker.

import { Worker } from 'node:worker_threads';

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
 * A Worker running `entry`. For a `.ts` entry the worker registers tsx first and resolves the
 * `source` export condition (so workspace packages load from src/, as in tests and scripts).
 *
 * @example
 * const w = startWorker(siblingModule(import.meta.url, 'worker'), { jobs });
 */
export function startWorker(entry: URL, workerData?: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const boot = `import(${JSON.stringify(tsxApi())}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((e) => { setImmediate(() => { throw e; }); });`;
  return new Worker(boot, { eval: true, workerData, execArgv: ['--conditions=source'] });
}
