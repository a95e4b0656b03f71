// Save and load models and optimiser state in safetensors. A model file holds the state dict under PyTorch's
// names plus __metadata__ { format: "pt", architecture: <JSON of module.config()>, extras: <JSON> }, so PyTorch
// reads it with safetensors.torch.load_file and timbre rebuilds the module from it. Optimiser state goes to a
// second file (keys state.<i>.<buffer>, like optimizer.state_dict(); __metadata__.optimizer holds the rest).

import { BatchNorm1d } from './batchnorm.js';
import { Dropout } from './dropout.js';
import { GELU, LeakyReLU, ReLU, Sigmoid, Tanh } from './activation.js';
import { Linear } from './linear.js';
import { ModuleDict, ModuleList } from './containers.js';
import { Module, type ModuleConfig } from './module.js';
import type { LRScheduler, ReduceLROnPlateau, SchedulerState } from './lr-scheduler.js';
import type { Optimizer, OptimizerState } from './optim.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';
import { checkArchitecture, checkFiniteTensors, parseArchitecture } from './safetensors-check.js';
import { Sequential } from './sequential.js';
import { checkOptions } from '@timbre/tensor';

const BUILT_IN = new Set([
  'Sequential',
  'ModuleList',
  'ModuleDict',
  'Linear',
  'ReLU',
  'LeakyReLU',
  'Tanh',
  'Sigmoid',
  'GELU',
  'Dropout',
  'BatchNorm1d',
  'DataParallel',
]);
const registry = new Map<string, (config: ModuleConfig) => Module>();

/**
 * Tells `buildModule` (and so `loadModel`) how to build a module type of your own from its `config()`.
 * The default `config()` is `{ type: <class name> }`; a module with constructor arguments overrides `config()`
 * to record them and reads them back here. The built module's weights are then loaded from the file.
 *
 * ```ts
 * registerModule('Net', () => new Net());
 * const { module } = loadModel('net.safetensors');   // a Net, with the saved weights
 * ```
 */
export function registerModule(type: string, build: (config: ModuleConfig) => Module): void {
  if (typeof type !== 'string' || type === '') throw new TypeError('registerModule: type must be a non-empty string');
  if (BUILT_IN.has(type)) throw new TypeError(`registerModule: '${type}' is a built-in module type`);
  if (typeof build !== 'function') throw new TypeError(`registerModule: the builder for '${type}' must be a function (config) => Module`);
  registry.set(type, build);
}

/**
 * Builds a fresh module from its `config()` (the weights are freshly initialised; load a state dict next).
 *
 * ```ts
 * const copy = buildModule(model.config());
 * copy.loadStateDict(model.stateDict());
 * ```
 */
export function buildModule(config: ModuleConfig): Module {
  return build(config, true);
}

/** `buildModule` over the built-in layers only: what a DataParallel worker, which has no registry, can rebuild. */
export function buildBuiltInModule(config: ModuleConfig): Module {
  return build(config, false);
}

function build(config: ModuleConfig, registered: boolean): Module {
  const buildModule = (c: ModuleConfig): Module => build(c, registered);
  const c = config as Record<string, any>;
  switch (config.type) {
    case 'Sequential':
      if (!Array.isArray(c.layers)) throw new TypeError('buildModule: Sequential config needs a layers array');
      return new Sequential(...c.layers.map((l: ModuleConfig) => buildModule(l)));
    case 'ModuleList':
      if (!Array.isArray(c.modules)) throw new TypeError('buildModule: ModuleList config needs a modules array');
      return new ModuleList(c.modules.map((l: ModuleConfig) => buildModule(l)));
    case 'ModuleDict':
      if (c.modules === null || typeof c.modules !== 'object') throw new TypeError('buildModule: ModuleDict config needs a modules object');
      return new ModuleDict(Object.entries(c.modules as Record<string, ModuleConfig>).map(([k, l]) => [k, buildModule(l)] as [string, Module]));
    case 'Linear':
      return new Linear(c.inFeatures, c.outFeatures, { bias: c.bias !== false });
    case 'ReLU':
      return new ReLU();
    case 'LeakyReLU':
      return new LeakyReLU({ negativeSlope: c.negativeSlope });
    case 'Tanh':
      return new Tanh();
    case 'Sigmoid':
      return new Sigmoid();
    case 'GELU':
      return new GELU({ approximate: c.approximate }); // absent (files before the option) = 'none'
    case 'Dropout':
      return new Dropout(c.p);
    case 'BatchNorm1d':
      return new BatchNorm1d(c.numFeatures, { eps: c.eps, momentum: c.momentum, affine: c.affine, trackRunningStats: c.trackRunningStats });
    case 'DataParallel':
      throw new TypeError('buildModule: a DataParallel config: save and load its .module (help: saveModel(path, dp.module))');
    default: {
      const builder = registered ? registry.get(config.type) : undefined;
      if (builder === undefined) {
        throw new TypeError(
          `buildModule: unknown module type ${JSON.stringify(config.type)} (help: registerModule(${JSON.stringify(config.type)}, ` +
            '(config) => new YourModule(…)) before loading, or loadModel(path, { into: new YourModule(…) }))',
        );
      }
      const m = builder(config);
      if (!(m instanceof Module)) throw new TypeError(`buildModule: the builder registered for ${JSON.stringify(config.type)} did not return a Module`);
      return m;
    }
  }
}

