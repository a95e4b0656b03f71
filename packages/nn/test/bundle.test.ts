// Worker features work from a bundle: an app bundled by esbuild into one file (run with plain node, from a
// directory with nothing else in it) trains through DataParallel's worker threads and, under the SIMD
// backend, uses the matmul worker. No worker file has to sit next to the bundle.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getBackend, threadLimit } from '@timbre/tensor';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// esbuild comes with tsx and vite (the dev toolchain); the test needs it only to build the bundle.
const esbuild = await import('esbuild').catch(() => null);

const APP = `
import { Rng, randn, matmul, setParallel, whenParallelReady, parallelCalls } from '@timbre/tensor';
import { DataParallel, Linear, ReLU, Sequential } from '@timbre/nn';

const rng = new Rng(1);
const model = new Sequential(new Linear(16, 64, { rng }), new ReLU(), new Linear(64, 4, { rng }));
const dp = new DataParallel(model, { threads: 2, minFlopsPerThread: 0 });
const ready = await dp.ready();
const x = randn([64, 16], rng);
const out = dp.forward(x);
const threads = dp.lastThreads;
dp.backward(randn([64, 4], rng), false);
await dp.close();
const ref = model.forward(x);
let maxDiff = 0;
for (let i = 0; i < ref.size; i++) maxDiff = Math.max(maxDiff, Math.abs(ref.data[i] - out.data[i]));
setParallel({ minFlops: 0, share: false }); // the worker computes every chunk, so its use is certain
const a = randn([256, 256], rng);
const poolReady = await whenParallelReady();
matmul(a, a);
console.log(JSON.stringify({ ready, threads, maxDiff, poolReady, parallelCalls: parallelCalls() }));
`;

describe('bundled with esbuild', () => {
  it.runIf(esbuild !== null && threadLimit() >= 2)(
    'DataParallel and the matmul worker run from a single-file ESM bundle',
    async () => {
      const src = mkdtempSync(join(tmpdir(), 'timbre-bundle-src-')),
        out = mkdtempSync(join(tmpdir(), 'timbre-bundle-out-'));
      symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'), 'dir');
      writeFileSync(join(src, 'app.ts'), APP);
      await esbuild!.build({
        entryPoints: [join(src, 'app.ts')],
        outfile: join(out, 'app.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        conditions: ['source'],
        logLevel: 'silent',
      });
      expect(readdirSync(out)).toEqual(['app.mjs']);
      const r = spawnSync(process.execPath, [join(out, 'app.mjs')], { cwd: out, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
      expect(res.ready).toBe(true);
      expect(res.threads).toBe(2);
      expect(res.maxDiff).toBeLessThan(1e-5);
      expect(res.poolReady).toBe(true); // the matmul worker starts from the bundle (it is built from source text)
      if (getBackend() === 'simd') expect(res.parallelCalls).toBeGreaterThan(0); // and multiplies (the scalar kernels do not use it)
    },
    180_000,
  );
});
