// TIMBRE_RELAXED_SIMD: 1 turns relaxed SIMD on (Node 20 sets V8's flag at run time), 0 off. The flag is
// process-wide, so each case runs in a child process (test/fixtures/relaxed-child.ts).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasSimd } from '../src/wasm/module.js';

const child = fileURLToPath(new URL('./fixtures/relaxed-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(value: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', child], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TIMBRE_RELAXED_SIMD: value, TIMBRE_BACKEND: 'simd' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(hasSimd())('TIMBRE_RELAXED_SIMD', () => {
  for (const [value, relaxed, what] of [
    ['1', true, 'uses the fused multiply-add'],
    ['0', false, 'keeps multiply and add'],
  ] as const) {
    it(`=${value} ${what} and still computes the product`, () => {
      const r = run(value);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim()) as { relaxed: boolean; maxErr: number };
      expect(out.relaxed).toBe(relaxed);
      expect(out.maxErr).toBeLessThan(1e-5);
    }, 30_000);
  }

  it('rejects other values by name', () => {
    const r = run('yes');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/TIMBRE_RELAXED_SIMD must be 0 or 1, got 'yes'/);
  }, 30_000);
});
