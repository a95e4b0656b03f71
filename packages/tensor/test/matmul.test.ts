import { describe, expect, it } from 'vitest';
import { Rng, ShapeError, matmul, randn, zeros } from '../src/index.js';

// Float64 reference computed independently of the kernels (explicit transposes).
function reference(a: Float32Array, b: Float32Array, M: number, K: number, N: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? a[k * M + i] : a[i * K + k]) * (tB ? b[j * K + k] : b[k * N + j]);
      c[i * N + j] = s;
    }
  return c;
}

describe('matmul op', () => {
  const rng = new Rng(1);
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
  ] as const) {
    it(`layout ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} matches a float64 reference`, () => {
      const M = 7,
        K = 5,
        N = 3;
      const a = randn(tA ? [K, M] : [M, K], rng),
        b = randn(tB ? [N, K] : [K, N], rng);
      const c = matmul(a, b, { transA: tA, transB: tB });
      const ref = reference(a.data, b.data, M, K, N, tA, tB);
      expect(c.shape).toEqual([M, N]);
      for (let i = 0; i < ref.length; i++) expect(c.data[i]).toBeCloseTo(ref[i], 4);
    });
  }
  it('names both shapes on an inner-dimension mismatch', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(/\[2, 3\].*\[4, 5\]/);
  });
});
