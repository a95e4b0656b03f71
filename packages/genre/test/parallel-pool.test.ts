// The coarse worker pool: results in job order whoever ran them, this thread taking job 0 with
// `inline`, errors naming the job, abort, and a pool reused across runs.
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../src/parallel/pool.js';

const entry = new URL('./pool-worker.ts', import.meta.url);

describe('WorkerPool', () => {
  it('runs jobs on every worker and this thread, results in job order, across several runs', async () => {
    const pool = await WorkerPool.start<number, number, string>('test-square', entry, 2, { offset: 1 });
    try {
      const progress: string[] = [];
      const threads = new Map<number, number>();
      const jobs = Array.from({ length: 20 }, (_, i) => i);
      const r = await pool.run(jobs, {
        inline: (n) => n * n + 1,
        onProgress: (_, p) => progress.push(p),
        onResult: (i, _r, thread) => threads.set(i, thread),
      });
      expect(r).toEqual(jobs.map((n) => n * n + 1));
      expect(threads.get(0)).toBe(0); // job 0 is always this thread's
      expect(threads.size).toBe(20);
      expect(progress.length).toBe([...threads.values()].filter((t) => t > 0).length); // one per worker-run job
      expect(await pool.run([3, 4])).toEqual([10, 17]); // the same workers, a second run
      expect(await pool.run([])).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('a failing job rejects the run, naming the pool, the job and the message', async () => {
    const pool = await WorkerPool.start<number, number, string>('test-square', entry, 1, { offset: 0 });
    try {
      await expect(pool.run([2, -1, 3])).rejects.toThrow(/test-square: job 1 failed in a worker thread: minus one is not allowed/);
    } finally {
      await pool.close();
    }
  });

  it('aborting stops a job that never ends', async () => {
    const pool = await WorkerPool.start<number, number, string>('test-square', entry, 1, { offset: 0 });
    const ac = new AbortController();
    const run = pool.run([-2], { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop now')), 50);
    await expect(run).rejects.toThrow('stop now');
    await pool.close();
  });

  it('refuses a bad size', async () => {
    await expect(WorkerPool.start('test-square', entry, 0)).rejects.toThrow(/pool size must be an integer >= 1, got 0/);
  });
});
