// Module and Parameter: the base of every layer. Layers compute into buffers they own and reuse them while
// the batch size is unchanged (see BufferSlots); what they return to a caller is a fresh copy unless the caller
// passes { reuse: true } (containers do, for their children). There is no autograd tape: backward is explicit.

import { Rng, Tensor, formatShape, getBackend, sameShape, wasmOffset, zeros, ShapeError, checkOptions } from '@timbre/tensor';

/**
 * A trainable tensor: `data` (the values, like any Tensor) plus `grad`, a tensor of the same shape
 * that backward passes accumulate into and `zeroGrad()` clears.
 *
 * ```ts
 * const w = new Parameter(zeros([3, 2]));
 * w.grad.data[0] += 1;  // what a backward kernel does
 * w.zeroGrad();
 * ```
 */
export class Parameter extends Tensor {
  /** Gradient of the loss with respect to this parameter, same shape; accumulated by backward passes. */
  readonly grad: Tensor;

  /** Wraps `init`'s buffer (not copied). */
  constructor(init: Tensor) {
    super(init.data, init.shape);
    this.grad = zeros(init.shape);
  }

  /** Sets the gradient to zero. */
  zeroGrad(): void {
    this.grad.zero();
  }
}

let globalRng = new Rng(0);

/**
 * Reseeds the generator layers use when no `rng` is passed (like `torch.manual_seed`).
 * Pass an explicit `rng` in the options bag for code that must not depend on construction order.
 */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/** The generator behind `manualSeed`: layers built without an `rng` option draw from it. */
export function defaultRng(): Rng {
  return globalRng;
}

/**
 * Options of `forward` and `backward` (and of the losses'): with `reuse: true` the result is the module's own
 * buffer, valid until its next call, and nothing is allocated; by default the result is a fresh tensor the
 * caller owns, as in PyTorch.
 */
export interface CallOptions {
  /** Return the module's own buffer (valid until its next call) instead of a fresh tensor (default false). */
  reuse?: boolean;
}

/** `{ reuse: true }`, frozen: containers pass it to their children (recognised without scanning its keys). */
export const REUSE: CallOptions = Object.freeze({ reuse: true });

/**
 * What a module hands its caller: `t` itself (a buffer the module reuses) with `{ reuse: true }`, else a copy,
 * so a result kept past the next call never changes under the caller.
 */
export function handOut(op: string, t: Tensor, options: CallOptions | undefined): Tensor {
  if (wantsReuse(op, options)) return t;
  const a = freshArray(t.size);
  a.set(t.data);
  return new Tensor(a, t.shape);
}

// Fresh results live in ordinary memory, not in WebAssembly memory: a WebAssembly block returns to the
// allocator only when a FinalizationRegistry callback runs, which a synchronous training loop never lets
// happen (a block per step piled up 1 MiB per epoch of the MLP bench's loop). Small ones are cut from
// 64 KiB slabs, as Node's Buffer pool does: a separate ArrayBuffer per result (a native allocation) costs
// several times the copy of a [64, 16] result.
const SLAB_FLOATS = 16384,
  SLAB_MAX_FLOATS = 4096;
let slab = new Float32Array(0),
  slabUsed = 0;

/** A zeroed Float32Array of n floats in ordinary memory: a view of a shared 64 KiB slab when n is small. */
function freshArray(n: number): Float32Array {
  if (n > SLAB_MAX_FLOATS) return new Float32Array(n);
  if (slabUsed + n > slab.length) {
    slab = new Float32Array(SLAB_FLOATS);
    slabUsed = 0;
  }
  const a = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += (n + 3) & ~3; // 16-byte aligned views
  return a;
}

/** The last buffer found to be WebAssembly memory: nearly every tensor lies in it, so one compare settles most calls. */
let wasmBuffer: ArrayBufferLike | null = null;

/**
 * `t`, or under the SIMD backend a copy of it in WebAssembly memory (in `slots`) when it lies outside (a fresh
 * result handed back in, a `slice`): the kernels then take the same path, and give the same bits, either way.
 */
export function staged(slots: BufferSlots, t: Tensor): Tensor {
  const buf = t.data.buffer;
  if (buf === wasmBuffer || getBackend() !== 'simd' || t.size < 16) return t;
  if (wasmOffset(t.data) >= 0) {
    wasmBuffer = buf;
    return t;
  }
  return slots.like(t).copyFrom(t);
}

/** True when the caller passed `{ reuse: true }` (unknown keys are refused). */
export function wantsReuse(op: string, options: CallOptions | undefined): boolean {
  if (options === REUSE) return true;
  if (options === undefined) return false;
  checkOptions(op, options, ['reuse']);
  return options.reuse === true;
}

