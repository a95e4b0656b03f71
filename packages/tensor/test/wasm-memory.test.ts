import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { zeros } from '../src/creation.js';
import { getBackend } from '../src/wasm/backend.js';
import { allocFloat32, heapStats, inWasm, keepAlive, rawAlloc, rawFree } from '../src/wasm/memory.js';
import { hasSimd } from '../src/wasm/module.js';

// A real collection, so the FinalizationRegistry runs (the flag must be set before the context exists).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const settle = async (): Promise<void> => {
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 1));
  }
};

describe.runIf(hasSimd())('WebAssembly memory allocator', () => {
  it('hands out zeroed, 64-byte aligned, disjoint blocks and reuses freed ones', () => {
    const a = rawAlloc(100),
      b = rawAlloc(100);
    expect(a % 64).toBe(0);
    expect(b % 64).toBe(0);
    expect(Math.abs(a - b)).toBeGreaterThanOrEqual(128);
    rawFree(a, 100);
    expect(rawAlloc(90)).toBe(a); // same size class
    rawFree(a, 90);
    rawFree(b, 100);
  });
  it('tensors made by creation functions live in WebAssembly memory under the simd backend', () => {
    const t = zeros([64, 64]);
    expect(inWasm(t.data)).toBe(getBackend() === 'simd');
    expect(t.data.every((v) => v === 0)).toBe(true);
    expect(inWasm(zeros([2]).data)).toBe(false); // tiny tensors stay on the JS heap
  });
  it('reclaims blocks of collected tensors: a loop making many models stays bounded', { timeout: 30000 }, async () => {
    // Like a hyper-parameter search: every trial allocates fresh parameters, then drops them.
    const trial = (): number => {
      let s = 0;
      for (let i = 0; i < 20; i++) s += (allocFloat32(64 * 1024) as Float32Array).length;
      return s;
    };
    trial();
    await settle();
    const base = heapStats();
    for (let i = 0; i < 10; i++) {
      trial();
      await settle();
    }
    const after = heapStats();
    // 10 trials × 20 × 256 KiB = 50 MiB were allocated; reuse keeps the high-water mark where it was.
    expect(after.topBytes - base.topBytes).toBeLessThan(8 * 256 * 1024);
    expect(after.trackedLiveBytes).toBeLessThan(base.trackedLiveBytes + 21 * 256 * 1024);
  });
  it('a subarray view keeps its parent block alive after the parent is dropped', async () => {
    let view: Float32Array | null = null;
    (() => {
      const parent = allocFloat32(4096) as Float32Array;
      parent.fill(7);
      view = parent.subarray(100, 200);
      keepAlive(view, parent);
    })();
    await settle();
    for (let i = 0; i < 50; i++) (allocFloat32(4096) as Float32Array).fill(-1); // would reuse a freed block
    await settle();
    expect((view as unknown as Float32Array).every((v) => v === 7)).toBe(true);
  });
});

describe.runIf(hasSimd() && getBackend() === 'simd')('arenas lent to worker threads (SIMD backend: reserveArena lends nothing on the scalar one)', () => {
  it('a worker that adopts an arena allocates inside it, and the lender sees its tensors in place', async () => {
    const { Worker } = await import('node:worker_threads');
    const { reserveArena, wasmView } = await import('../src/wasm/arena.js');
    const arena = reserveArena(1 << 20);
    expect(arena).not.toBeNull();
    const { memory, start, end } = arena!;
    // The worker runs the TypeScript source through tsx, adopts [start, end) and reports where its tensors went.
    const url = new URL('../src/wasm/memory.ts', import.meta.url).href;
    const creation = new URL('../src/creation.ts', import.meta.url).href;
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      (async () => {
        const { register } = await import('tsx/esm/api'); register();
        const m = await import(${JSON.stringify(url)});
        const c = await import(${JSON.stringify(creation)});
        m.adoptArena(workerData.memory, workerData.start, workerData.end);
        const small = c.zeros([1000]); small.data.fill(7);
        const big = c.zeros([1 << 20]); // 4 MiB: more than the arena holds, so an ordinary array
        let full = '';
        try { m.rawAlloc(2 << 20); } catch (e) { full = e.message; }
        let twice = '';
        try { m.adoptArena(workerData.memory, workerData.start, workerData.end); } catch (e) { twice = e.message; }
        parentPort.postMessage({ offset: m.inWasm(small.data) ? small.data.byteOffset : -1, bigInWasm: m.inWasm(big.data), full, twice });
      })().catch((e) => parentPort.postMessage({ error: String(e) }));`;
    const w = new Worker(code, { eval: true, workerData: { memory, start, end } });
    const msg = await new Promise<{ offset: number; bigInWasm: boolean; full: string; twice: string; error?: string }>((res) => w.once('message', res));
    await w.terminate();
    expect(msg.error).toBeUndefined();
    expect(msg.offset >= start && msg.offset + 4000 <= end).toBe(true);
    expect(Array.from(wasmView(msg.offset, 1000)).every((v) => v === 7)).toBe(true); // written by the worker, read here in place
    expect(msg.bigInWasm).toBe(false);
    expect(msg.full).toMatch(/arena is full/);
    expect(msg.twice).toMatch(/already uses a WebAssembly memory/);
    expect(() => wasmView(-4, 1)).toThrow(RangeError);
    expect(arena!.block.length).toBe((end - start) / 4); // keeps the block reserved to here
  }, 30_000);
});
