import { describe, expect, it } from 'vitest';
import { biasBackward, reluBackward, reluForward } from '../src/kernels/activation.js';
import { crossEntropyBackward, crossEntropyForward } from '../src/kernels/cross-entropy.js';
import { addKernel } from '../src/kernels/elementwise.js';
import { adamStep, sgdStep } from '../src/kernels/optim.js';
import { Rng } from '../src/rng.js';
import {
  adamStepSimd,
  addSimd,
  biasBackwardSimd,
  copyFloat32,
  crossEntropyBackwardSimd,
  crossEntropyForwardSimd,
  fillFloat32,
  reluBackwardSimd,
  reluForwardSimd,
  sgdStepSimd,
} from '../src/wasm/layers.js';
import { fromArray } from '../src/creation.js';
import { allocFloat32 } from '../src/wasm/memory.js';
import { hasSimd } from '../src/wasm/module.js';
import { getBackend, setBackend } from '../src/wasm/backend.js';

/** Runs `f` on the scalar backend (the kernels below dispatch to SIMD otherwise). */
function scalar(f: () => void): void {
  const prev = getBackend();
  setBackend('scalar');
  try {
    f();
  } finally {
    setBackend(prev);
  }
}

function rand(n: number, rng: Rng, wasm: boolean, scale = 1): Float32Array {
  const a = (wasm ? allocFloat32(n) : null) ?? new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, scale);
  return a;
}
function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

describe.runIf(hasSimd())('SIMD layer kernels equal the scalar kernels', () => {
  const rng = new Rng(21);
  const sizes = [1, 3, 7, 33, 65, 257, 1000];
  it('relu forward/backward (with exact zeros, NaN and negative zero)', () => {
    for (const n of sizes)
      for (const w of [true, false]) {
        const x = rand(n, rng, w);
        if (n > 3) {
          x[0] = 0;
          x[1] = NaN;
          x[2] = -0;
        }
        const a = rand(n, rng, w),
          b = a.slice();
        reluForwardSimd(a, x, n);
        scalar(() => reluForward(b, x, n));
        expect(Array.from(a)).toEqual(Array.from(b));
        const dout = rand(n, rng, w),
          dx = rand(n, rng, w),
          dx2 = dx.slice();
        reluBackwardSimd(dx, dout, x, n);
        scalar(() => reluBackward(dx2, dout, x, n));
        expect(Array.from(dx)).toEqual(Array.from(dx2));
      }
  });
  it('add (out = a + b, in place or not; exact like the scalar loop)', () => {
    for (const n of sizes)
      for (const w of [true, false]) {
        const a = rand(n, rng, w),
          b = rand(n, rng, w),
          out = rand(n, rng, w),
          want = new Float32Array(n);
        scalar(() => addKernel(want, a, b, n));
        addSimd(out, a, b, n);
        expect(Array.from(out)).toEqual(Array.from(want));
        addSimd(a, a, b, n); // in place, as addInPlace and DataParallel's all-reduce call it
        expect(Array.from(a)).toEqual(Array.from(want));
      }
  });
  it('bias backward', () => {
    for (const [B, N] of [
      [1, 1],
      [3, 7],
      [64, 33],
      [65, 257],
    ]) {
      const dout = rand(B * N, rng, true),
        db = rand(N, rng, false),
        db2 = db.slice();
      biasBackwardSimd(db, dout, B, N);
      scalar(() => biasBackward(db2, dout, B, N));
      expect(maxDiff(db, db2)).toBeLessThan(1e-5);
    }
  });
  it('cross-entropy forward/backward, with weights and label smoothing, at ±1e4 logits', () => {
    for (const [B, C] of [
      [1, 1],
      [3, 7],
      [64, 16],
      [33, 13],
      [5, 65],
    ]) {
      for (const [withWeight, smoothing, scale] of [
        [false, 0, 3],
        [true, 0, 3],
        [false, 0.1, 3],
        [true, 0.2, 1e4],
      ] as const) {
        const logits = rand(B * C, rng, true, scale);
        const labels = new Int32Array(B);
        for (let b = 0; b < B; b++) labels[b] = rng.int(C);
        const weight = withWeight ? Float32Array.from({ length: C }, () => rng.uniform(0.5, 2)) : null;
        const l1 = new Float32Array(B),
          l2 = new Float32Array(B),
          p1 = rand(B * C, rng, true),
          p2 = new Float32Array(B * C);
        crossEntropyForwardSimd(l1, p1, logits, labels, weight, B, C, smoothing);
        scalar(() => crossEntropyForward(l2, p2, logits, labels, weight, B, C, smoothing));
        const tag = `B=${B} C=${C} w=${withWeight} eps=${smoothing} scale=${scale}`;
        expect(maxDiff(p1, p2), tag).toBeLessThan(2e-6);
        expect(maxDiff(l1, l2), tag).toBeLessThan(1e-5);
        const dloss = rand(B, rng, false),
          d1 = rand(B * C, rng, true),
          d2 = d1.slice();
        crossEntropyBackwardSimd(d1, dloss, p2, labels, weight, B, C, smoothing);
        scalar(() => crossEntropyBackward(d2, dloss, p2, labels, weight, B, C, smoothing));
        expect(maxDiff(d1, d2), tag).toBeLessThan(1e-5);
      }
    }
  });
  it('SGD (momentum, dampening, nesterov, weight decay) over several steps', () => {
    for (const n of sizes) {
      for (const [momentum, dampening, wd, nesterov] of [
        [0, 0, 0, false],
        [0.9, 0, 0, false],
        [0.9, 0.1, 1e-2, false],
        [0.9, 0, 1e-3, true],
      ] as const) {
        const p1 = rand(n, rng, true),
          p2 = p1.slice(),
          b1 = rand(n, rng, true),
          b2 = b1.slice();
        for (let step = 0; step < 4; step++) {
          const g = rand(n, rng, step % 2 === 0);
          sgdStepSimd(p1, g, b1, n, 0.05, momentum, dampening, wd, nesterov, step === 0);
          scalar(() => sgdStep(p2, g, b2, n, 0.05, momentum, dampening, wd, nesterov, step === 0));
        }
        expect(maxDiff(p1, p2)).toBeLessThan(1e-5);
        expect(maxDiff(b1, b2)).toBeLessThan(1e-5);
      }
    }
  });
  it('Adam / AdamW / AMSGrad over several steps', () => {
    for (const n of sizes) {
      for (const [wd, decoupled, amsgrad] of [
        [0, false, false],
        [1e-2, false, true],
        [1e-2, true, false],
        [0, true, true],
      ] as const) {
        const p1 = rand(n, rng, true),
          p2 = p1.slice();
        const m1 = rand(n, rng, true).fill(0),
          m2 = m1.slice(),
          v1 = rand(n, rng, true).fill(0),
          v2 = v1.slice();
        const x1 = amsgrad ? rand(n, rng, true).fill(0) : null,
          x2 = x1 === null ? null : x1.slice();
        for (let step = 1; step <= 5; step++) {
          const g = rand(n, rng, step % 2 === 0);
          adamStepSimd(p1, g, m1, v1, x1, n, 0.01, 0.9, 0.999, 1e-8, wd, decoupled, step);
          scalar(() => adamStep(p2, g, m2, v2, x2, n, 0.01, 0.9, 0.999, 1e-8, wd, decoupled, step));
        }
        expect(maxDiff(p1, p2)).toBeLessThan(1e-5);
        expect(maxDiff(m1, m2)).toBeLessThan(1e-5);
        expect(maxDiff(v1, v2)).toBeLessThan(1e-5);
      }
    }
  });
});

