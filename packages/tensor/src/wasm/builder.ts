// A small typed WebAssembly module builder: enough of the binary format (types, imports, functions,
// exports, code with locals, LEB128 immediates, SIMD128 with the 0xFD prefix) to emit kernels at run
// time from TypeScript. Spec: https://webassembly.github.io/spec/core/binary/ and the SIMD proposal.

/** Value types (binary encodings). */
export const I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
  V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/** Single-byte opcodes used by the kernels. */
export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_load: 0x28,
  f32_load: 0x2a,
  f64_load: 0x2b,
  i32_store: 0x36,
  f32_store: 0x38,
  f64_store: 0x39,
  i32_const: 0x41,
  f32_const: 0x43,
  f64_const: 0x44,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_gt_u: 0x4b,
  i32_le_s: 0x4c,
  i32_le_u: 0x4d,
  i32_ge_s: 0x4e,
  i32_ge_u: 0x4f,
  f32_eq: 0x5b,
  f32_ne: 0x5c,
  f32_lt: 0x5d,
  f32_gt: 0x5e,
  f32_le: 0x5f,
  f32_ge: 0x60,
  f64_eq: 0x61,
  f64_ne: 0x62,
  f64_lt: 0x63,
  f64_gt: 0x64,
  f64_le: 0x65,
  f64_ge: 0x66,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_div_s: 0x6d,
  i32_div_u: 0x6e,
  i32_rem_u: 0x70,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  i32_shr_u: 0x76,
  f32_abs: 0x8b,
  f32_neg: 0x8c,
  f32_sqrt: 0x91,
  f32_add: 0x92,
  f32_sub: 0x93,
  f32_mul: 0x94,
  f32_div: 0x95,
  f32_min: 0x96,
  f32_max: 0x97,
  f64_abs: 0x99,
  f64_neg: 0x9a,
  f64_sqrt: 0x9f,
  f64_add: 0xa0,
  f64_sub: 0xa1,
  f64_mul: 0xa2,
  f64_div: 0xa3,
  f64_min: 0xa4,
  f64_max: 0xa5,
  f32_demote_f64: 0xb6,
  f64_promote_f32: 0xbb,
  f64_convert_i32_s: 0xb7,
} as const;

/** SIMD128 opcodes (after the 0xFD prefix, LEB128-encoded). */
export const Simd = {
  v128_load: 0x00,
  v128_load32_splat: 0x09,
  v128_store: 0x0b,
  v128_const: 0x0c,
  i8x16_shuffle: 0x0d,
  i32x4_splat: 0x11,
  f32x4_splat: 0x13,
  f32x4_extract_lane: 0x1f,
  f32x4_replace_lane: 0x20,
  f32x4_eq: 0x41,
  f32x4_ne: 0x42,
  f32x4_lt: 0x43,
  f32x4_gt: 0x44,
  f32x4_le: 0x45,
  f32x4_ge: 0x46,
  v128_not: 0x4d,
  v128_and: 0x4e,
  v128_andnot: 0x4f,
  v128_or: 0x50,
  v128_xor: 0x51,
  v128_bitselect: 0x52,
  f32x4_ceil: 0x67,
  f32x4_floor: 0x68,
  f32x4_nearest: 0x6a,
  i32x4_shl: 0xab,
  i32x4_shr_s: 0xac,
  i32x4_add: 0xae,
  i32x4_sub: 0xb1,
  f32x4_abs: 0xe0,
  f32x4_neg: 0xe1,
  f32x4_sqrt: 0xe3,
  f32x4_add: 0xe4,
  f32x4_sub: 0xe5,
  f32x4_mul: 0xe6,
  f32x4_div: 0xe7,
  f32x4_min: 0xe8,
  f32x4_max: 0xe9,
  f32x4_pmin: 0xea,
  f32x4_pmax: 0xeb,
  i32x4_trunc_sat_f32x4_s: 0xf8,
  f32x4_convert_i32x4_s: 0xfa,
  f32x4_relaxed_madd: 0x105, // relaxed SIMD: a·b + c, fused or not (implementation's choice)
} as const;

/** Unsigned LEB128. */
export function uleb(n: number, out: number[] = []): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`uleb: ${n} is not a u32`);
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 range). */
export function sleb(n: number, out: number[] = []): number[] {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) throw new RangeError(`sleb: ${n} is not an i32`);
  n |= 0; // i32 two's complement, so >> below is arithmetic
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

/** A local (or parameter) of a function being built. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

const f32Bytes = new Float32Array(1),
  f32U8 = new Uint8Array(f32Bytes.buffer);
const f64Bytes = new Float64Array(1),
  f64U8 = new Uint8Array(f64Bytes.buffer);

/**
 * One function's body. Methods append instructions and return `this`, so code reads in stack
 * order: `f.get(a).get(b).op(Op.i32_add).set(c)`.
 */