/** A JSON description of a module, enough to rebuild it (stored in safetensors `__metadata__.architecture`). */
export interface ModuleConfig {
  /** The class name `buildModule` looks up (built-in, or added with `registerModule`). */
  type: string;
  [key: string]: unknown;
}

/**
 * Base class of every layer. Subclasses implement `forward` and `backward`; fields that hold a `Module`, a
 * `Parameter`, or an array of them register themselves in declaration order, with PyTorch's dotted names
 * (`fc1.weight`, `blocks.0.bias`), as `nn.Module.__setattr__` does. Everything else (names, state dicts,
 * train/eval) is derived here.
 *
 * ```ts
 * class Net extends Module {
 *   fc1 = new Linear(4, 8); act = new ReLU(); fc2 = new Linear(8, 3);
 *   forward(x: Tensor): Tensor { return this.fc2.forward(this.act.forward(this.fc1.forward(x))); }
 *   backward(d: Tensor, inputGrad = true): Tensor | null { return this.fc1.backward(this.act.backward(this.fc2.backward(d)), inputGrad); }
 * }
 * new Net().namedParameters().map(([n]) => n); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
export abstract class Module {
  /** True in training mode (the default), false after `eval()`. Dropout and BatchNorm1d read it. */
  training = true;

  /**
   * Computes the output for input `x`: a fresh tensor, or with `{ reuse: true }` the module's own buffer,
   * valid until its next `forward` (nothing allocated: the training loop's fast path).
   */
  abstract forward(x: Tensor, options?: CallOptions): Tensor;

  /**
   * Given dLoss/dOutput for the last `forward`, accumulates parameter gradients and returns dLoss/dInput
   * (fresh, or with `{ reuse: true }` the module's own buffer, valid until its next `backward`).
   * With `inputGrad = false` the input gradient is not computed (the first layer of a network) and null is returned.
   */
  abstract backward(dout: Tensor, inputGrad?: boolean, options?: CallOptions): Tensor | null;

  /**
   * A JSON description for `buildModule` and the safetensors metadata. The default, `{ type: <class name> }`,
   * suits a module whose constructor takes no arguments; `registerModule` tells `loadModel` how to build it.
   * Override it to record constructor arguments (and read them back in the registered builder).
   */
  config(): ModuleConfig {
    return { type: this.constructor.name };
  }

  /** This module's own parameters with their local names: its `Parameter` fields (and arrays of them), in declaration order. */
  protected ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [name, v] of fields(this)) {
      if (v instanceof Parameter) out.push([name, v]);
      else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) if (v[i] instanceof Parameter) out.push([`${name}.${i}`, v[i]]);
    }
    return out;
  }

  /** This module's own non-trainable state (e.g. BatchNorm's `running_mean`). */
  protected ownBuffers(): [string, Tensor][] {
    return [];
  }

  /**
   * Direct sub-modules with their names: the module's `Module` fields in declaration order, the items of
   * array fields as `<field>.<i>` (`"0"`, `"1"`, … in Sequential and ModuleList).
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, v] of fields(this)) {
      if (v instanceof Module) out.push([name, v]);
      else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) if (v[i] instanceof Module) out.push([`${name}.${i}`, v[i]]);
    }
    return out;
  }

  /**
   * Every parameter with its dotted PyTorch name (`0.weight`, `0.bias`, …), in registration order. A parameter
   * reached twice (a shared layer) is listed once, under its first name, as PyTorch's `named_parameters()` does.
   */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    walk(this, prefix, new Set(), (name, m) => {
      for (const [n, p] of m.ownParameters()) out.push([name + n, p]);
    });
    const seen = new Set<Parameter>();
    return out.filter(([, p]) => {
      if (seen.has(p)) return false;
      seen.add(p);
      return true;
    });
  }

  /** Every parameter, in the order of `namedParameters()` (pass this to an optimiser). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer (running statistics) with its dotted PyTorch name. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    walk(this, prefix, new Set(), (name, m) => {
      for (const [n, b] of m.ownBuffers()) out.push([name + n, b]);
    });
    return out;
  }

  /** This module and every sub-module with its dotted name (`''` for this one), each once, like PyTorch's `named_modules()`. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    walk(this, prefix, new Set(), (name, m) => {
      out.push([name.endsWith('.') ? name.slice(0, -1) : name, m]);
    });
    return out;
  }

  #paramCache: Parameter[] | null = null;

  /** Sets every parameter's gradient to zero (allocation-free after the first call). */
  zeroGrad(): void {
    if (this.#paramCache === null) this.#paramCache = this.parameters();
    const ps = this.#paramCache;
    for (let i = 0; i < ps.length; i++) ps[i].zeroGrad();
  }

  /** Sets training mode (true) or evaluation mode (false) on this module and all children. Returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const [, m] of this.namedChildren()) m.train(mode);
    return this;
  }

  /** Evaluation mode: `train(false)`. Returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters and buffers by dotted name, like PyTorch's `state_dict()`. The tensors are the live
   * ones (not copies), as in PyTorch; `clone()` them to snapshot.
   */
  stateDict(): Record<string, Tensor> {
    const sd: Record<string, Tensor> = {};
    for (const [n, p] of this.namedParameters()) sd[n] = p;
    for (const [n, b] of this.namedBuffers()) sd[n] = b;
    return sd;
  }

  /**
   * Copies values from `stateDict` into this module's parameters and buffers. With `strict` (default)
   * missing or unexpected keys are an error; a shape mismatch always is. Returns the key lists.
   */
  loadStateDict(
    stateDict: Record<string, Tensor>,
    options: { strict?: boolean } = {},
  ): {
    /** Keys of this module's state dict that `stateDict` lacks. */
    missingKeys: string[];
    /** Keys of `stateDict` this module does not have. */
    unexpectedKeys: string[];
  } {
    checkOptions('loadStateDict', options, ['strict']);
    const { strict = true } = options;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in stateDict));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !(k in own));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      throw new Error(
        `loadStateDict: state dict does not match the module: missing keys [${missingKeys.join(', ')}], ` +
          `unexpected keys [${unexpectedKeys.join(', ')}] (help: pass { strict: false } to load a subset)`,
      );
    }
    for (const k of Object.keys(own)) {
      const src = stateDict[k];
      if (src === undefined) continue;
      const dst = own[k];
      if (!sameShape(src.shape, dst.shape)) {
        throw new ShapeError(`loadStateDict: ${k}: checkpoint shape ${formatShape(src.shape)} does not match the module's ${formatShape(dst.shape)}`);
      }
    }
    for (const k of Object.keys(own)) {
      const src = stateDict[k];
      if (src !== undefined) own[k].data.set(src.data);
    }
    return { missingKeys, unexpectedKeys };
  }
}

