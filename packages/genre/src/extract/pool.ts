// A pool of warm reader threads: reads MSD files in parallel (every field of every song) without
// writing anything. Used by the speed benchmark (worker start-up kept out of the timing) and by
// anything that wants parallel reading without extraction.
import { siblingModule } from '@timbre/tensor';
import { WorkerPool } from '../parallel/pool.js';
import type { ReadResult } from './worker.js';

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
  readonly #pool: WorkerPool<readonly string[], ReadResult>;

  private constructor(pool: WorkerPool<readonly string[], ReadResult>) {
    this.#pool = pool;
    this.size = pool.size;
  }

  /** Starts `size` workers and waits until each has loaded its modules. */
  static async start(size: number): Promise<MsdReadPool> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`MsdReadPool.start: size must be an integer >= 1, got ${size}`);
    return new MsdReadPool(await WorkerPool.start('msd-read', siblingModule(import.meta.url, 'worker'), size));
  }

  /** Reads `paths` in batches of `batch` files handed to whichever worker is free; results are summed. */
  async read(paths: readonly string[], batch = 8): Promise<ReadResult> {
    const jobs: string[][] = [];
    for (let i = 0; i < paths.length; i += batch) jobs.push(paths.slice(i, i + batch));
    const total: ReadResult = { songs: 0, errors: [], checksum: 0 };
    for (const r of await this.#pool.run(jobs)) {
      total.songs += r.songs;
      total.errors.push(...r.errors);
      total.checksum += r.checksum;
    }
    return total;
  }

  /** Stops the worker threads; resolves when they have exited. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}
