// ModuleList and ModuleDict: containers that register the modules they hold (PyTorch's names: `0`, `1`, …
// and the dict's keys), for models whose layers are chosen at run time. They have no forward of their own.

import type { Tensor } from '@timbre/tensor';
import { Module, type ModuleConfig } from './module.js';

/**
 * A list of modules, registered as children `0`, `1`, … (torch.nn.ModuleList). Iterate it in your forward.
 *
 * ```ts
 * class Deep extends Module {
 *   blocks = new ModuleList([new Linear(8, 8), new Linear(8, 8)]);
 *   forward(x: Tensor): Tensor { for (const b of this.blocks) x = b.forward(x); return x; }
 *   backward(d: Tensor, inputGrad = true): Tensor | null { … }
 * }
 * ```
 */
export class ModuleList extends Module implements Iterable<Module> {
  readonly #items: Module[] = [];

  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  /** Appends a module; returns this. */
  push(module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleList.push: item ${this.#items.length} is not a Module`);
    this.#items.push(module);
    return this;
  }

  /** Number of modules in the list. */
  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const m = this.#items.at(index);
    if (m === undefined) throw new RangeError(`ModuleList.at: index ${index} is out of range for ${this.#items.length} modules`);
    return m;
  }

  /** Iterates the modules in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.#items[Symbol.iterator]();
  }

  forward(_x: Tensor): Tensor {
    throw new TypeError("ModuleList.forward: a ModuleList has no forward (help: iterate it in your module's forward, or use Sequential)");
  }

  backward(_dout: Tensor, _inputGrad?: boolean): Tensor | null {
    throw new TypeError("ModuleList.backward: a ModuleList has no backward (help: iterate it in reverse in your module's backward, or use Sequential)");
  }

  override namedChildren(): [string, Module][] {
    return this.#items.map((m, i) => [String(i), m]);
  }

  override config(): ModuleConfig {
    return { type: 'ModuleList', modules: this.#items.map((m) => m.config()) };
  }
}

/**
 * Modules by name, registered as children under their keys in insertion order (torch.nn.ModuleDict).
 *
 * ```ts
 * const heads = new ModuleDict({ genre: new Linear(64, 13), decade: new Linear(64, 9) });
 * heads.get('genre').forward(h);   // parameters: genre.weight, genre.bias, decade.weight, decade.bias
 * ```
 */
export class ModuleDict extends Module {
  readonly #items = new Map<string, Module>();

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? (modules as Iterable<[string, Module]>) : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  /** Adds or replaces the module under `key` (no dots: they separate names); returns this. */
  set(key: string, module: Module): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) {
      throw new RangeError(`ModuleDict.set: key ${JSON.stringify(key)} must be a non-empty string without '.'`);
    }
    if (!(module instanceof Module)) throw new TypeError(`ModuleDict.set: the value for '${key}' is not a Module`);
    this.#items.set(key, module);
    return this;
  }

  /** The module under `key`; throws, naming the keys, when there is none. */
  get(key: string): Module {
    const m = this.#items.get(key);
    if (m === undefined) throw new RangeError(`ModuleDict.get: no module '${key}' (keys: ${[...this.#items.keys()].join(', ')})`);
    return m;
  }

  /** True when a module is registered under `key`. */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** The keys, in insertion order (a fresh array). */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** Number of modules in the dict. */
  get size(): number {
    return this.#items.size;
  }

  forward(_x: Tensor): Tensor {
    throw new TypeError("ModuleDict.forward: a ModuleDict has no forward (help: call the modules it holds from your module's forward)");
  }

  backward(_dout: Tensor, _inputGrad?: boolean): Tensor | null {
    throw new TypeError("ModuleDict.backward: a ModuleDict has no backward (help: call the modules it holds from your module's backward)");
  }

  override namedChildren(): [string, Module][] {
    return [...this.#items];
  }

  override config(): ModuleConfig {
    const modules: Record<string, ModuleConfig> = {};
    for (const [k, m] of this.#items) modules[k] = m.config();
    return { type: 'ModuleDict', modules };
  }
}
