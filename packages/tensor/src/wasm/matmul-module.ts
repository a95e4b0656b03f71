// Emits the SIMD matmul functions: packing (inside WebAssembly), the 4×8 micro-kernel and one driver
// per layout. M, K, N as in kernels/matmul-naive.ts; pointers are byte offsets, leading dimensions
// (lda, ldb, ldc) are in elements so a caller can run a column or row slice of a larger product.
// Measured facts: V8 keeps 4 rows × 8 columns of f32x4 accumulators in registers (bigger tiles
// spill), unrolling K by hand makes it slower, v128.load32_splat broadcasts an element of A.

import { F32, I32, Op, Simd, V128, type FuncBuilder, type Local, type ModuleBuilder } from './builder.js';

/** K block: a packed 4-row A panel (4 KiB) stays in L1, the packed B block (KC × N) in L2. */
export const KC = 256;
/** Rows × columns of the register tile. */
export const MR = 4,
  NR = 8;

/** Scratch bytes one `mm_*` call needs for N columns (packed B block, A panel, edge tile). */
export function matmulScratchBytes(N: number): number {
  return KC * (Math.ceil(N / NR) * NR) * 4 + KC * MR * 4 + MR * NR * 4 + 64;
}

function min(f: FuncBuilder, a: Local, b: Local | number, out: Local): void {
  const push = (v: Local | number): void => {
    if (typeof v === 'number') f.i32(v);
    else f.get(v);
  };
  f.get(a);
  push(b);
  f.get(a);
  push(b);
  f.op(Op.i32_lt_s).op(Op.select).set(out);
}

/** dst[k*w + c] = src[k*ld + c] for c < nv, 0 for nv ≤ c < w; k < kc. Source rows are contiguous. */
function packContig(mb: ModuleBuilder, w: number): FuncBuilder {
  const f = mb.func(`pack_contig${w}`, [I32, I32, I32, I32, I32], [], false);
  const [dst, src, ld, kc, nv] = f.params;
  const k = f.local(I32),
    c = f.local(I32),
    ldB = f.local(I32);
  f.get(ld).i32(4).op(Op.i32_mul).set(ldB);
  f.get(nv).i32(w).op(Op.i32_eq).if();
  f.for(k, 0, kc, 1, () => {
    for (let q = 0; q < w / 4; q++)
      f.get(dst)
        .get(src)
        .v128Load(q * 16)
        .v128Store(q * 16);
    f.get(dst)
      .i32(w * 4)
      .op(Op.i32_add)
      .set(dst)
      .get(src)
      .get(ldB)
      .op(Op.i32_add)
      .set(src);
  });
  f.else();
  f.for(k, 0, kc, 1, () => {
    f.for(c, 0, w, 1, () => {
      // A block cannot pop operands pushed outside it, so each branch pushes its own address.
      f.get(c).get(nv).op(Op.i32_lt_s).if();
      f.get(dst).get(c).i32(4).op(Op.i32_mul).op(Op.i32_add);
      f.get(src).get(c).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().f32Store();
      f.else();
      f.get(dst).get(c).i32(4).op(Op.i32_mul).op(Op.i32_add).f32(0).f32Store();
      f.end();
    });
    f.get(dst)
      .i32(w * 4)
      .op(Op.i32_add)
      .set(dst)
      .get(src)
      .get(ldB)
      .op(Op.i32_add)
      .set(src);
  });
  f.end();
  return f;
}

/**
 * dst[k*w + c] = src[c*ld + k] for c < nv, 0 for nv ≤ c < w; k < kc. Full panels (nv = w) move 4×4
 * blocks with two rounds of shuffles (a register transpose); edges and the K remainder go one by one.
 */
