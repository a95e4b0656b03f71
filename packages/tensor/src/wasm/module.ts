// Builds, compiles and instantiates the SIMD kernel module once per thread, on the shared memory.
// Feature detection: SIMD128 and relaxed SIMD are probed with WebAssembly.validate on tiny modules.

import { setFlagsFromString } from 'node:v8';
import { ModuleBuilder, I32, Simd, V128 } from './builder.js';
import { addMatmul } from './matmul-module.js';
import { addLayerKernels } from './layer-module.js';
import { MAX_PAGES, wasmMemory } from './memory.js';
import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';

function probe(op: number): boolean {
  if (wasmApi === undefined) return false;
  try {
    const mb = new ModuleBuilder();
    const f = mb.func('probe', [I32], []);
    const v = f.local(V128);
    f.i32(0).simd(Simd.i32x4_splat).set(v);
    if (op === Simd.f32x4_relaxed_madd) f.get(v).get(v).get(v).simd(op).set(v);
    else f.get(v).get(v).simd(op).set(v);
    return wasmApi.validate(mb.emit());
  } catch {
    return false;
  }
}

let simd: boolean | null = null,
  relaxed: boolean | null = null;

/** True when this runtime validates WebAssembly SIMD128. */
export function hasSimd(): boolean {
  if (simd === null) simd = probe(Simd.f32x4_add) && typeof SharedArrayBuffer === 'function';
  return simd;
}

/**
 * True when relaxed SIMD (f32x4.relaxed_madd) validates: by default from V8 11.4 (Node 22), in Node 20
 * with `node --experimental-wasm-relaxed-simd`, or with TIMBRE_RELAXED_SIMD=1, which sets that V8 flag
 * at run time (process-wide). On an AMD EPYC (Zen 5) it does not speed the matmul up: the mul + add
 * micro-kernel already keeps the same vector pipes busy (see docs/simd.md).
 */
export function hasRelaxedSimd(): boolean {
  if (relaxed === null) {
    relaxed = hasSimd() && probe(Simd.f32x4_relaxed_madd);
    if (!relaxed && hasSimd() && relaxedEnv() === '1') {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = probe(Simd.f32x4_relaxed_madd);
      if (!relaxed) throw new Error('TIMBRE_RELAXED_SIMD=1: this runtime has no relaxed SIMD, even with --experimental-wasm-relaxed-simd');
    }
  }
  return relaxed;
}

function relaxedEnv(): string | undefined {
  const v = typeof process !== 'undefined' ? process.env.TIMBRE_RELAXED_SIMD : undefined;
  if (v !== undefined && v !== '' && v !== '0' && v !== '1') throw new RangeError(`TIMBRE_RELAXED_SIMD must be 0 or 1, got '${v}'`);
  return v;
}

/** The exported kernel functions (pointers are byte offsets into the shared memory). */
export interface KernelExports {
  mm_NN(
    C: number,
    ldc: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    bias: number,
    M: number,
    K: number,
    N: number,
    alpha: number,
    beta: number,
    scratch: number,
    act: number,
  ): void;
  mm_NT: KernelExports['mm_NN'];
  mm_TN: KernelExports['mm_NN'];
  add(out: number, a: number, b: number, n: number): void;
  mem_copy(dst: number, src: number, bytes: number): void;
  mem_zero(dst: number, bytes: number): void;
  fill(out: number, value: number, n: number): void;
  gather_rows(dst: number, src: number, idx: number, rows: number, rowBytes: number): void;
  relu_fwd(out: number, x: number, n: number): void;
  relu_bwd(dx: number, dout: number, x: number, n: number): void;
  bias_bwd(dBias: number, dout: number, B: number, N: number): void;
  ce_fwd(losses: number, probs: number, logits: number, labels: number, weight: number, B: number, C: number, smoothing: number): void;
  ce_bwd(dlogits: number, dloss: number, probs: number, labels: number, weight: number, B: number, C: number, smoothing: number, wSum: number): void;
  sgd(
    p: number,
    g: number,
    buf: number,
    n: number,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: number,
    first: number,
  ): void;
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    vmax: number,
    n: number,
    stepSize: number,
    beta1: number,
    beta2: number,
    eps: number,
    l2: number,
    decay: number,
    bc2Sqrt: number,
  ): void;
}

/** Bytes of the module for this runtime (relaxed madd when available and `relaxed` is true). */
export function kernelModuleBytes(useRelaxed: boolean): Uint8Array {
  const mb = new ModuleBuilder();
  const exp = mb.importFunc('env', 'exp', [0x7c], [0x7c]);
  const log = mb.importFunc('env', 'log', [0x7c], [0x7c]);
  mb.importMemory('env', 'memory', 16, MAX_PAGES, true);
  addMatmul(mb, useRelaxed);
  addLayerKernels(mb, exp, log);
  return mb.emit();
}

let compiled: WasmModule | null = null;
let kernels: KernelExports | null = null;

/** Whether the relaxed fused multiply-add is used (TIMBRE_RELAXED_SIMD=0 turns it off, =1 on in Node 20). */
export function usesRelaxed(): boolean {
  return relaxedEnv() !== '0' && hasRelaxedSimd();
}

/** The compiled module (shared with workers, which instantiate it on the same memory). */
export function kernelModule(): WasmModule {
  if (compiled === null) compiled = new (wasmApi as NonNullable<typeof wasmApi>).Module(kernelModuleBytes(usesRelaxed()));
  return compiled;
}

/** Instantiates `mod` on `memory` (used by the main thread and by workers). */
export function instantiate(mod: WasmModule, memory: WasmMemory): KernelExports {
  const inst = new (wasmApi as NonNullable<typeof wasmApi>).Instance(mod, { env: { memory, exp: Math.exp, log: Math.log } });
  return inst.exports as unknown as KernelExports;
}

/** This thread's kernels on the shared memory. Throws when the runtime has no SIMD128. */
export function simdKernels(): KernelExports {
  if (kernels === null) {
    if (!hasSimd()) throw new Error('timbre: this runtime has no WebAssembly SIMD128; use TIMBRE_BACKEND=scalar');
    kernels = instantiate(kernelModule(), wasmMemory());
  }
  return kernels;
}
