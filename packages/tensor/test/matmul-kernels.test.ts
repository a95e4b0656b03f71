// The fast matmul kernels (kernels/matmul.ts) against the naive reference kernels on odd, edge
// and random sizes in every layout, with alpha/beta/bias combinations; and the beta=0 contract.
import { describe, expect, it } from 'vitest';
import {
  Rng,
  ShapeError,
  getBackend,
  matmul,
  matmulNN,
  matmulNNNaive,
  matmulNNPacked,
  matmulNT,
  matmulNTNaive,
  matmulNTPacked,
  matmulTN,
  matmulTNNaive,
  matmulTNPacked,
  matmulNNAsm,
  matmulNTAsm,
  matmulTNAsm,
  randn,
  zeros,
} from '../src/index.js';

type Kernel = typeof matmulNN;
// The scalar kernels directly (TypeScript and asm.js), and the dispatcher nn calls (whatever backend is active).
const layouts: [string, Kernel, Kernel][] = [
  ['packed NN', matmulNNPacked, matmulNNNaive],
  ['packed NT', matmulNTPacked, matmulNTNaive],
  ['packed TN', matmulTNPacked, matmulTNNaive],
  ['asm.js NN', matmulNNAsm, matmulNNNaive],
  ['asm.js NT', matmulNTAsm, matmulNTNaive],
  ['asm.js TN', matmulTNAsm, matmulTNNaive],
  [`dispatch(${getBackend()}) NN`, matmulNN, matmulNNNaive],
  [`dispatch(${getBackend()}) NT`, matmulNT, matmulNTNaive],
  [`dispatch(${getBackend()}) TN`, matmulTN, matmulTNNaive],
];