function packStrided(mb: ModuleBuilder, w: number): FuncBuilder {
  const f = mb.func(`pack_strided${w}`, [I32, I32, I32, I32, I32], [], false);
  const [dst, src, ld, kc, nv] = f.params;
  const k = f.local(I32),
    c = f.local(I32),
    d = f.local(I32),
    s = f.local(I32),
    k4 = f.local(I32),
    ldB = f.local(I32);
  const sr = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const r = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const t = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.get(nv).i32(w).op(Op.i32_eq).if();
  f.get(kc).i32(-4).op(Op.i32_and).set(k4);
  f.get(ld).i32(4).op(Op.i32_mul).set(ldB);
  for (let c0 = 0; c0 < w; c0 += 4) {
    f.get(src).i32(c0).get(ldB).op(Op.i32_mul).op(Op.i32_add).set(sr[0]);
    for (let q = 1; q < 4; q++)
      f.get(sr[q - 1])
        .get(ldB)
        .op(Op.i32_add)
        .set(sr[q]);
    f.get(dst)
      .i32(c0 * 4)
      .op(Op.i32_add)
      .set(d);
    f.for(k, 0, k4, 4, () => {
      for (let q = 0; q < 4; q++) f.get(sr[q]).v128Load().set(r[q]).get(sr[q]).i32(16).op(Op.i32_add).set(sr[q]);
      f.get(r[0]).get(r[1]).shuffle32([0, 4, 1, 5]).set(t[0]); // a0 b0 a1 b1
      f.get(r[0]).get(r[1]).shuffle32([2, 6, 3, 7]).set(t[1]); // a2 b2 a3 b3
      f.get(r[2]).get(r[3]).shuffle32([0, 4, 1, 5]).set(t[2]); // c0 d0 c1 d1
      f.get(r[2]).get(r[3]).shuffle32([2, 6, 3, 7]).set(t[3]); // c2 d2 c3 d3
      f.get(d).get(t[0]).get(t[2]).shuffle32([0, 1, 4, 5]).v128Store(0);
      f.get(d)
        .get(t[0])
        .get(t[2])
        .shuffle32([2, 3, 6, 7])
        .v128Store(w * 4);
      f.get(d)
        .get(t[1])
        .get(t[3])
        .shuffle32([0, 1, 4, 5])
        .v128Store(2 * w * 4);
      f.get(d)
        .get(t[1])
        .get(t[3])
        .shuffle32([2, 3, 6, 7])
        .v128Store(3 * w * 4);
      f.get(d)
        .i32(4 * w * 4)
        .op(Op.i32_add)
        .set(d);
    });
    f.for(k, k4, kc, 1, () => {
      for (let q = 0; q < 4; q++) {
        f.get(d)
          .get(sr[q])
          .f32Load()
          .f32Store(q * 4);
        f.get(sr[q]).i32(4).op(Op.i32_add).set(sr[q]);
      }
      f.get(d)
        .i32(w * 4)
        .op(Op.i32_add)
        .set(d);
    });
  }
  f.else();
  f.for(c, 0, w, 1, () => {
    f.get(dst).get(c).i32(4).op(Op.i32_mul).op(Op.i32_add).set(d);
    f.get(c).get(nv).op(Op.i32_lt_s).if();
    f.get(src).get(c).get(ld).op(Op.i32_mul).i32(4).op(Op.i32_mul).op(Op.i32_add).set(s);
    f.for(k, 0, kc, 1, () => {
      f.get(d).get(s).f32Load().f32Store();
      f.get(d)
        .i32(w * 4)
        .op(Op.i32_add)
        .set(d)
        .get(s)
        .i32(4)
        .op(Op.i32_add)
        .set(s);
    });
    f.else();
    f.for(k, 0, kc, 1, () => {
      f.get(d).f32(0).f32Store();
      f.get(d)
        .i32(w * 4)
        .op(Op.i32_add)
        .set(d);
    });
    f.end();
  });
  f.end();
  return f;
}

/**
 * The micro-kernel: a packed A panel [kc][4] times a packed B panel [kc][8] into a 4×8 tile of C,
 * then C = alpha·acc + beta·C + bias (C not read when beta is 0; no bias when the pointer is 0),
 * then ReLU when act is 1.
 * Rows ≥ mr and columns ≥ nr of the tile are computed on zero padding and not stored.
 */