describe.runIf(hasSimd())('bulk fill and copy (memory.fill / memory.copy on WebAssembly memory)', () => {
  const rng = new Rng(22);
  // Below 256 elements and outside WebAssembly memory they fall back to TypedArray fill/set.
  const sizes = [0, 1, 5, 255, 256, 257, 1023, 4099];
  it('fillFloat32 equals TypedArray.fill for 0, -0, NaN and ordinary values, and touches nothing past the array', () => {
    for (const n of sizes)
      for (const w of [true, false])
        for (const v of [0, -0, NaN, 1.5, -3e38, 1 / 3]) {
          const block = rand(n + 8, rng, w);
          const a = block.subarray(4, 4 + n),
            guard = [...block.subarray(0, 4), ...block.subarray(4 + n)];
          const want = a.slice().fill(v);
          fillFloat32(a, v);
          const bad = a.findIndex((x, i) => !Object.is(x, want[i])); // Object.is: -0 and NaN must come out as such
          expect(bad, `n=${n} wasm=${w} v=${v}: first wrong element`).toBe(-1);
          expect([...block.subarray(0, 4), ...block.subarray(4 + n)]).toEqual(guard);
        }
  });
  it('copyFloat32 equals TypedArray.set, within and across memories, overlapping or not', () => {
    for (const n of sizes)
      for (const [wd, ws] of [
        [true, true],
        [true, false],
        [false, true],
        [false, false],
      ]) {
        const src = rand(n, rng, ws),
          dst = rand(n, rng, wd);
        copyFloat32(dst, src);
        expect(dst).toEqual(src);
      }
    const block = rand(3000, rng, true),
      want = block.slice();
    want.set(want.subarray(0, 2000), 500);
    copyFloat32(block.subarray(500, 2500), block.subarray(0, 2000)); // overlapping: memmove semantics
    expect(block).toEqual(want);
    expect(() => copyFloat32(new Float32Array(3), new Float32Array(4))).toThrow(/source has 4 elements, destination 3/);
  });
  it('Tensor.fill, zero and copyFrom, small (TypedArray path) and large (bulk path)', () => {
    for (const n of [3, 1000]) {
      const t = fromArray(Array.from({ length: n }, (_, i) => i));
      expect(Array.from(t.fill(2.5).data)).toEqual(new Array(n).fill(2.5));
      expect(Array.from(t.zero().data)).toEqual(new Array(n).fill(0));
      const s = fromArray(Array.from({ length: n }, (_, i) => -i));
      expect(Array.from(t.copyFrom(s).data)).toEqual(Array.from(s.data));
    }
  });
});