function randArray(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

// Fast vs naive: both accumulate in float64 and round once, so they agree to a few float32
// ulps of the result's magnitude scale (sqrt(K) for unit normals).
function check(fast: Kernel, naive: Kernel, M: number, K: number, N: number, rng: Rng, alpha: number, beta: number, withBias: boolean, label: string): void {
  const A = randArray(M * K, rng),
    B = randArray(K * N, rng);
  const bias = withBias ? randArray(N, rng) : null;
  const C0 = randArray(M * N, rng);
  const cFast = C0.slice(),
    cNaive = C0.slice();
  fast(cFast, A, B, bias, M, K, N, alpha, beta);
  naive(cNaive, A, B, bias, M, K, N, alpha, beta);
  const tol = 1e-5 * (Math.abs(alpha) * Math.sqrt(K) + Math.abs(beta) + 1) * 4;
  let worst = 0;
  for (let i = 0; i < M * N; i++) worst = Math.max(worst, Math.abs(cFast[i] - cNaive[i]));
  expect(worst, `${label} M=${M} K=${K} N=${N} alpha=${alpha} beta=${beta} bias=${withBias}`).toBeLessThanOrEqual(tol);
}

describe('fast matmul kernels vs naive', () => {
  const sizes = [1, 3, 7, 33, 65];
  for (const [name, fast, naive] of layouts) {
    it(`${name}: every combination of sizes 1, 3, 7, 33, 65`, () => {
      const rng = new Rng(100);
      for (const M of sizes) for (const K of sizes) for (const N of sizes) check(fast, naive, M, K, N, rng, 1, 0, false, name);
    });
    it(`${name}: 257 in each dimension`, () => {
      const rng = new Rng(101);
      for (const [M, K, N] of [
        [257, 33, 7],
        [7, 257, 33],
        [33, 7, 257],
        [257, 65, 129],
        [130, 257, 5],
      ]) {
        check(fast, naive, M, K, N, rng, 1, 0, true, name);
      }
    });
    it(`${name}: random shapes with alpha/beta/bias combinations`, () => {
      const rng = new Rng(102);
      for (let t = 0; t < 40; t++) {
        const M = 1 + rng.int(150),
          K = 1 + rng.int(150),
          N = 1 + rng.int(150);
        const alpha = [1, -0.5, 2.25, 0][t % 4],
          beta = [0, 1, -0.75][t % 3];
        check(fast, naive, M, K, N, rng, alpha, beta, t % 2 === 0, name);
      }
    });
    it(`${name}: several depth blocks (K > 512), wide N`, () => {
      const rng = new Rng(106);
      check(fast, naive, 9, 1100, 7, rng, 1, 0, true, name);
      check(fast, naive, 6, 1030, 5, rng, -0.5, 0.75, true, name);
      check(fast, naive, 5, 3, 4101, rng, 1.5, 0, true, name);
      check(fast, naive, 3, 520, 4099, rng, 1, -1, false, name);
    });
    it(`${name}: narrow C (N ≤ 16, A read in place) with ragged M and N, alpha/beta/bias`, () => {
      const rng = new Rng(107);
      for (const [M, K, N] of [
        [64, 64, 16],
        [65, 64, 16],
        [67, 30, 13],
        [66, 512, 15],
        [5, 17, 4],
        [3, 9, 16],
        [130, 7, 1],
      ]) {
        for (const [alpha, beta, withBias] of [
          [1, 0, true],
          [-0.5, 1, false],
          [2, -0.75, true],
        ] as const) {
          check(fast, naive, M, K, N, rng, alpha, beta, withBias, name);
        }
      }
    });
    it(`${name}: K = 0 gives beta·C + bias`, () => {
      const rng = new Rng(103);
      check(fast, naive, 5, 0, 6, rng, 1, 0.5, true, name);
      check(fast, naive, 5, 0, 6, rng, 1, 0, false, name);
    });
    it(`${name}: beta = 0 never reads C (NaN in C does not leak)`, () => {
      const rng = new Rng(104);
      for (const [M, K, N] of [
        [9, 5, 11],
        [64, 30, 256],
        [130, 17, 3],
        [5, 700, 6],
      ]) {
        const A = randArray(M * K, rng),
          B = randArray(K * N, rng),
          bias = randArray(N, rng);
        const C = new Float32Array(M * N).fill(NaN);
        fast(C, A, B, bias, M, K, N, 1.5, 0);
        for (let i = 0; i < C.length; i++) expect(Number.isNaN(C[i]), `C[${i}]`).toBe(false);
        const ref = new Float32Array(M * N);
        naive(ref, A, B, bias, M, K, N, 1.5, 0);
        let worst = 0;
        for (let i = 0; i < C.length; i++) worst = Math.max(worst, Math.abs(C[i] - ref[i]));
        expect(worst).toBeLessThan(1e-4 * Math.sqrt(K));
      }
    });
    it(`${name}: the result does not depend on what ran before (scratch reuse)`, () => {
      const rng = new Rng(105);
      const A = randArray(33 * 20, rng),
        B = randArray(20 * 9, rng);
      const first = new Float32Array(33 * 9);
      fast(first, A, B, null, 33, 20, 9, 1, 0);
      const big = randArray(300 * 300, rng);
      fast(new Float32Array(300 * 300), big, big, null, 300, 300, 300, 1, 0); // grows scratch, leaves data in it
      const again = new Float32Array(33 * 9);
      fast(again, A, B, null, 33, 20, 9, 1, 0);
      expect(again).toEqual(first);
    });
  }
});

describe('matmul op on the fast kernels', () => {
  it('bias, alpha, beta and out through the op', () => {
    const rng = new Rng(7);
    const x = randn([20, 13], rng),
      w = randn([9, 13], rng),
      b = randn([9], rng);
    const y = matmul(x, w, { transB: true, bias: b });
    const ref = new Float32Array(20 * 9);
    matmulNTNaive(ref, x.data, w.data, b.data, 20, 13, 9, 1, 0);
    for (let i = 0; i < ref.length; i++) expect(y.data[i]).toBeCloseTo(ref[i], 4);
    const acc = y.clone();
    matmul(x, w, { transB: true, alpha: 2, beta: 1, out: acc }); // acc = y + 2·x·wᵀ
    matmulNTNaive(ref, x.data, w.data, null, 20, 13, 9, 2, 1);
    for (let i = 0; i < ref.length; i++) expect(acc.data[i]).toBeCloseTo(ref[i], 4);
  });
  it('shape errors name both shapes', () => {
    const a = zeros([4, 3]);
    expect(() => matmul(a, zeros([4, 5]))).toThrow(/matmul: inner dimensions differ: a \[4, 3\] does not match b \[4, 5\] \(a.shape\[1\]=3, b.shape\[0\]=4\)/);
    expect(() => matmul(a, zeros([5, 4]), { transB: true })).toThrow(/bᵀ \[5, 4\].*b.shape\[1\]=4/);
    expect(() => matmul(a, zeros([3, 5]), { transA: true })).toThrow(/aᵀ \[4, 3\] does not match b \[3, 5\]/);
    expect(() => matmul(zeros([4]), zeros([4, 2]))).toThrow(ShapeError);
    expect(() => matmul(a, zeros([3, 5]), { out: zeros([5, 4]) })).toThrow(/out \[5, 4\] does not match the product's shape \[4, 5\]/);
    expect(() => matmul(a, zeros([3, 5]), { bias: zeros([4]) })).toThrow(/bias \[4\].*expected \[5\]/);
    expect(() => matmul(a, zeros([3, 5]), { beta: 1 })).toThrow(/needs an existing out/);
    expect(() => matmul(a, zeros([3, 4]), { transA: true, transB: true })).toThrow(/TT/);
  });
});
