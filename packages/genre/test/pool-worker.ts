// Worker entry for parallel-pool.test.ts: squares numbers, reports each as progress, fails on -1,
// and spins (never returns) on -2 so a test can abort it.
import { serveJobs } from '../src/parallel/pool.js';

serveJobs<number, number, string, { offset: number }>('test-square', (n, progress, { offset }) => {
  if (n === -1) throw new Error('minus one is not allowed');
  if (n === -2)
    for (;;) {
      /* spin until terminated */
    }
  progress(`got ${n}`);
  return n * n + offset;
});