function microKernel(mb: ModuleBuilder, relaxed: boolean): FuncBuilder {
  const f = mb.func('mm_kernel', [I32, I32, I32, I32, I32, I32, I32, F32, F32, I32, I32, I32], [], false);
  const [ap, bp, kc, c, ldc, mr, nr, alpha, beta, bias, tile, act] = f.params;
  const acc: Local[] = [];
  for (let i = 0; i < MR * 2; i++) acc.push(f.local(V128));
  const b0 = f.local(V128),
    b1 = f.local(V128),
    a = f.local(V128);
  const av = f.local(V128),
    bv = f.local(V128),
    t = f.local(V128);
  const p = f.local(I32),
    ldcB = f.local(I32),
    j = f.local(I32),
    q = f.local(I32);
  const v = f.local(F32),
    aEnd = f.local(I32);
  // The loop runs on the A pointer alone (until it reaches the panel's end) rather than counting kc
  // down: one induction variable fewer (measured, bench/simd-dev.ts --peak: the kernel alone 40-42 -> 49-51 GFLOPS).
  f.get(ap)
    .get(kc)
    .i32(MR * 4)
    .op(Op.i32_mul)
    .op(Op.i32_add)
    .set(aEnd);
  f.loop();
  f.get(bp).v128Load(0).set(b0).get(bp).v128Load(16).set(b1);
  for (let r = 0; r < MR; r++) {
    f.get(ap)
      .splatLoad(r * 4)
      .set(a);
    for (let h = 0; h < 2; h++) {
      const x = acc[r * 2 + h],
        b = h === 0 ? b0 : b1;
      if (relaxed) f.get(a).get(b).get(x).simd(Simd.f32x4_relaxed_madd).set(x);
      else f.get(x).get(a).get(b).simd(Simd.f32x4_mul).simd(Simd.f32x4_add).set(x);
    }
  }
  f.get(ap).i32(16).op(Op.i32_add).set(ap).get(bp).i32(32).op(Op.i32_add).set(bp);
  f.get(ap).get(aEnd).op(Op.i32_ne).brIf(0);
  f.end();

  f.get(alpha).simd(Simd.f32x4_splat).set(av).get(beta).simd(Simd.f32x4_splat).set(bv);
  f.get(ldc).i32(4).op(Op.i32_mul).set(ldcB);
  // Write-back, one 4-lane half-row at a time: whole halves as vectors, the last partial half of an
  // edge tile lane by lane through `tile`; rows ≥ mr are skipped.
  f.get(c).set(p);
  for (let r = 0; r < MR; r++) {
    f.i32(r).get(mr).op(Op.i32_lt_s).if();
    for (let h = 0; h < 2; h++) {
      f.get(nr)
        .i32(4 * h + 4)
        .op(Op.i32_ge_s)
        .if();
      f.get(acc[r * 2 + h])
        .get(av)
        .simd(Simd.f32x4_mul)
        .set(t);
      f.get(beta).f32(0).op(Op.f32_ne).if();
      f.get(t)
        .get(p)
        .v128Load(h * 16)
        .get(bv)
        .simd(Simd.f32x4_mul)
        .simd(Simd.f32x4_add)
        .set(t);
      f.end();
      f.get(bias).if();
      f.get(t)
        .get(bias)
        .v128Load(h * 16)
        .simd(Simd.f32x4_add)
        .set(t);
      f.end();
      f.get(act).if(); // ReLU as pmax(t, 0) = t < 0 ? 0 : t, which keeps NaN like reluForward (and PyTorch)
      f.get(t).f32x4(0).simd(Simd.f32x4_pmax).set(t);
      f.end();
      f.get(p)
        .get(t)
        .v128Store(h * 16);
      f.else();
      f.get(nr)
        .i32(4 * h)
        .op(Op.i32_gt_s)
        .if();
      f.get(tile)
        .get(acc[r * 2 + h])
        .v128Store();
      f.for(j, 4 * h, nr, 1, () => {
        f.get(tile)
          .get(j)
          .i32(4 * h)
          .op(Op.i32_sub)
          .i32(4)
          .op(Op.i32_mul)
          .op(Op.i32_add)
          .f32Load();
        f.get(alpha).op(Op.f32_mul).set(v);
        f.get(p).get(j).i32(4).op(Op.i32_mul).op(Op.i32_add).set(q);
        f.get(beta).f32(0).op(Op.f32_ne).if();
        f.get(v).get(q).f32Load().get(beta).op(Op.f32_mul).op(Op.f32_add).set(v);
        f.end();
        f.get(bias).if();
        f.get(v).get(bias).get(j).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().op(Op.f32_add).set(v);
        f.end();
        f.get(act).if().f32(0).get(v).get(v).f32(0).op(Op.f32_lt).op(Op.select).set(v).end(); // v < 0 ? 0 : v
        f.get(q).get(v).f32Store();
      });
      f.end();
      f.end();
    }
    f.get(p).get(ldcB).op(Op.i32_add).set(p);
    f.end();
  }
  return f;
}

type Layout = 'NN' | 'NT' | 'TN';

/**
 * mm_<layout>(C, ldc, A, lda, B, ldb, bias, M, K, N, alpha, beta, scratch, act): the whole product
 * (act = 1 applies ReLU after the bias).
 * For each K block: pack op(B) into 8-column panels, then for each 4-row panel of op(A): pack it and
 * run the micro-kernel across all column panels. Requires K ≥ 1 (the caller handles K = 0).
 */