/**
 * Saves `module`'s state dict (PyTorch names, float32) with its architecture and optional JSON-able `extras`
 * (class names, feature scaling, …) in `__metadata__`. The write is atomic.
 *
 * ```ts
 * saveModel('genre.safetensors', model, { extras: { classes: ['rock', 'jazz'] } });
 * ```
 */
export function saveModel(path: string, module: Module, options: { extras?: unknown } = {}): void {
  checkOptions('saveModel', options, ['extras']);
  const metadata: Record<string, string> = { format: 'pt', architecture: JSON.stringify(module.config()) };
  if (options.extras !== undefined) metadata.extras = JSON.stringify(options.extras);
  saveSafetensors(path, module.stateDict(), metadata);
}

/**
 * Loads a model file. With `into`, loads the weights into that module (strict by default) and returns it;
 * otherwise rebuilds the module from `__metadata__.architecture`. `extras` is the parsed JSON, if any.
 *
 * ```ts
 * const { module, extras } = loadModel('genre.safetensors');
 * ```
 */
export function loadModel(
  path: string,
  options: { into?: Module; strict?: boolean } = {},
): {
  /** The module: `into` with the weights loaded, or one rebuilt from the architecture. */
  module: Module;
  /** The `extras` JSON saved with the model, parsed; undefined when none was saved. */
  extras: unknown;
  /** The file's `__metadata__` strings. */
  metadata: Record<string, string>;
} {
  checkOptions('loadModel', options, ['into', 'strict']);
  const { tensors, metadata } = loadSafetensors(path);
  let module = options.into;
  if (module === undefined) {
    if (metadata.architecture === undefined) {
      throw new RangeError(`${path}: no __metadata__.architecture to rebuild the module from (help: pass { into: model } with a module of the right shape)`);
    }
    const config = parseArchitecture(metadata.architecture, path);
    checkArchitecture(config, tensors, path, { strict: options.strict ?? true });
    module = buildModule(config);
  }
  checkFiniteTensors(tensors, path);
  try {
    module.loadStateDict(tensors, { strict: options.strict ?? true });
  } catch (e) {
    (e as Error).message = `${path}: ${(e as Error).message}`;
    throw e;
  }
  return { module, extras: metadata.extras === undefined ? undefined : JSON.parse(metadata.extras), metadata };
}

/**
 * Saves an optimiser's state (moment buffers, step counts, hyper-parameters) to its own safetensors file:
 * tensors `state.<paramIndex>.<buffer>` and `__metadata__.optimizer` = JSON { type, paramGroups, step }.
 * With `scheduler`, its `stateDict()` goes along in `__metadata__.scheduler`, so one file resumes both.
 *
 * ```ts
 * saveOptimizer('ckpt.optim.safetensors', opt, { scheduler: sched });
 * ```
 */
export function saveOptimizer(path: string, optimizer: Optimizer, options: { scheduler?: LRScheduler | ReduceLROnPlateau } = {}): void {
  checkOptions('saveOptimizer', options, ['scheduler']);
  const { tensors, meta } = optimizer.stateDict();
  const metadata: Record<string, string> = { format: 'timbre-optimizer', optimizer: JSON.stringify(meta) };
  if (options.scheduler !== undefined) {
    if (options.scheduler.optimizer !== optimizer) throw new RangeError('saveOptimizer: the scheduler belongs to a different optimizer');
    metadata.scheduler = JSON.stringify(options.scheduler.stateDict());
  }
  saveSafetensors(path, tensors, metadata);
}

/**
 * Restores state saved by `saveOptimizer` into an optimiser of the same type over the same parameters,
 * and with `scheduler` the scheduler's state saved with it (a scheduler built with the same options).
 *
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const sched = new StepLR(opt, { stepSize: 30 });
 * loadOptimizer('ckpt.optim.safetensors', opt, { scheduler: sched }); // training resumes where it stopped
 * ```
 */
export function loadOptimizer(path: string, optimizer: Optimizer, options: { scheduler?: LRScheduler | ReduceLROnPlateau } = {}): void {
  checkOptions('loadOptimizer', options, ['scheduler']);
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.optimizer === undefined) throw new RangeError(`${path}: not an optimiser file (no __metadata__.optimizer)`);
  if (options.scheduler !== undefined && metadata.scheduler === undefined) {
    throw new RangeError(`${path}: no scheduler state in this file (help: save it with saveOptimizer(path, opt, { scheduler }))`);
  }
  const state: OptimizerState = { tensors, meta: JSON.parse(metadata.optimizer) };
  try {
    optimizer.loadStateDict(state);
    if (options.scheduler !== undefined) options.scheduler.loadStateDict(JSON.parse(metadata.scheduler) as SchedulerState);
  } catch (e) {
    (e as Error).message = `${path}: ${(e as Error).message}`;
    throw e;
  }
}
