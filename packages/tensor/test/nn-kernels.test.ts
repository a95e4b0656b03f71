// The nn kernels (activation, cross-entropy, optim, batchnorm) against direct float64 formulas, on odd sizes.
// Backward kernels must accumulate (+=), never overwrite.
import { describe, expect, it } from 'vitest';
import {
  Rng,
  adamStep,
  batchNormBackward,
  batchNormNormalize,
  batchNormStats,
  biasBackward,
  crossEntropyBackward,
  crossEntropyForward,
  dropoutBackward,
  dropoutForward,
  erfc,
  geluBackward,
  geluForward,
  geluTanhBackward,
  geluTanhForward,
  leakyReluBackward,
  leakyReluForward,
  randn,
  reluBackward,
  reluForward,
  scaleInPlaceKernel,
  sgdStep,
  sigmoidBackward,
  sigmoidForward,
  squaredErrorBackward,
  squaredErrorForward,
  sumOfSquares,
  tanhBackward,
  tanhForward,
  zeros,
} from '../src/index.js';

const SIZES = [1, 7, 33, 65];
const rng = new Rng(17);
const vec = (n: number, scale = 2) => randn([n], rng, 0, scale).data;

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `[${i}] ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i])));
}

describe('activation kernels', () => {
  const phi = (x: number) => 0.5 * erfcRef(-x / Math.SQRT2);
  const geluU = (x: number) => Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
  const cases: [
    string,
    (o: Float32Array, x: Float32Array, n: number) => void,
    (dx: Float32Array, d: Float32Array, s: Float32Array, n: number) => void,
    (x: number) => number,
    (x: number, y: number) => number,
    boolean,
  ][] = [
    ['relu', reluForward, reluBackward, (x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0), false],
    [
      'leakyRelu',
      (o, x, n) => leakyReluForward(o, x, n, 0.2),
      (dx, d, s, n) => leakyReluBackward(dx, d, s, n, 0.2),
      (x) => (x > 0 ? x : 0.2 * x),
      (x) => (x > 0 ? 1 : 0.2),
      false,
    ],
    ['tanh', tanhForward, tanhBackward, Math.tanh, (_x, y) => 1 - y * y, true],
    ['sigmoid', sigmoidForward, sigmoidBackward, (x) => 1 / (1 + Math.exp(-x)), (_x, y) => y * (1 - y), true],
    ['gelu', geluForward, geluBackward, (x) => x * phi(x), (x) => phi(x) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI), false],
    // The tanh form's definition written literally (1 + tanh, not the kernel's sigmoid rewrite); fine in float64 for |x| ≲ 6.
    [
      'geluTanh',
      geluTanhForward,
      geluTanhBackward,
      (x) => 0.5 * x * (1 + Math.tanh(geluU(x))),
      (x) => 0.5 * (1 + Math.tanh(geluU(x))) + 0.5 * x * (1 - Math.tanh(geluU(x)) ** 2) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x),
      false,
    ],
  ];
  for (const [name, fwd, bwd, f, df, usesOutput] of cases) {
    for (const n of SIZES) {
      it(`${name} forward/backward, n=${n}`, () => {
        const x = vec(n),
          out = new Float32Array(n),
          d = vec(n),
          dx = vec(n),
          dx0 = dx.slice();
        fwd(out, x, n);
        close(out, Array.from(x, f));
        bwd(dx, d, usesOutput ? out : x, n);
        close(
          dx,
          Array.from(x, (v, i) => dx0[i] + d[i] * df(v, out[i])),
          1e-5,
        );
      });
    }
  }
  it('erfc is accurate to ~1e-7 relative across the range', () => {
    for (const z of [-4, -2, -0.5, 0, 0.3, 1, 2.5, 5, 9]) expect(Math.abs(erfc(z) - erfcRef(z)) / erfcRef(z)).toBeLessThan(2e-7);
  });
  it('dropout multiplies by the mask; bias backward sums columns (accumulating)', () => {
    const x = vec(7),
      m = Float32Array.from([0, 2, 2, 0, 2, 0, 2]),
      o = new Float32Array(7),
      dx = Float32Array.from([1, 1, 1, 1, 1, 1, 1]);
    dropoutForward(o, x, m, 7);
    close(
      o,
      Array.from(x, (v, i) => v * m[i]),
    );
    dropoutBackward(dx, x, m, 7);
    close(
      dx,
      Array.from(x, (v, i) => 1 + v * m[i]),
    );
    const dout = vec(3 * 5),
      db = Float32Array.from([1, 2, 3, 4, 5]);
    biasBackward(db, dout, 3, 5);
    close(
      db,
      [0, 1, 2, 3, 4].map((j) => j + 1 + dout[j] + dout[5 + j] + dout[10 + j]),
      1e-5,
    );
  });
});

/** erfc in float64 from the Taylor series of erf (|z| < 3) or a continued fraction (beyond). */
function erfcRef(z: number): number {
  if (Math.abs(z) < 3) {
    let term = z,
      sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  const a = Math.abs(z);
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (a + f);
  const r = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  return z > 0 ? r : 2 - r;
}

describe('cross-entropy kernel', () => {
  for (const C of [1, 7, 33]) {
    it(`matches −Σ q·log softmax with weights and smoothing, C=${C}`, () => {
      const B = 5,
        eps = 0.2;
      const z = vec(B * C, 3),
        w = Float32Array.from({ length: C }, () => rng.uniform(0.2, 2));
      const y = Int32Array.from({ length: B }, () => rng.int(C));
      const losses = new Float32Array(B),
        probs = new Float32Array(B * C);
      crossEntropyForward(losses, probs, z, y, w, B, C, eps);
      const g = vec(B),
        dz = vec(B * C),
        dz0 = dz.slice();
      crossEntropyBackward(dz, g, probs, y, w, B, C, eps);
      for (let b = 0; b < B; b++) {
        const row = Array.from(z.subarray(b * C, (b + 1) * C));
        const m = Math.max(...row),
          lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
        const q = row.map((_, c) => (1 - eps) * w[c] * (c === y[b] ? 1 : 0) + (eps / C) * w[c]);
        expect(losses[b]).toBeCloseTo(
          q.reduce((s, qc, c) => s + qc * (lse - row[c]), 0),
          4,
        );
        const Q = q.reduce((s, v) => s + v, 0);
        for (let c = 0; c < C; c++) expect(dz[b * C + c]).toBeCloseTo(dz0[b * C + c] + g[b] * (Math.exp(row[c] - lse) * Q - q[c]), 5);
      }
    });
  }
  it('is finite for ±1e4 logits', () => {
    const losses = new Float32Array(1),
      probs = new Float32Array(3);
    crossEntropyForward(losses, probs, Float32Array.from([1e4, -1e4, 0]), Int32Array.from([1]), null, 1, 3, 0);
    expect(losses[0]).toBe(2e4);
    expect(Array.from(probs)).toEqual([1, 0, 0]);
  });
  it('squared error forward/backward', () => {
    const a = vec(7),
      t = vec(7),
      o = new Float32Array(7),
      d = vec(7),
      dx = vec(7),
      dx0 = dx.slice();
    squaredErrorForward(o, a, t, 7);
    close(
      o,
      Array.from(a, (v, i) => (v - t[i]) ** 2),
      1e-5,
    );
    squaredErrorBackward(dx, d, a, t, 7);
    close(
      dx,
      Array.from(a, (v, i) => dx0[i] + 2 * d[i] * (v - t[i])),
      1e-5,
    );
  });
});

describe('optimiser kernels', () => {
  it('sgdStep: plain, momentum (first step and later), nesterov, dampening, weight decay', () => {
    for (const n of SIZES) {
      const p = vec(n),
        g = vec(n),
        buf = vec(n);
      const p0 = p.slice(),
        b0 = buf.slice();
      sgdStep(p, g, buf, n, 0.1, 0.9, 0.3, 0.01, false, false);
      for (let i = 0; i < n; i++) {
        const gi = g[i] + 0.01 * p0[i],
          v = 0.9 * b0[i] + 0.7 * gi;
        expect(buf[i]).toBeCloseTo(v, 5);
        expect(p[i]).toBeCloseTo(p0[i] - 0.1 * v, 5);
      }
      const q = vec(n),
        q0 = q.slice(),
        bq = new Float32Array(n);
      sgdStep(q, g, bq, n, 0.1, 0.9, 0, 0, true, true);
      for (let i = 0; i < n; i++) expect(q[i]).toBeCloseTo(q0[i] - 0.1 * (g[i] + 0.9 * g[i]), 5);
    }
  });
  it('sgdStep with no weight decay leaves g alone, as PyTorch does (an infinite parameter stays infinite, not NaN)', () => {
    for (const wasm of [false, true]) {
      // plain arrays: the scalar kernel; WebAssembly memory: the SIMD one where present
      for (const [momentum, nesterov] of [
        [0, false],
        [0.9, false],
        [0.9, true],
      ] as const) {
        for (const first of [true, false]) {
          const n = 37,
            mk = (): Float32Array => (wasm ? zeros([n]).data : new Float32Array(n));
          const p = mk(),
            g = mk(),
            buf = mk();
          p.fill(1);
          p[3] = Infinity;
          p[36] = -Infinity;
          g.fill(0.5);
          sgdStep(p, g, buf, n, 0.1, momentum, 0, 0, nesterov, first);
          expect(p[3]).toBe(Infinity);
          expect(p[36]).toBe(-Infinity);
          expect(Array.from(buf).every(Number.isFinite)).toBe(true);
        }
      }
    }
  });
  it('adamStep with no weight decay leaves g alone too (Adam and AdamW, with and without AMSGrad)', () => {
    for (const wasm of [false, true]) {
      for (const decoupled of [false, true])
        for (const ams of [false, true]) {
          const n = 37,
            mk = (): Float32Array => (wasm ? zeros([n]).data : new Float32Array(n));
          const p = mk(),
            g = mk(),
            m = mk(),
            v = mk(),
            vmax = ams ? mk() : null;
          p.fill(1);
          p[3] = Infinity;
          p[36] = -Infinity;
          g.fill(0.5);
          adamStep(p, g, m, v, vmax, n, 0.01, 0.9, 0.999, 1e-8, 0, decoupled, 1);
          expect([p[3], p[36]]).toEqual([Infinity, -Infinity]);
          expect(Array.from(m).every(Number.isFinite) && Array.from(v).every(Number.isFinite)).toBe(true);
        }
    }
  });
  it('adamStep: bias-corrected moments, L2 vs decoupled decay, amsgrad max', () => {
    for (const decoupled of [false, true]) {
      const n = 33,
        p = vec(n),
        g = vec(n),
        m = vec(n, 0.1),
        v = Float32Array.from(vec(n), (x) => x * x),
        vmax = Float32Array.from(v, (x) => x * 1.5);
      const [p0, m0, v0, vm0] = [p.slice(), m.slice(), v.slice(), vmax.slice()];
      adamStep(p, g, m, v, vmax, n, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled, 3);
      for (let i = 0; i < n; i++) {
        const pd = decoupled ? p0[i] * (1 - 0.01 * 0.1) : p0[i];
        const gi = g[i] + (decoupled ? 0 : 0.1 * p0[i]);
        const mi = 0.9 * m0[i] + 0.1 * gi,
          vi = 0.999 * v0[i] + 0.001 * gi * gi,
          vmx = Math.max(vm0[i], vi);
        close([m[i], v[i], vmax[i]], [mi, vi, vmx], 1e-6);
        const expected = pd - ((0.01 / (1 - 0.9 ** 3)) * mi) / (Math.sqrt(vmx) / Math.sqrt(1 - 0.999 ** 3) + 1e-8);
        expect(Math.abs(p[i] - expected)).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected)));
      }
    }
  });
  it('sumOfSquares and scaleInPlaceKernel', () => {
    const x = vec(65);
    expect(sumOfSquares(x, 65)).toBeCloseTo(
      Array.from(x).reduce((s, v) => s + v * v, 0),
      4,
    );
    const y = x.slice();
    scaleInPlaceKernel(y, 65, 0.5);
    close(
      y,
      Array.from(x, (v) => v * 0.5),
    );
  });
});

describe('batchnorm kernels', () => {
  it('stats, normalize and backward (train and eval) against formulas', () => {
    const B = 7,
      C = 3,
      eps = 1e-5;
    const x = vec(B * C),
      gamma = vec(C),
      beta = vec(C),
      mean = new Float32Array(C),
      variance = new Float32Array(C);
    batchNormStats(mean, variance, x, B, C);
    const col = (c: number) => Array.from({ length: B }, (_, b) => x[b * C + c]);
    for (let c = 0; c < C; c++) {
      const m = col(c).reduce((s, v) => s + v, 0) / B;
      expect(mean[c]).toBeCloseTo(m, 5);
      expect(variance[c]).toBeCloseTo(col(c).reduce((s, v) => s + (v - m) ** 2, 0) / B, 5);
    }
    const out = new Float32Array(B * C),
      xhat = new Float32Array(B * C);
    batchNormNormalize(out, xhat, x, mean, variance, gamma, beta, B, C, eps);
    for (let i = 0; i < B * C; i++) {
      const c = i % C,
        h = (x[i] - mean[c]) / Math.sqrt(variance[c] + eps);
      expect(xhat[i]).toBeCloseTo(h, 5);
      expect(out[i]).toBeCloseTo(gamma[c] * h + beta[c], 5);
    }
    const dout = vec(B * C);
    for (const train of [true, false]) {
      const dx = new Float32Array(B * C).fill(1),
        dg = new Float32Array(C).fill(1),
        db = new Float32Array(C).fill(1);
      batchNormBackward(dx, dg, db, dout, xhat, variance, gamma, B, C, eps, train);
      for (let c = 0; c < C; c++) {
        const inv = 1 / Math.sqrt(variance[c] + eps);
        let sd = 0,
          sdh = 0;
        for (let b = 0; b < B; b++) {
          sd += dout[b * C + c];
          sdh += dout[b * C + c] * xhat[b * C + c];
        }
        expect(dg[c]).toBeCloseTo(1 + sdh, 5);
        expect(db[c]).toBeCloseTo(1 + sd, 5);
        for (let b = 0; b < B; b++) {
          const i = b * C + c;
          const want = train ? ((gamma[c] * inv) / B) * (B * dout[i] - sd - xhat[i] * sdh) : gamma[c] * inv * dout[i];
          expect(dx[i]).toBeCloseTo(1 + want, 4);
        }
      }
    }
  });
});
