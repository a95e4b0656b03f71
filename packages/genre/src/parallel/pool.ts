// The worker pool for coarse jobs: extraction batches, training seeds, search trials. A job takes
// seconds, so one message per job costs nothing; the fine-grained pools (matmul, DataParallel) live in
// tensor and nn. Workers claim job indices from a shared counter (Atomics.add), so a worker that
// finishes takes the next job at once even while the calling thread is busy running jobs of its own.
//
// A worker entry module calls `serveJobs(name, handler)` at top level; `WorkerPool.start` starts it on
// `size` threads. Every `run` hands its job list to every worker and resolves with the results in job
// order, whoever ran them.
import { parentPort, workerData, type Worker } from 'node:worker_threads';
import { startWorker } from '@timbre/tensor';

/** What a worker receives at start-up. */
interface PoolWorkerData {
  readonly timbrePool: string;
  readonly init: unknown;
}

type ToWorker<Job> = { readonly run: number; readonly jobs: readonly Job[]; readonly counter: SharedArrayBuffer };

type FromWorker<Result, Progress> =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly run: number; readonly index: number; readonly progress: Progress }
  | { readonly type: 'result'; readonly run: number; readonly index: number; readonly result: Result }
  | { readonly type: 'error'; readonly run: number; readonly index: number; readonly error: string }
  | { readonly type: 'done'; readonly run: number };

/** A job handler: runs one job, may report progress, returns a structured-cloneable result. */
export type JobHandler<Job, Result, Progress, Init> = (job: Job, progress: (p: Progress) => void, init: Init, index: number) => Result;

/** Options of one `WorkerPool.run`. */
export interface RunOptions<Job, Result, Progress> {
  /** Progress a job reported (from a worker: delivered when the calling thread is free). */
  onProgress?: (index: number, progress: Progress) => void;
  /** Each result as it arrives, with the thread that ran it (0 = this one, i = worker i). */
  onResult?: (index: number, result: Result, thread: number) => void;
  /**
   * The calling thread runs jobs too, with this handler: job 0 first (so its in-memory result, such as
   * a trained model, is at hand), then whatever the workers have not claimed.
   */
  inline?: (job: Job, index: number) => Result;
  /** Aborting stops every worker and rejects; jobs already finished have reported their results. */
  signal?: AbortSignal;
}

/**
 * Worker threads that run jobs of one kind.
 *
 * ```ts
 * const pool = await WorkerPool.start<string[], number>('reader', new URL('./reader-worker.js', import.meta.url), 2);
 * const counts = await pool.run([['a.h5'], ['b.h5', 'c.h5']]);
 * await pool.close();
 * ```
 */
export class WorkerPool<Job, Result, Progress = never> {
  readonly name: string;
  readonly size: number;
  readonly #workers: Worker[];
  #runs = 0;
  #broken: Error | null = null;
  readonly #listeners = new Set<(m: FromWorker<Result, Progress>, worker: number) => void>();
  readonly #failures = new Set<(e: Error) => void>();

  private constructor(name: string, workers: Worker[]) {
    this.name = name;
    this.size = workers.length;
    this.#workers = workers;
  }

