// A pool of warm reader threads: reads MSD files in parallel (every field of every song) without
// writing anything. Used by the speed benchmark (worker start-up kept out of the timing) and by
// anything that wants parallel reading without extraction.

import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '@timbre/tensor';
import type { WorkerMessage } from './worker.js';

/**
 * Worker threads that each read a share of the files.
 *
 * @example
 * const pool = await MsdReadPool.start(2);
 * const r = await pool.read(paths);   // { songs, errors, checksum }
 * await pool.close();
 */
export class MsdReadPool {
  readonly size: number;
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    this.size = workers.length;
  }

  /** Starts `size` workers and waits until each has answered once (modules loaded). */
  static async start(size: number): Promise<MsdReadPool> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`MsdReadPool.start: size must be an integer >= 1, got ${size}`);
    const workers = Array.from({ length: size }, () => startWorker(siblingModule(import.meta.url, 'worker'), { msdExtractWorker: true }));
    const pool = new MsdReadPool(workers);
    await Promise.all(workers.map((w) => ask(w, [])));
    return pool;
  }

  /** Reads `paths` in batches of `batch` files handed to whichever worker is free; results are summed. */
  async read(paths: readonly string[], batch = 8): Promise<{ songs: number; errors: string[]; checksum: number }> {
    const queue: string[][] = [];
    for (let i = 0; i < paths.length; i += batch) queue.push(paths.slice(i, i + batch));
    const total = { songs: 0, errors: [] as string[], checksum: 0 };
    await Promise.all(this.#workers.map(async (w) => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const r = await ask(w, next);
        total.songs += r.songs;
        total.errors.push(...r.errors);
        total.checksum += r.checksum;
      }
    }));
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

function ask(w: Worker, paths: readonly string[]): Promise<{ songs: number; errors: string[]; checksum: number }> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMessage): void => {
      if (m.type !== 'read') return;
      w.off('message', onMessage);
      w.off('error', reject);
      resolve(m);
    };
    w.on('message', onMessage);
    w.once('error', reject);
    w.postMessage({ read: paths });
  });
}
