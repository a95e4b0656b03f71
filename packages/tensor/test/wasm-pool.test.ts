import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matmulNNNaive, matmulNTNaive, matmulTNNaive } from '../src/kernels/matmul-naive.js';
import { Rng } from '../src/rng.js';
import { matmulNNSimd, matmulNTSimd, matmulTNSimd } from '../src/wasm/matmul.js';
import { allocFloat32 } from '../src/wasm/memory.js';
import { hasSimd } from '../src/wasm/module.js';
import { parallelCalls, parallelReady, parallelWorkerChunks, setParallel } from '../src/wasm/pool.js';

/** TIMBRE_THREADS=1 forbids the worker: its tests then have nothing to test. */
const threadsAllowed = !(Number(process.env.TIMBRE_THREADS ?? 2) < 2);

const naive = { NN: matmulNNNaive, NT: matmulNTNaive, TN: matmulTNNaive };
const simd = { NN: matmulNNSimd, NT: matmulNTSimd, TN: matmulTNSimd };

function randArray(n: number, rng: Rng): Float32Array {
  const a = allocFloat32(n) ?? new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, 1);
  return a;
}

describe.runIf(hasSimd() && threadsAllowed)('two-thread matmul (worker on the shared memory)', () => {
  // share: false makes the worker compute every chunk, so its code path is what the results test.
  const prev = setParallel({ enabled: true, minFlops: 0, share: false });
  afterAll(() => {
    setParallel(prev);
  });
  // Every test below needs the worker up, whatever order the tests run in.
  beforeAll(async () => {
    const rng = new Rng(3);
    matmulNNSimd(randArray(64, rng), randArray(64, rng), randArray(64, rng), null, 8, 8, 8, 1, 0); // starts it
    for (let i = 0; i < 200 && !parallelReady(); i++) await new Promise((r) => setTimeout(r, 25));
  });
  it('starts a worker that reports ready', () => {
    expect(parallelReady()).toBe(true);
  });
  const rng = new Rng(4);
  // Column split (N ≥ 16) and row split (N < 16), odd sizes, alpha/beta/bias.
  const cases: [number, number, number][] = [
    [33, 65, 257],
    [257, 33, 65],
    [65, 7, 32],
    [257, 65, 7],
    [9, 3, 3],
    [100, 300, 17],
    [40, 20, 4100],
  ];
  for (const layout of ['NN', 'NT', 'TN'] as const) {
    it(`${layout} computed by the worker in chunks equals the naive kernel`, () => {
      const before = parallelCalls(),
        chunksBefore = parallelWorkerChunks();
      for (const [M, K, N] of cases) {
        const A = randArray(M * K, rng),
          B = randArray(K * N, rng),
          bias = randArray(N, rng),
          C = randArray(M * N, rng);
        const ref = C.slice();
        simd[layout](C, A, B, bias, M, K, N, 0.75, -0.5);
        naive[layout](ref, A, B, bias, M, K, N, 0.75, -0.5);
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(C[i] - ref[i]));
        expect(worst, `${M}x${K}x${N}`).toBeLessThan(1e-5 * (Math.sqrt(K) * 4 + 4) * 2);
      }
      expect(parallelCalls() - before).toBe(cases.length);
      expect(parallelWorkerChunks() - chunksBefore).toBeGreaterThanOrEqual(2 * cases.length);
    });
  }
});

describe.runIf(hasSimd())('two threads sharing chunks', () => {
  it('gives the same result whoever takes which chunk', () => {
    const prev = setParallel({ enabled: true, minFlops: 0, share: true });
    try {
      const rng = new Rng(5);
      for (const [M, K, N] of [
        [64, 256, 512],
        [300, 40, 24],
      ] as const) {
        const A = randArray(M * K, rng),
          B = randArray(K * N, rng),
          C = randArray(M * N, rng),
          ref = C.slice();
        matmulNTSimd(C, A, B, null, M, K, N, 1, 1);
        matmulNTNaive(ref, A, B, null, M, K, N, 1, 1);
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(C[i] - ref[i]));
        expect(worst).toBeLessThan(1e-5 * (Math.sqrt(K) * 4 + 4) * 2);
      }
    } finally {
      setParallel(prev);
    }
  });
});