  /** Starts `size` workers on `entry` (a module that calls `serveJobs(name, …)`) and waits until each is ready. */
  static async start<Job, Result, Progress = never>(name: string, entry: URL, size: number, init?: unknown): Promise<WorkerPool<Job, Result, Progress>> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`${name}: the pool size must be an integer >= 1, got ${size}`);
    const data: PoolWorkerData = { timbrePool: name, init };
    const workers = Array.from({ length: size }, () => startWorker(entry, data));
    const pool = new WorkerPool<Job, Result, Progress>(name, workers);
    const ready = workers.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          w.on('message', (m: FromWorker<Result, Progress>) => {
            if (m.type === 'ready') {
              resolve();
              return;
            }
            for (const l of pool.#listeners) l(m, i);
          });
          w.once('error', (e: Error) => {
            const err = new Error(`${name}: a worker thread failed: ${e.message}`, { cause: e });
            pool.#fail(err);
            reject(err);
          });
          w.once('exit', (code) => {
            const err = new Error(`${name}: a worker thread exited (code ${code})`);
            pool.#fail(err);
            reject(err);
          });
        }),
    );
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  #fail(e: Error): void {
    this.#broken ??= e;
    for (const f of this.#failures) f(e);
  }

  /** Runs `jobs` on the workers (and on this thread with `inline`); results in job order. */
  run(jobs: readonly Job[], options: RunOptions<Job, Result, Progress> = {}): Promise<Result[]> {
    if (this.#broken !== null) return Promise.reject(this.#broken);
    const { onProgress, onResult, inline, signal } = options;
    const id = ++this.#runs;
    const counter = new Int32Array(new SharedArrayBuffer(4));
    counter[0] = inline !== undefined && jobs.length > 0 ? 1 : 0; // job 0 is this thread's
    const results = new Array<Result>(jobs.length);
    const have = new Uint8Array(jobs.length);
    let workersDone = 0,
      inlineDone = inline === undefined;
    return new Promise<Result[]>((resolve, reject) => {
      let settled = false;
      const cleanup = (): void => {
        this.#listeners.delete(listen);
        this.#failures.delete(onFailure);
        signal?.removeEventListener('abort', onAbort);
      };
      const finish = (e: Error | null): void => {
        if (settled) return;
        if (e === null && !(inlineDone && workersDone === this.size)) return;
        settled = true;
        cleanup();
        if (e !== null) {
          Atomics.store(counter, 0, jobs.length);
          reject(e);
          return;
        }
        const missing = have.indexOf(0);
        if (missing >= 0) reject(new Error(`${this.name}: job ${missing} produced no result`));
        else resolve(results);
      };
      const accept = (index: number, result: Result, thread: number): void => {
        results[index] = result;
        have[index] = 1;
        onResult?.(index, result, thread);
      };
      const listen = (m: FromWorker<Result, Progress>, worker: number): void => {
        if (m.type === 'ready' || m.run !== id || settled) return;
        if (m.type === 'progress') onProgress?.(m.index, m.progress);
        else if (m.type === 'result') accept(m.index, m.result, worker + 1);
        else if (m.type === 'error') finish(new Error(`${this.name}: job ${m.index} failed in a worker thread: ${m.error}`));
        else {
          workersDone++;
          finish(null);
        }
      };
      const onFailure = (e: Error): void => finish(e);
      const onAbort = (): void => {
        Atomics.store(counter, 0, jobs.length);
        finish(signal!.reason instanceof Error ? signal!.reason : new Error(`${this.name}: aborted`));
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#listeners.add(listen);
      this.#failures.add(onFailure);
      const message: ToWorker<Job> = { run: id, jobs, counter: counter.buffer as SharedArrayBuffer };
      for (const w of this.#workers) w.postMessage(message);
      if (inline === undefined) return;
      // This thread's share: job 0, then unclaimed jobs. Between jobs, let queued messages in.
      void (async () => {
        try {
          for (let i = jobs.length > 0 ? 0 : jobs.length; i < jobs.length && !settled; i = Atomics.add(counter, 0, 1)) {
            accept(i, inline(jobs[i], i), 0);
            await new Promise((r) => setImmediate(r));
          }
          inlineDone = true;
          finish(null);
        } catch (e) {
          finish(e instanceof Error ? e : new Error(String(e)));
        }
      })();
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.#broken ??= new Error(`${this.name}: the pool is closed`);
    await Promise.all(
      this.#workers.map((w) => {
        w.removeAllListeners('exit');
        return w.terminate();
      }),
    );
  }
}

/**
 * Serves jobs in a worker thread started by `WorkerPool.start(name, …)`; does nothing anywhere else
 * (the module that calls it may also be imported by the main thread, itself perhaps a worker).
 */
export function serveJobs<Job, Result, Progress = never, Init = unknown>(name: string, handler: JobHandler<Job, Result, Progress, Init>): void {
  const data = workerData as PoolWorkerData | null;
  if (parentPort === null || data === null || typeof data !== 'object' || data.timbrePool !== name) return;
  const port = parentPort;
  const init = data.init as Init;
  port.on('message', (m: ToWorker<Job>) => {
    const counter = new Int32Array(m.counter);
    for (let i = Atomics.add(counter, 0, 1); i < m.jobs.length; i = Atomics.add(counter, 0, 1)) {
      const progress = (p: Progress): void => port.postMessage({ type: 'progress', run: m.run, index: i, progress: p } satisfies FromWorker<Result, Progress>);
      try {
        port.postMessage({ type: 'result', run: m.run, index: i, result: handler(m.jobs[i], progress, init, i) } satisfies FromWorker<Result, Progress>);
      } catch (e) {
        port.postMessage({ type: 'error', run: m.run, index: i, error: e instanceof Error ? e.message : String(e) } satisfies FromWorker<Result, Progress>);
        Atomics.store(counter, 0, m.jobs.length);
        break;
      }
    }
    port.postMessage({ type: 'done', run: m.run } satisfies FromWorker<Result, Progress>);
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker<Result, Progress>);
}
