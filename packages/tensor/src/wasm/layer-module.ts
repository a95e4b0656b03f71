// Emits the SIMD layer kernels with the contracts of kernels/activation.ts, cross-entropy.ts and
// optim.ts: ReLU forward/backward, bias gradient, softmax cross-entropy forward/backward and the SGD
// and Adam updates. Pointers are byte offsets; weight/vmax pointers are 0 for "none".
// B = batch rows, N = columns, C = classes, n = element count.

import { F32, F64, I32, Op, Simd, V128, type FuncBuilder, type Local, type ModuleBuilder } from './builder.js';

/**
 * `for (i = 0; i + 4 <= n; i += 4) vec(off)` then `for (; i < n; i++) tail(off)`, where `off` is the
 * byte offset i·4 shared by every array of the kernel.
 */
function lanes(f: FuncBuilder, n: Local, vec: (off: Local) => void, tail: (off: Local) => void): void {
  const off = f.local(I32),
    end4 = f.local(I32),
    end = f.local(I32);
  f.get(n).i32(-4).op(Op.i32_and).i32(4).op(Op.i32_mul).set(end4);
  f.get(n).i32(4).op(Op.i32_mul).set(end);
  f.for(off, 0, end4, 16, () => vec(off));
  f.get(end4).set(off);
  f.block().loop();
  f.get(off).get(end).op(Op.i32_ge_s).brIf(1);
  tail(off);
  f.get(off).i32(4).op(Op.i32_add).set(off).br(0).end().end();
}

/** memory.copy and memory.fill on memory 0 (0xFC prefix, then the sub-opcode and memory indices). */
const BULK_COPY = [0xfc, 0x0a, 0x00, 0x00] as const,
  BULK_FILL = [0xfc, 0x0b, 0x00] as const;

/**
 * `if (cond) yes() else no()` where `cond` pushes an i32 and each branch emits whole statements: the
 * optimiser kernels choose one specialised loop per call with it.
 */
function ifElse(f: FuncBuilder, cond: () => void, yes: () => void, no: () => void): void {
  cond();
  f.if();
  yes();
  f.else();
  no();
  f.end();
}

/** ptr + off on the stack. */
function at(f: FuncBuilder, ptr: Local, off: Local): FuncBuilder {
  return f.get(ptr).get(off).op(Op.i32_add);
}

/**
 * out = e^x for x ≤ 0 (lanes below −87 give e^−87 ≈ 1.6e−38 instead of a denormal). Range reduction
 * x = n·ln2 + r (Cody–Waite split of ln2), degree-6 Taylor polynomial on |r| ≤ ln2/2 (rel. error
 * < 2e−7), then 2ⁿ built in the exponent bits.
 */
function expV(f: FuncBuilder, x: Local, out: Local, n: Local, r: Local): void {
  f.get(x).f32x4(-87).simd(Simd.f32x4_max).set(x);
  f.get(x).f32x4(Math.LOG2E).simd(Simd.f32x4_mul).simd(Simd.f32x4_nearest).set(n);
  f.get(x).get(n).f32x4(0.693359375).simd(Simd.f32x4_mul).simd(Simd.f32x4_sub);
  f.get(n).f32x4(-2.1219444e-4).simd(Simd.f32x4_mul).simd(Simd.f32x4_sub).set(r);
  const c = [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1];
  f.f32x4(c[0]).set(out);
  for (let i = 1; i < c.length; i++) f.get(out).get(r).simd(Simd.f32x4_mul).f32x4(c[i]).simd(Simd.f32x4_add).set(out);
  f.get(out);
  f.get(n).simd(Simd.i32x4_trunc_sat_f32x4_s).i32(127).simd(Simd.i32x4_splat).simd(Simd.i32x4_add).i32(23).simd(Simd.i32x4_shl);
  f.simd(Simd.f32x4_mul).set(out);
}