/** A module's enumerable fields in declaration order (class fields, then constructor assignments). */
function fields(m: Module): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const k of Object.keys(m)) out.push([k, (m as unknown as Record<string, unknown>)[k]]);
  return out;
}

/** Calls `visit(prefix, module)` for `m` and every sub-module, depth first, each module once (a shared or cyclic one is not revisited). */
function walk(m: Module, prefix: string, seen: Set<Module>, visit: (prefix: string, m: Module) => void): void {
  if (seen.has(m)) return;
  seen.add(m);
  visit(prefix, m);
  for (const [n, c] of m.namedChildren()) walk(c, `${prefix}${n}.`, seen, visit);
}

/**
 * Two cached output tensors keyed by shape, so a layer allocates nothing while batches alternate
 * between two sizes (full batches and the last, smaller one of an epoch).
 */
export class BufferSlots {
  #a: Tensor | null = null;
  #b: Tensor | null = null;

  /** A tensor of `shape` (contents unspecified), reused when the shape matches one of the two cached. */
  get(shape0: number, shape1: number): Tensor {
    const a = this.#a;
    if (a !== null && a.shape[0] === shape0 && a.shape[1] === shape1) return a;
    const b = this.#b;
    if (b !== null && b.shape[0] === shape0 && b.shape[1] === shape1) {
      this.#b = a;
      this.#a = b;
      return b;
    }
    const t = zeros([shape0, shape1]);
    this.#b = a;
    this.#a = t;
    return t;
  }

  /** A 1-D tensor of length n (contents unspecified), reused like `get`. */
  vec(n: number): Tensor {
    const a = this.#a;
    if (a !== null && a.shape.length === 1 && a.shape[0] === n) return a;
    return this.shaped([n]);
  }

  /** A tensor with x's shape (contents unspecified), reused like `get`. */
  like(x: Tensor): Tensor {
    if (x.shape.length === 2) return this.get(x.shape[0], x.shape[1]);
    return this.shaped(x.shape);
  }

  /** Any-rank variant of `get`. */
  shaped(shape: readonly number[]): Tensor {
    const a = this.#a;
    if (a !== null && sameShape(a.shape, shape)) return a;
    const b = this.#b;
    if (b !== null && sameShape(b.shape, shape)) {
      this.#b = a;
      this.#a = b;
      return b;
    }
    const t = zeros(shape);
    this.#b = a;
    this.#a = t;
    return t;
  }
}

/** Throws when backward is called before forward. */
export function expectSaved<T>(op: string, saved: T | null): T {
  if (saved === null) throw new Error(`${op}.backward: call forward() first`);
  return saved;
}

/** Throws a ShapeError unless `dout` has the shape of the last output. */
export function expectGradShape(op: string, dout: Tensor, out: Tensor): void {
  if (!sameShape(dout.shape, out.shape)) {
    throw new ShapeError(`${op}.backward: dout ${formatShape(dout.shape)} does not match the output ${formatShape(out.shape)}`);
  }
}
