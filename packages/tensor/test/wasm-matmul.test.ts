import { describe, expect, it } from 'vitest';
import { matmulNNNaive, matmulNTNaive, matmulTNNaive } from '../src/kernels/matmul-naive.js';
import { Rng } from '../src/rng.js';
import { ModuleBuilder, I32, Op, sleb, uleb } from '../src/wasm/builder.js';
import { allocFloat32, inWasm } from '../src/wasm/memory.js';
import { wasmApi } from '../src/wasm/wasm-api.js';
import { linearReluForwardSimd, matmulNNSimd, matmulNTSimd, matmulTNSimd } from '../src/wasm/matmul.js';
import { hasSimd } from '../src/wasm/module.js';

const naive = { NN: matmulNNNaive, NT: matmulNTNaive, TN: matmulTNNaive };
const simd = { NN: matmulNNSimd, NT: matmulNTSimd, TN: matmulTNSimd };

function randArray(n: number, rng: Rng, inWasmMemory: boolean): Float32Array {
  const a = (inWasmMemory ? allocFloat32(n) : null) ?? new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, 1);
  return a;
}

describe('wasm builder', () => {
  it('encodes LEB128 like the spec examples', () => {
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
  });
  it('emits a module that computes', () => {
    const mb = new ModuleBuilder();
    const f = mb.func('mad', [I32, I32, I32], [I32]);
    const [a, b, c] = f.params;
    f.get(a).get(b).op(Op.i32_mul).get(c).op(Op.i32_add);
    const api = wasmApi as NonNullable<typeof wasmApi>;
    const inst = new api.Instance(new api.Module(mb.emit()), {});
    expect((inst.exports.mad as (a: number, b: number, c: number) => number)(6, 7, -2)).toBe(40);
  });
});

describe.runIf(hasSimd())('SIMD matmul equals the scalar reference', () => {
  const rng = new Rng(8);
  const sizes = [1, 3, 7, 33, 65, 257];
  const cases: [number, number, number][] = [];
  for (const s of sizes) cases.push([s, s, s]);
  cases.push([1, 257, 3], [257, 1, 7], [33, 7, 65], [65, 300, 9], [4, 8, 8], [5, 513, 17]);
  for (let i = 0; i < 6; i++) cases.push([1 + rng.int(90), 1 + rng.int(300), 1 + rng.int(90)]);
  for (const layout of ['NN', 'NT', 'TN'] as const) {
    for (const [M, K, N] of cases) {
      it(`${layout} ${M}x${K}x${N}`, () => {
        for (const [alpha, beta, withBias, wasmMem] of [
          [1, 0, false, true],
          [0.5, 2, true, false],
          [-1.5, 1, true, true],
        ] as const) {
          const A = randArray(M * K, rng, wasmMem),
            B = randArray(K * N, rng, wasmMem);
          const bias = withBias ? randArray(N, rng, wasmMem) : null;
          const C = randArray(M * N, rng, wasmMem);
          if (beta === 0) C.fill(NaN); // beta = 0 must not read C
          const ref = C.slice();
          simd[layout](C, A, B, bias, M, K, N, alpha, beta);
          naive[layout](ref, A, B, bias, M, K, N, alpha, beta);
          // Float32 sums of K terms: tolerance scales with sqrt(K) times the term size.
          const tol = 1e-5 * (Math.sqrt(K) * 4 + 4) * (Math.abs(alpha) + Math.abs(beta) + 1);
          let worst = 0;
          for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(C[i] - ref[i]));
          expect(worst, `alpha=${alpha} beta=${beta} bias=${withBias} inWasm=${wasmMem}`).toBeLessThan(tol);
          expect(inWasm(C)).toBe(wasmMem && M * N >= 16);
        }
      });
    }
  }
  it('fused Linear + ReLU equals matmul then ReLU (K across several K blocks)', () => {
    for (const [B, inF, outF] of [
      [1, 1, 1],
      [7, 33, 65],
      [64, 30, 256],
      [5, 600, 9],
    ]) {
      const x = randArray(B * inF, rng, true),
        w = randArray(outF * inF, rng, false),
        bias = randArray(outF, rng, true);
      const out = randArray(B * outF, rng, true),
        ref = new Float32Array(B * outF);
      linearReluForwardSimd(out, x, w, bias, B, inF, outF);
      matmulNTNaive(ref, x, w, bias, B, inF, outF, 1, 0);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out[i] - (ref[i] > 0 ? ref[i] : 0)));
      expect(worst).toBeLessThan(1e-5 * (Math.sqrt(inF) * 4 + 4));
      expect(out.every((v) => v >= 0)).toBe(true);
    }
  });
  it('fused Linear + ReLU keeps NaN (like reluForward and PyTorch), in the vector body and the edge columns', () => {
    const B = 3,
      inF = 5,
      outF = 7; // outF = 7: columns 0..3 go through the vector store, 4..6 through the clipped one
    const x = randArray(B * inF, rng, true),
      w = randArray(outF * inF, rng, false),
      out = randArray(B * outF, rng, true);
    x[inF + 2] = NaN; // row 1 is NaN in every column
    x[2 * inF] = -Infinity; // row 2: ±Inf by the sign of w[:, 0], so ReLU gives 0 or +Inf
    linearReluForwardSimd(out, x, w, null, B, inF, outF);
    for (let j = 0; j < outF; j++) {
      expect(out[outF + j], `row 1, column ${j}`).toBeNaN();
      expect(out[2 * outF + j], `row 2, column ${j}`).toBe(w[j * inF] > 0 ? 0 : Infinity);
    }
  });
  it('K = 0 gives beta·C + bias', () => {
    const C = Float32Array.of(1, 2, 3, 4),
      bias = Float32Array.of(10, 20);
    matmulNNSimd(C, new Float32Array(0), new Float32Array(0), bias, 2, 0, 2, 1, 2);
    expect(Array.from(C)).toEqual([12, 24, 16, 28]);
  });
});