/** Horizontal sum of the four lanes of `v`, as f64 (pushed on the stack). */
function hsum64(f: FuncBuilder, v: Local): void {
  for (let l = 0; l < 4; l++) {
    f.get(v).simd(Simd.f32x4_extract_lane, l).op(Op.f64_promote_f32);
    if (l > 0) f.op(Op.f64_add);
  }
}

export function addLayerKernels(mb: ModuleBuilder, expImport: number, logImport: number): void {
  // mem_copy(dst, src, bytes) and mem_zero(dst, bytes): the bulk-memory instructions. On shared memory
  // they run at memcpy/memset speed, where TypedArray set/fill on a SharedArrayBuffer are 4-7x slower
  // (200 KB: 2 µs against 7-15 µs for set/fill). Tensor.copyFrom/zero/fill and optimiser.zeroGrad use them.
  {
    const f = mb.func('mem_copy', [I32, I32, I32], []);
    const [dst, src, bytes] = f.params;
    f.get(dst)
      .get(src)
      .get(bytes)
      .op(...BULK_COPY);
  }
  {
    const f = mb.func('mem_zero', [I32, I32], []);
    const [dst, bytes] = f.params;
    f.get(dst)
      .i32(0)
      .get(bytes)
      .op(...BULK_FILL);
  }
  // gather_rows(dst, src, idx, rows, rowBytes): dst row r = src row idx[r] (idx: i32 row numbers), one
  // memory.copy per row (the DataLoader's batches: 256 rows of 30 floats in 1.4 µs, a JavaScript loop 15 µs).
  {
    const f = mb.func('gather_rows', [I32, I32, I32, I32, I32], []);
    const [dst, src, idx, rows, rowBytes] = f.params;
    const end = f.local(I32);
    f.get(idx).get(rows).i32(4).op(Op.i32_mul).op(Op.i32_add).set(end);
    f.block().loop();
    f.get(idx).get(end).op(Op.i32_ge_u).brIf(1);
    f.get(dst)
      .get(src)
      .get(idx)
      .i32Load()
      .get(rowBytes)
      .op(Op.i32_mul)
      .op(Op.i32_add)
      .get(rowBytes)
      .op(...BULK_COPY);
    f.get(dst).get(rowBytes).op(Op.i32_add).set(dst).get(idx).i32(4).op(Op.i32_add).set(idx).br(0);
    f.end().end();
  }
  // fill(out, value, n): out[i] = value (any float32, so not a byte fill).
  {
    const f = mb.func('fill', [I32, F32, I32], []);
    const [out, value, n] = f.params;
    const v = f.local(V128);
    f.get(value).simd(Simd.f32x4_splat).set(v);
    lanes(
      f,
      n,
      (o) => {
        at(f, out, o).get(v).v128Store();
      },
      (o) => {
        at(f, out, o).get(value).f32Store();
      },
    );
  }
  // add(out, a, b, n): out = a + b (out may be a). DataParallel's gradient all-reduce, addInPlace.
  {
    const f = mb.func('add', [I32, I32, I32, I32], []);
    const [out, a, b, n] = f.params;
    lanes(
      f,
      n,
      (o) => {
        at(f, out, o);
        at(f, a, o).v128Load();
        at(f, b, o).v128Load().simd(Simd.f32x4_add).v128Store();
      },
      (o) => {
        at(f, out, o);
        at(f, a, o).f32Load();
        at(f, b, o).f32Load().op(Op.f32_add).f32Store();
      },
    );
  }
  // relu_fwd(out, x, n): out = x < 0 ? 0 : x, so NaN stays NaN (pmax(x, 0) = x < 0 ? 0 : x), as the scalar kernel.
  {
    const f = mb.func('relu_fwd', [I32, I32, I32], []);
    const [out, x, n] = f.params;
    lanes(
      f,
      n,
      (o) => {
        at(f, out, o);
        at(f, x, o).v128Load().f32x4(0).simd(Simd.f32x4_pmax).v128Store();
      },
      (o) => {
        at(f, out, o).f32(0);
        at(f, x, o).f32Load();
        at(f, x, o).f32Load().f32(0).op(Op.f32_lt).op(Op.select).f32Store();
      },
    );
  }
  // relu_bwd(dx, dout, x, n): dx += x <= 0 ? 0 : dout (a NaN input passes the gradient, as PyTorch). Accumulates.
  {
    const f = mb.func('relu_bwd', [I32, I32, I32, I32], []);
    const [dx, dout, x, n] = f.params;
    lanes(
      f,
      n,
      (o) => {
        at(f, dx, o);
        at(f, dx, o).v128Load();
        at(f, dout, o).v128Load();
        at(f, x, o).v128Load().f32x4(0).simd(Simd.f32x4_le).simd(Simd.v128_andnot);
        f.simd(Simd.f32x4_add).v128Store();
      },
      (o) => {
        at(f, x, o).f32Load().f32(0).op(Op.f32_le).op(Op.i32_eqz).if();
        at(f, dx, o);
        at(f, dx, o).f32Load();
        at(f, dout, o).f32Load().op(Op.f32_add).f32Store();
        f.end();
      },
    );
  }
  // bias_bwd(dBias, dout, B, N): dBias[j] += Σ_b dout[b, j]. Accumulates. Four columns per vector.
  {
    const f = mb.func('bias_bwd', [I32, I32, I32, I32], []);
    const [dBias, dout, B, N] = f.params;
    const b = f.local(I32),
      p = f.local(I32),
      rowB = f.local(I32),
      acc = f.local(V128),
      s = f.local(F32);
    f.get(N).i32(4).op(Op.i32_mul).set(rowB);
    lanes(
      f,
      N,
      (o) => {
        f.i32(0).simd(Simd.i32x4_splat).set(acc);
        at(f, dout, o).set(p);
        f.for(b, 0, B, 1, () => {
          f.get(acc).get(p).v128Load().simd(Simd.f32x4_add).set(acc).get(p).get(rowB).op(Op.i32_add).set(p);
        });
        at(f, dBias, o);
        at(f, dBias, o).v128Load().get(acc).simd(Simd.f32x4_add).v128Store();
      },
      (o) => {
        f.f32(0).set(s);
        at(f, dout, o).set(p);
        f.for(b, 0, B, 1, () => {
          f.get(s).get(p).f32Load().op(Op.f32_add).set(s).get(p).get(rowB).op(Op.i32_add).set(p);
        });
        at(f, dBias, o);
        at(f, dBias, o).f32Load().get(s).op(Op.f32_add).f32Store();
      },
    );
  }
  // ce_fwd(losses, probs, logits, labels, weight, B, C, smoothing): see kernels/cross-entropy.ts.
  {
    const f = mb.func('ce_fwd', [I32, I32, I32, I32, I32, I32, I32, F64], []);
    const [losses, probs, logits, labels, weight, B, C, smoothing] = f.params;
    const b = f.local(I32),
      c = f.local(I32),
      z = f.local(I32),
      pr = f.local(I32),
      y = f.local(I32);
    const mx = f.local(F32),
      v = f.local(V128),
      e = f.local(V128),
      nv = f.local(V128),
      rv = f.local(V128),
      sv = f.local(V128),
      mv = f.local(V128);
    const sum = f.local(F64),
      lse = f.local(F64),
      loss = f.local(F64),
      s = f.local(F64),
      wy = f.local(F64),
      inv = f.local(F32),
      ev = f.local(F64);
    f.for(b, 0, B, 1, () => {
      f.get(logits).get(b).get(C).op(Op.i32_mul).i32(4).op(Op.i32_mul).op(Op.i32_add).set(z);
      f.get(probs).get(b).get(C).op(Op.i32_mul).i32(4).op(Op.i32_mul).op(Op.i32_add).set(pr);
      f.f32(-Infinity).set(mx);
      f.for(c, 0, C, 1, () => {
        f.get(z).get(c).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().get(mx).op(Op.f32_max).set(mx);
      });
      f.get(mx).simd(Simd.f32x4_splat).set(mv);
      f.i32(0).simd(Simd.i32x4_splat).set(sv).f64(0).set(sum);
      lanes(
        f,
        C,
        (o) => {
          at(f, z, o).v128Load().get(mv).simd(Simd.f32x4_sub).set(v);
          expV(f, v, e, nv, rv);
          at(f, pr, o).get(e).v128Store();
          f.get(sv).get(e).simd(Simd.f32x4_add).set(sv);
        },
        (o) => {
          at(f, z, o).f32Load().get(mx).op(Op.f32_sub).op(Op.f64_promote_f32).call(expImport).set(ev);
          at(f, pr, o).get(ev).op(Op.f32_demote_f64).f32Store();
          f.get(sum).get(ev).op(Op.f64_add).set(sum);
        },
      );
      hsum64(f, sv);
      f.get(sum).op(Op.f64_add).set(sum);
      f.f64(1).get(sum).op(Op.f64_div).op(Op.f32_demote_f64).set(inv);
      f.get(inv).simd(Simd.f32x4_splat).set(v);
      lanes(
        f,
        C,
        (o) => {
          at(f, pr, o);
          at(f, pr, o).v128Load().get(v).simd(Simd.f32x4_mul).v128Store();
        },
        (o) => {
          at(f, pr, o);
          at(f, pr, o).f32Load().get(inv).op(Op.f32_mul).f32Store();
        },
      );
      f.get(mx).op(Op.f64_promote_f32).get(sum).call(logImport).op(Op.f64_add).set(lse);
      f.get(labels).get(b).i32(4).op(Op.i32_mul).op(Op.i32_add).i32Load().set(y);
      f.f64(1).set(wy);
      f.get(weight).if().get(weight).get(y).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().op(Op.f64_promote_f32).set(wy).end();
      // loss = (1 − ε)·w_y·(lse − z_y)
      f.f64(1).get(smoothing).op(Op.f64_sub).get(wy).op(Op.f64_mul);
      f.get(lse).get(z).get(y).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().op(Op.f64_promote_f32).op(Op.f64_sub);
      f.op(Op.f64_mul).set(loss);
      f.get(smoothing).f64(0).op(Op.f64_ne).if();
      f.f64(0).set(s);
      f.for(c, 0, C, 1, () => {
        f.get(lse).get(z).get(c).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().op(Op.f64_promote_f32).op(Op.f64_sub).set(ev);
        f.get(weight).if().get(ev).get(weight).get(c).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().op(Op.f64_promote_f32).op(Op.f64_mul).set(ev).end();
        f.get(s).get(ev).op(Op.f64_add).set(s);
      });
      f.get(loss).get(smoothing).get(C).op(Op.f64_convert_i32_s).op(Op.f64_div).get(s).op(Op.f64_mul).op(Op.f64_add).set(loss);
      f.end();
      f.get(losses).get(b).i32(4).op(Op.i32_mul).op(Op.i32_add).get(loss).op(Op.f32_demote_f64).f32Store();
    });
  }
  // ce_bwd(dlogits, dloss, probs, labels, weight, B, C, smoothing, wSum):
  // dlogits[b, c] += g·(p·qSum − off·w_c), dlogits[b, y] −= g·(1 − ε)·w_y. Accumulates.
  {
    const f = mb.func('ce_bwd', [I32, I32, I32, I32, I32, I32, I32, F64, F64], []);
    const [dlogits, dloss, probs, labels, weight, B, C, smoothing, wSum] = f.params;
    const b = f.local(I32),
      d = f.local(I32),
      pr = f.local(I32),
      y = f.local(I32),
      q = f.local(I32);
    const g = f.local(F64),
      wy = f.local(F64),
      off = f.local(F64),
      gq = f.local(F32),
      go = f.local(F32);
    const gqv = f.local(V128),
      gov = f.local(V128),
      tv = f.local(V128),
      ts = f.local(F32);
    f.get(smoothing).get(C).op(Op.f64_convert_i32_s).op(Op.f64_div).set(off);
    f.for(b, 0, B, 1, () => {
      f.get(dlogits).get(b).get(C).op(Op.i32_mul).i32(4).op(Op.i32_mul).op(Op.i32_add).set(d);
      f.get(probs).get(b).get(C).op(Op.i32_mul).i32(4).op(Op.i32_mul).op(Op.i32_add).set(pr);
      f.get(dloss).get(b).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().op(Op.f64_promote_f32).set(g);
      f.get(labels).get(b).i32(4).op(Op.i32_mul).op(Op.i32_add).i32Load().set(y);
      f.f64(1).set(wy);
      f.get(weight).if().get(weight).get(y).i32(4).op(Op.i32_mul).op(Op.i32_add).f32Load().op(Op.f64_promote_f32).set(wy).end();
      // gq = g·qSum, qSum = (1 − ε)·w_y + off·wSum; go = g·off
      f.get(g).f64(1).get(smoothing).op(Op.f64_sub).get(wy).op(Op.f64_mul).get(off).get(wSum).op(Op.f64_mul).op(Op.f64_add).op(Op.f64_mul);
      f.op(Op.f32_demote_f64).tee(gq).simd(Simd.f32x4_splat).set(gqv);
      f.get(g).get(off).op(Op.f64_mul).op(Op.f32_demote_f64).tee(go).simd(Simd.f32x4_splat).set(gov);
      lanes(
        f,
        C,
        (o) => {
          f.get(gov).set(tv);
          f.get(weight).if().get(gov).get(weight).get(o).op(Op.i32_add).v128Load().simd(Simd.f32x4_mul).set(tv).end();
          at(f, d, o);
          at(f, d, o).v128Load();
          at(f, pr, o).v128Load().get(gqv).simd(Simd.f32x4_mul).get(tv).simd(Simd.f32x4_sub);
          f.simd(Simd.f32x4_add).v128Store();
        },
        (o) => {
          f.get(go).set(ts);
          f.get(weight).if().get(go).get(weight).get(o).op(Op.i32_add).f32Load().op(Op.f32_mul).set(ts).end();
          at(f, d, o);
          at(f, d, o).f32Load();
          at(f, pr, o).f32Load().get(gq).op(Op.f32_mul).get(ts).op(Op.f32_sub);
          f.op(Op.f32_add).f32Store();
        },
      );
      f.get(d).get(y).i32(4).op(Op.i32_mul).op(Op.i32_add).set(q);
      f.get(q).get(q).f32Load();
      f.get(g).f64(1).get(smoothing).op(Op.f64_sub).op(Op.f64_mul).get(wy).op(Op.f64_mul).op(Op.f32_demote_f64);
      f.op(Op.f32_sub).f32Store();
    });
  }
  // sgd(p, g, buf, n, lr, momentum, dampening, weightDecay, nesterov, first): kernels/optim.ts sgdStep.
  // One loop per case (no momentum / first step / later steps, × nesterov, × weight decay), chosen
  // once per call: the branches inside the loop cost a third of its time (50 k parameters with
  // momentum: 18.7 µs with them).
  {
    const f = mb.func('sgd', [I32, I32, I32, I32, F32, F32, F32, F32, I32, I32], []);
    const [p, g, buf, n, lr, mom, damp, wd] = f.params;
    const nesterov = f.params[8],
      first = f.params[9];
    const lrv = f.local(V128),
      mv = f.local(V128),
      kv = f.local(V128),
      wdv = f.local(V128),
      gv = f.local(V128),
      vv = f.local(V128);
    const gs = f.local(F32),
      vs = f.local(F32),
      keep = f.local(F32);
    f.f32(1).get(damp).op(Op.f32_sub).set(keep);
    f.get(lr).simd(Simd.f32x4_splat).set(lrv).get(mom).simd(Simd.f32x4_splat).set(mv);
    f.get(keep).simd(Simd.f32x4_splat).set(kv).get(wd).simd(Simd.f32x4_splat).set(wdv);
    type Mode = 'plain' | 'first' | 'momentum';
    // g' = g (+ wd·p when wd ≠ 0); buf = g' (first) or μ·buf + (1 − dampening)·g'; v = g' (plain), buf, or
    // g' + μ·buf (nesterov); p −= lr·v. The same operations, in the same order, as the scalar kernel.
    const loop = (mode: Mode, nest: boolean, decay: boolean): void => {
      lanes(
        f,
        n,
        (o) => {
          at(f, g, o).v128Load();
          if (decay) at(f, p, o).v128Load().get(wdv).simd(Simd.f32x4_mul).simd(Simd.f32x4_add);
          f.set(gv);
          if (mode === 'plain') f.get(gv).set(vv);
          else {
            if (mode === 'first') f.get(gv).set(vv);
            else at(f, buf, o).v128Load().get(mv).simd(Simd.f32x4_mul).get(gv).get(kv).simd(Simd.f32x4_mul).simd(Simd.f32x4_add).set(vv);
            at(f, buf, o).get(vv).v128Store();
            if (nest) f.get(gv).get(vv).get(mv).simd(Simd.f32x4_mul).simd(Simd.f32x4_add).set(vv);
          }
          at(f, p, o);
          at(f, p, o).v128Load().get(vv).get(lrv).simd(Simd.f32x4_mul).simd(Simd.f32x4_sub).v128Store();
        },
        (o) => {
          at(f, g, o).f32Load();
          if (decay) at(f, p, o).f32Load().get(wd).op(Op.f32_mul).op(Op.f32_add);
          f.set(gs);
          if (mode === 'plain') f.get(gs).set(vs);
          else {
            if (mode === 'first') f.get(gs).set(vs);
            else at(f, buf, o).f32Load().get(mom).op(Op.f32_mul).get(gs).get(keep).op(Op.f32_mul).op(Op.f32_add).set(vs);
            at(f, buf, o).get(vs).f32Store();
            if (nest) f.get(gs).get(vs).get(mom).op(Op.f32_mul).op(Op.f32_add).set(vs);
          }
          at(f, p, o);
          at(f, p, o).f32Load().get(vs).get(lr).op(Op.f32_mul).op(Op.f32_sub).f32Store();
        },
      );
    };
    const byDecay = (mode: Mode, nest: boolean): void =>
      ifElse(
        f,
        () => f.get(wd).f32(0).op(Op.f32_ne),
        () => loop(mode, nest, true),
        () => loop(mode, nest, false),
      );
    const byNesterov = (mode: Mode): void =>
      ifElse(
        f,
        () => f.get(nesterov),
        () => byDecay(mode, true),
        () => byDecay(mode, false),
      );
    ifElse(
      f,
      () => f.get(mom).f32(0).op(Op.f32_eq),
      () => byDecay('plain', false),
      () =>
        ifElse(
          f,
          () => f.get(first),
          () => byNesterov('first'),
          () => byNesterov('momentum'),
        ),
    );
  }
  // adam(p, g, m, v, vmax, n, stepSize, beta1, beta2, eps, l2, decay, bc2Sqrt): kernels/optim.ts adamStep
  // with stepSize = lr/bc1, decay = 1 − lr·wd (AdamW) or 1, l2 = wd (Adam) or 0 precomputed.
  {
    const f = mb.func('adam', [I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32], []);
    const [p, g, m, v, vmax, n, stepSize, beta1, beta2, eps, l2, decay, bc2Sqrt] = f.params;
    const names = [stepSize, beta1, beta2, eps, l2, decay, bc2Sqrt];
    const V: Local[] = names.map(() => f.local(V128));
    const [ssv, b1v, b2v, epsv, l2v, dv, bcv] = V;
    const b1c = f.local(V128),
      b2c = f.local(V128),
      pv = f.local(V128),
      gv = f.local(V128),
      mvv = f.local(V128),
      vvv = f.local(V128),
      t = f.local(V128);
    names.forEach((s, i) => {
      f.get(s).simd(Simd.f32x4_splat).set(V[i]);
    });
    f.f32x4(1).get(b1v).simd(Simd.f32x4_sub).set(b1c).f32x4(1).get(b2v).simd(Simd.f32x4_sub).set(b2c);
    const ps = f.local(F32),
      gs = f.local(F32),
      ms = f.local(F32),
      vs = f.local(F32),
      ts = f.local(F32);
    // One loop per case (L2 term or not, AMSGrad or not), chosen once per call, as for sgd above; the
    // L2 term is left out when l2 is 0, as PyTorch (an infinite parameter must not make g NaN).
    const loop = (withL2: boolean, ams: boolean): void =>
      lanes(
        f,
        n,
        (o) => {
          at(f, p, o).v128Load().get(dv).simd(Simd.f32x4_mul).set(pv);
          at(f, g, o).v128Load();
          if (withL2) f.get(l2v).get(pv).simd(Simd.f32x4_mul).simd(Simd.f32x4_add);
          f.set(gv);
          f.get(b1v);
          at(f, m, o).v128Load().simd(Simd.f32x4_mul).get(b1c).get(gv).simd(Simd.f32x4_mul).simd(Simd.f32x4_add).set(mvv);
          f.get(b2v);
          at(f, v, o).v128Load().simd(Simd.f32x4_mul).get(b2c).get(gv).simd(Simd.f32x4_mul).get(gv).simd(Simd.f32x4_mul).simd(Simd.f32x4_add).set(vvv);
          at(f, m, o).get(mvv).v128Store();
          at(f, v, o).get(vvv).v128Store();
          if (ams) {
            f.get(vvv);
            at(f, vmax, o).v128Load().simd(Simd.f32x4_pmax).set(vvv); // pmax(v, vmax) = vmax > v ? vmax : v
            at(f, vmax, o).get(vvv).v128Store();
          }
          f.get(vvv).simd(Simd.f32x4_sqrt).get(bcv).simd(Simd.f32x4_div).get(epsv).simd(Simd.f32x4_add).set(t);
          at(f, p, o).get(pv).get(ssv).get(mvv).simd(Simd.f32x4_mul).get(t).simd(Simd.f32x4_div).simd(Simd.f32x4_sub).v128Store();
        },
        (o) => {
          at(f, p, o).f32Load().get(decay).op(Op.f32_mul).set(ps);
          at(f, g, o).f32Load();
          if (withL2) f.get(l2).get(ps).op(Op.f32_mul).op(Op.f32_add);
          f.set(gs);
          f.get(beta1);
          at(f, m, o).f32Load().op(Op.f32_mul).f32(1).get(beta1).op(Op.f32_sub).get(gs).op(Op.f32_mul).op(Op.f32_add).set(ms);
          f.get(beta2);
          at(f, v, o).f32Load().op(Op.f32_mul).f32(1).get(beta2).op(Op.f32_sub).get(gs).op(Op.f32_mul).get(gs).op(Op.f32_mul).op(Op.f32_add).set(vs);
          at(f, m, o).get(ms).f32Store();
          at(f, v, o).get(vs).f32Store();
          if (ams) {
            at(f, vmax, o).f32Load().set(ts);
            f.get(ts).get(vs).get(ts).get(vs).op(Op.f32_gt).op(Op.select).set(vs);
            at(f, vmax, o).get(vs).f32Store();
          }
          f.get(vs).op(Op.f32_sqrt).get(bc2Sqrt).op(Op.f32_div).get(eps).op(Op.f32_add).set(ts);
          at(f, p, o).get(ps).get(stepSize).get(ms).op(Op.f32_mul).get(ts).op(Op.f32_div).op(Op.f32_sub).f32Store();
        },
      );
    const byAms = (withL2: boolean): void =>
      ifElse(
        f,
        () => f.get(vmax),
        () => loop(withL2, true),
        () => loop(withL2, false),
      );
    ifElse(
      f,
      () => f.get(l2).f32(0).op(Op.f32_ne),
      () => byAms(true),
      () => byAms(false),
    );
  }
}