export class FuncBuilder {
  readonly name: string;
  readonly typeIndex: number;
  readonly index: number;
  readonly params: readonly Local[];
  readonly #locals: ValType[] = [];
  readonly #nParams: number;
  readonly code: number[] = [];

  constructor(name: string, typeIndex: number, index: number, params: readonly ValType[]) {
    this.name = name;
    this.typeIndex = typeIndex;
    this.index = index;
    this.params = params.map((type, i) => ({ index: i, type }));
    this.#nParams = params.length;
  }

  /** Declares a new local of `type` (zero-initialised by WebAssembly). */
  local(type: ValType): Local {
    this.#locals.push(type);
    return { index: this.#nParams + this.#locals.length - 1, type };
  }

  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(l: Local): this {
    this.code.push(Op.local_get, ...uleb(l.index));
    return this;
  }
  set(l: Local): this {
    this.code.push(Op.local_set, ...uleb(l.index));
    return this;
  }
  tee(l: Local): this {
    this.code.push(Op.local_tee, ...uleb(l.index));
    return this;
  }
  i32(v: number): this {
    this.code.push(Op.i32_const, ...sleb(v));
    return this;
  }
  f32(v: number): this {
    f32Bytes[0] = v;
    this.code.push(Op.f32_const, ...f32U8);
    return this;
  }
  f64(v: number): this {
    f64Bytes[0] = v;
    this.code.push(Op.f64_const, ...f64U8);
    return this;
  }
  call(f: FuncBuilder | number): this {
    this.code.push(Op.call, ...uleb(typeof f === 'number' ? f : f.index));
    return this;
  }

  /** A load/store opcode with its memarg (`align` is log2 of the alignment in bytes). */
  mem(opcode: number, offset = 0, align = 2): this {
    this.code.push(opcode, align, ...uleb(offset));
    return this;
  }
  f32Load(offset = 0): this {
    return this.mem(Op.f32_load, offset, 2);
  }
  f32Store(offset = 0): this {
    return this.mem(Op.f32_store, offset, 2);
  }
  f64Load(offset = 0): this {
    return this.mem(Op.f64_load, offset, 3);
  }
  f64Store(offset = 0): this {
    return this.mem(Op.f64_store, offset, 3);
  }
  i32Load(offset = 0): this {
    return this.mem(Op.i32_load, offset, 2);
  }

  /** A SIMD instruction: 0xFD, the LEB128 opcode, then raw immediates (lane index…). */
  simd(opcode: number, ...imm: number[]): this {
    this.code.push(0xfd, ...uleb(opcode), ...imm);
    return this;
  }
  /** A SIMD memory instruction with its memarg. */
  simdMem(opcode: number, offset = 0, align = 4): this {
    this.code.push(0xfd, ...uleb(opcode), align, ...uleb(offset));
    return this;
  }
  v128Load(offset = 0): this {
    return this.simdMem(Simd.v128_load, offset, 4);
  }
  v128Store(offset = 0): this {
    return this.simdMem(Simd.v128_store, offset, 4);
  }
  splatLoad(offset = 0): this {
    return this.simdMem(Simd.v128_load32_splat, offset, 2);
  }
  f32x4(v: number): this {
    return this.f32(v).simd(Simd.f32x4_splat);
  }
  /** i8x16.shuffle expressed in 32-bit lanes: lanes 0-3 pick from the first operand, 4-7 from the second. */
  shuffle32(lanes: readonly [number, number, number, number]): this {
    const bytes: number[] = [];
    for (const l of lanes) bytes.push(4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3);
    return this.simd(Simd.i8x16_shuffle, ...bytes);
  }

  block(): this {
    this.code.push(Op.block, 0x40);
    return this;
  }
  loop(): this {
    this.code.push(Op.loop, 0x40);
    return this;
  }
  if(): this {
    this.code.push(Op.if, 0x40);
    return this;
  }
  else(): this {
    this.code.push(Op.else);
    return this;
  }
  end(): this {
    this.code.push(Op.end);
    return this;
  }
  br(depth: number): this {
    this.code.push(Op.br, ...uleb(depth));
    return this;
  }
  brIf(depth: number): this {
    this.code.push(Op.br_if, ...uleb(depth));
    return this;
  }

  /**
   * `for (i = from; i < to; i += step) body()` with signed i32 compare; `from`/`to` are locals or
   * constants. Inside `body`, `br(1)` breaks and `br(0)`… is not a continue (use the helpers).
   */
  for(i: Local, from: Local | number, to: Local | number, step: number, body: () => void): this {
    this.#push(from).set(i).block().loop();
    this.get(i).#push(to).op(Op.i32_ge_s).brIf(1);
    body();
    this.get(i).i32(step).op(Op.i32_add).set(i).br(0).end().end();
    return this;
  }

  #push(v: Local | number): this {
    return typeof v === 'number' ? this.i32(v) : this.get(v);
  }