function driver(mb: ModuleBuilder, layout: Layout, kernel: FuncBuilder, packA: FuncBuilder, packB: FuncBuilder): void {
  const f = mb.func(`mm_${layout}`, [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, I32, I32], []);
  const [C, ldc, A, lda, B, ldb, bias, M, K, N, alpha, beta, scratch, act] = f.params;
  const actK = f.local(I32);
  const k0 = f.local(I32),
    kc = f.local(I32),
    i0 = f.local(I32),
    j0 = f.local(I32),
    mr = f.local(I32),
    nr = f.local(I32);
  const ap = f.local(I32),
    tile = f.local(I32),
    bi = f.local(I32),
    rest = f.local(I32),
    npad = f.local(I32);
  const be = f.local(F32);
  f.get(N)
    .i32(NR - 1)
    .op(Op.i32_add)
    .i32(-NR)
    .op(Op.i32_and)
    .set(npad);
  f.get(scratch)
    .i32(KC * 4)
    .get(npad)
    .op(Op.i32_mul)
    .op(Op.i32_add)
    .set(ap);
  f.get(ap)
    .i32(KC * MR * 4)
    .op(Op.i32_add)
    .set(tile);
  const addr = (base: Local, row: Local, ld: Local, col: Local): void => {
    // base + (row*ld + col)*4
    f.get(base).get(row).get(ld).op(Op.i32_mul).get(col).op(Op.i32_add).i32(4).op(Op.i32_mul).op(Op.i32_add);
  };
  f.for(k0, 0, K, KC, () => {
    f.get(K).get(k0).op(Op.i32_sub).set(rest);
    min(f, rest, KC, kc);
    f.for(j0, 0, N, NR, () => {
      f.get(N).get(j0).op(Op.i32_sub).set(rest);
      min(f, rest, NR, nr);
      f.get(scratch).get(j0).get(kc).op(Op.i32_mul).i32(4).op(Op.i32_mul).op(Op.i32_add); // dst
      if (layout === 'NT') addr(B, j0, ldb, k0);
      else addr(B, k0, ldb, j0);
      f.get(ldb).get(kc).get(nr).call(packB);
    });
    f.get(k0).get(kc).op(Op.i32_add).get(K).op(Op.i32_eq).get(act).op(Op.i32_and).set(actK); // activation on the last K block only
    f.get(k0).op(Op.i32_eqz).if();
    f.get(beta).set(be).get(bias).set(bi);
    f.else();
    f.f32(1).set(be).i32(0).set(bi);
    f.end();
    f.for(i0, 0, M, MR, () => {
      f.get(M).get(i0).op(Op.i32_sub).set(rest);
      min(f, rest, MR, mr);
      f.get(ap);
      if (layout === 'TN') addr(A, k0, lda, i0);
      else addr(A, i0, lda, k0);
      f.get(lda).get(kc).get(mr).call(packA);
      f.for(j0, 0, N, NR, () => {
        f.get(N).get(j0).op(Op.i32_sub).set(rest);
        min(f, rest, NR, nr);
        f.get(ap);
        f.get(scratch).get(j0).get(kc).op(Op.i32_mul).i32(4).op(Op.i32_mul).op(Op.i32_add);
        f.get(kc);
        addr(C, i0, ldc, j0);
        f.get(ldc).get(mr).get(nr).get(alpha).get(be);
        f.get(bi).if(); // bias + j0*4, or 0 for none (if/else with a result would need a typed block)
        f.get(bi).get(j0).i32(4).op(Op.i32_mul).op(Op.i32_add).set(rest);
        f.else().i32(0).set(rest).end();
        f.get(rest).get(tile).get(actK).call(kernel);
      });
    });
  });
}

/**
 * Adds pack_*, mm_kernel and mm_NN / mm_NT / mm_TN to `mb`; returns mm_kernel (not exported from the
 * module) so a development benchmark can time the micro-kernel alone (bench/simd-dev.ts --peak).
 */
export function addMatmul(mb: ModuleBuilder, relaxed: boolean): FuncBuilder {
  const contig4 = packContig(mb, 4),
    contig8 = packContig(mb, 8);
  const strided4 = packStrided(mb, 4),
    strided8 = packStrided(mb, 8);
  const kernel = microKernel(mb, relaxed);
  driver(mb, 'NN', kernel, strided4, contig8);
  driver(mb, 'NT', kernel, strided4, strided8);
  driver(mb, 'TN', kernel, contig4, contig8);
  return kernel;
}
