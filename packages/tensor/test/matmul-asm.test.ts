// The asm.js matmul kernel (kernels/matmul-asm.ts): V8 validates it as asm.js (otherwise it would
// silently run as ordinary JavaScript), it is bit-identical to the TypeScript kernel it mirrors,
// and its heap grows without changing results. The battery against the naive kernels (odd sizes,
// alpha/beta/bias, K = 0, NaN in C) runs it in matmul-kernels.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Rng,
  asmjsAvailable,
  getBackend,
  matmulNN,
  matmulNNAsm,
  matmulNNPacked,
  matmulNT,
  matmulNTAsm,
  matmulNTPacked,
  matmulTN,
  matmulTNAsm,
  matmulTNPacked,
  setBackend,
} from '../src/index.js';
import { ASM_SOURCE } from '../src/kernels/matmul-asm.js';

type Kernel = typeof matmulNNAsm;

function randArray(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** How many elements of a and b differ (Object.is: bit for bit, except NaN payloads). */
function differing(a: Float32Array, b: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

// Compiles and links a copy of the source; resolves with the asm.js messages V8 reported (Node
// turns them into process warnings, emitted on a later tick).
async function asmMessages(source: string): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error) => {
    if (/asm\.js/.test(w.message)) seen.push(w.message);
  };
  process.on('warning', listener);
  try {
    const module = new Function('stdlib', 'foreign', 'heap', source) as (stdlib: typeof globalThis, foreign: null, heap: ArrayBuffer) => { macro: unknown };
    expect(typeof module(globalThis, null, new ArrayBuffer(1 << 16)).macro).toBe('function');
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('asm.js matmul kernel', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is available on this runtime (WebAssembly on)', () => {
    expect(asmjsAvailable()).toBe(true);
  });

  // The control below makes V8 print one "Invalid asm.js: Type mismatch" warning to stderr: expected.
  it('V8 validates and links the module as asm.js (no "Invalid asm.js" or linking message)', async () => {
    expect(await asmMessages(ASM_SOURCE)).toEqual([]);
    // The same source as esbuild would print it (0.0 → 0) is rejected, so the check above can fail.
    const mangled = await asmMessages(ASM_SOURCE.replaceAll('0.0', '0'));
    expect(mangled.length).toBeGreaterThan(0);
    expect(mangled[0]).toMatch(/Invalid asm\.js/);
  });

  it('is bit-identical to the TypeScript kernel in every layout (odd sizes, several blocks, alpha/beta/bias)', () => {
    const rng = new Rng(300);
    const pairs: [string, Kernel, Kernel][] = [
      ['NN', matmulNNAsm, matmulNNPacked],
      ['NT', matmulNTAsm, matmulNTPacked],
      ['TN', matmulTNAsm, matmulTNPacked],
    ];
    const shapes = [
      [1, 1, 1],
      [7, 33, 5],
      [64, 30, 256],
      [130, 17, 257],
      [9, 1100, 7],
      [257, 520, 33],
      [3, 0, 6],
      [64, 64, 16],
      [67, 30, 13],
      [66, 512, 15],
      [130, 7, 1],
    ]; // the last four: narrow (A read where it lies)
    for (const [layout, asm, ts] of pairs) {
      for (const [M, K, N] of shapes) {
        for (const [alpha, beta, withBias] of [
          [1, 0, false],
          [0.7, -0.3, true],
          [-2, 1, true],
        ] as const) {
          const A = randArray(M * K, rng),
            B = randArray(K * N, rng),
            bias = withBias ? randArray(N, rng) : null;
          const c1 = randArray(M * N, rng),
            c2 = c1.slice();
          asm(c1, A, B, bias, M, K, N, alpha, beta);
          ts(c2, A, B, bias, M, K, N, alpha, beta);
          expect(differing(c1, c2), `${layout} ${M}x${K}x${N} alpha=${alpha} beta=${beta} bias=${withBias}`).toBe(0);
        }
      }
    }
  });

  it('grows its heap for a bigger product and gives the same results after', () => {
    const rng = new Rng(301);
    const A = randArray(40 * 50, rng),
      B = randArray(50 * 30, rng);
    const before = new Float32Array(40 * 30),
      after = new Float32Array(40 * 30);
    matmulNNAsm(before, A, B, null, 40, 50, 30, 1, 0);
    const M = 200,
      K = 300,
      N = 300; // needs a 1 MiB heap (the first call needed 64 KiB)
    const A2 = randArray(M * K, rng),
      B2 = randArray(K * N, rng);
    const big = new Float32Array(M * N),
      ref = new Float32Array(M * N);
    matmulNNAsm(big, A2, B2, null, M, K, N, 1, 0);
    matmulNNPacked(ref, A2, B2, null, M, K, N, 1, 0);
    expect(differing(big, ref)).toBe(0);
    matmulNNAsm(after, A, B, null, 40, 50, 30, 1, 0);
    expect(after).toEqual(before);
  });

  it("a narrow product with more than 16 MiB of A (packed, 516 row blocks) gives the TypeScript kernel's bits", () => {
    const rng = new Rng(304);
    const [M, K, N] = [66001, 64, 7]; // 4.2 M floats of A
    const A = randArray(M * K, rng),
      B = randArray(K * N, rng),
      bias = randArray(N, rng);
    const c1 = new Float32Array(M * N),
      c2 = new Float32Array(M * N);
    matmulNNAsm(c1, A, B, bias, M, K, N, 1, 0);
    matmulNNPacked(c2, A, B, bias, M, K, N, 1, 0);
    expect(differing(c1, c2)).toBe(0);
  });

  it('narrow products: the padding rows read stale heap (NaN here) and none of it reaches C', () => {
    const rng = new Rng(303);
    const nanA = new Float32Array(300 * 300).fill(NaN);
    matmulNNAsm(new Float32Array(300 * 300), nanA, nanA, null, 300, 300, 300, 1, 0); // leaves NaN all over the heap
    for (const [layout, asm, ts] of [
      ['NN', matmulNNAsm, matmulNNPacked],
      ['TN', matmulTNAsm, matmulTNPacked],
    ] as const) {
      const [M, K, N] = [67, 30, 13];
      const A = randArray(M * K, rng),
        B = randArray(K * N, rng),
        bias = randArray(N, rng);
      const c1 = randArray(M * N, rng),
        c2 = c1.slice();
      asm(c1, A, B, bias, M, K, N, 1, 0.5);
      ts(c2, A, B, bias, M, K, N, 1, 0.5);
      for (let i = 0; i < M * N; i++) expect(c1[i], `${layout} C[${i}]`).toBe(c2[i]);
    }
  });

  it('the scalar backend dispatches to it (results equal to the asm.js kernel)', () => {
    const saved = getBackend();
    setBackend('scalar');
    try {
      const rng = new Rng(302);
      const [M, K, N] = [33, 65, 47];
      const A = randArray(M * K, rng),
        B = randArray(K * N, rng),
        Bt = randArray(N * K, rng),
        At = randArray(K * M, rng);
      for (const [d, k, a, b] of [
        [matmulNN, matmulNNAsm, A, B],
        [matmulNT, matmulNTAsm, A, Bt],
        [matmulTN, matmulTNAsm, At, B],
      ] as const) {
        const c1 = new Float32Array(M * N),
          c2 = new Float32Array(M * N);
        d(c1, a, b, null, M, K, N, 1, 0);
        k(c2, a, b, null, M, K, N, 1, 0);
        expect(c1).toEqual(c2);
      }
    } finally {
      setBackend(saved);
    }
  });

  it('TIMBRE_ASMJS=0 turns it off (the scalar backend then runs the TypeScript kernel)', async () => {
    vi.stubEnv('TIMBRE_ASMJS', '0');
    vi.resetModules();
    const fresh = await import('../src/kernels/matmul-asm.js');
    expect(fresh.asmjsAvailable()).toBe(false);
    vi.stubEnv('TIMBRE_ASMJS', '');
    vi.resetModules();
    expect((await import('../src/kernels/matmul-asm.js')).asmjsAvailable()).toBe(true);
  });
});