  /** The body as it goes in the code section: locals vector (run-length encoded) then code. */
  encodeBody(): number[] {
    const groups: [number, ValType][] = [];
    for (const t of this.#locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...uleb(groups.length)];
    for (const [n, t] of groups) body.push(...uleb(n), t);
    for (let i = 0; i < this.code.length; i++) body.push(this.code[i]);
    body.push(Op.end);
    const out = uleb(body.length);
    for (let i = 0; i < body.length; i++) out.push(body[i]);
    return out;
  }
}

interface FuncImport {
  module: string;
  name: string;
  typeIndex: number;
}

/**
 * A module: function types, an imported (optionally shared) memory, imported and defined
 * functions, exports. `emit()` returns the binary.
 *
 * ```ts
 * const mb = new ModuleBuilder();
 * mb.importMemory('env', 'memory', 1, 16, true);
 * const f = mb.func('add', [I32, I32], [I32]); f.get(f.params[0]).get(f.params[1]).op(Op.i32_add);
 * new WebAssembly.Module(mb.emit());
 * ```
 */
export class ModuleBuilder {
  readonly #types: string[] = [];
  readonly #typeBytes: number[][] = [];
  readonly #funcImports: FuncImport[] = [];
  readonly #funcs: FuncBuilder[] = [];
  readonly #exports: { name: string; index: number }[] = [];
  #memory: { module: string; name: string; min: number; max: number; shared: boolean } | null = null;

  type(params: readonly ValType[], results: readonly ValType[]): number {
    const bytes = [0x60, ...uleb(params.length), ...params, ...uleb(results.length), ...results];
    const key = bytes.join(',');
    let i = this.#types.indexOf(key);
    if (i === -1) {
      i = this.#types.length;
      this.#types.push(key);
      this.#typeBytes.push(bytes);
    }
    return i;
  }

  importMemory(module: string, name: string, minPages: number, maxPages: number, shared: boolean): void {
    this.#memory = { module, name, min: minPages, max: maxPages, shared };
  }

  /** Imports a function; must be called before any `func` (imports come first in the index space). */
  importFunc(module: string, name: string, params: readonly ValType[], results: readonly ValType[]): number {
    if (this.#funcs.length > 0) throw new Error('ModuleBuilder.importFunc: import functions before defining any');
    this.#funcImports.push({ module, name, typeIndex: this.type(params, results) });
    return this.#funcImports.length - 1;
  }

  /** Defines a function; exported under `name` unless `exported` is false. */
  func(name: string, params: readonly ValType[], results: readonly ValType[], exported = true): FuncBuilder {
    const f = new FuncBuilder(name, this.type(params, results), this.#funcImports.length + this.#funcs.length, params);
    this.#funcs.push(f);
    if (exported) this.#exports.push({ name, index: f.index });
    return f;
  }

  emit(): Uint8Array {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    // Plain loops, not push(...spread): a code section can exceed the engine's argument limit.
    const append = (dst: number[], src: readonly number[]): void => {
      for (let i = 0; i < src.length; i++) dst.push(src[i]);
    };
    const section = (id: number, content: number[]): void => {
      out.push(id);
      append(out, uleb(content.length));
      append(out, content);
    };
    const vec = (items: number[][]): number[] => {
      const v = uleb(items.length);
      for (const it of items) append(v, it);
      return v;
    };
    section(1, vec(this.#typeBytes));
    const imports: number[][] = this.#funcImports.map((im) => [...utf8(im.module), ...utf8(im.name), 0x00, ...uleb(im.typeIndex)]);
    const m = this.#memory;
    if (m !== null) {
      const flags = (m.shared ? 0x02 : 0) | 0x01;
      imports.push([...utf8(m.module), ...utf8(m.name), 0x02, flags, ...uleb(m.min), ...uleb(m.max)]);
    }
    if (imports.length > 0) section(2, vec(imports));
    section(3, vec(this.#funcs.map((f) => uleb(f.typeIndex))));
    section(7, vec(this.#exports.map((e) => [...utf8(e.name), 0x00, ...uleb(e.index)])));
    section(10, vec(this.#funcs.map((f) => f.encodeBody())));
    return new Uint8Array(out);
  }
}
