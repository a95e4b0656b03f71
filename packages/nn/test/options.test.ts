// Every options object in nn refuses unknown keys (PyTorch: "unexpected keyword argument"), and an optimiser
// refuses a parameter passed twice (it would be stepped twice).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zeros } from '@timbre/tensor';
import {
  Adam,
  AdamW,
  BatchNorm1d,
  CosineAnnealingLR,
  CrossEntropyLoss,
  DataLoader,
  DataParallel,
  Dropout,
  EarlyStopping,
  GELU,
  LeakyReLU,
  LinearLR,
  Linear,
  MSELoss,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  clipGradNorm,
  gradcheck,
  loadModel,
  loadOptimizer,
  saveModel,
  saveOptimizer,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-options-'));

describe('unknown options', () => {
  it('each constructor and function names the key and the closest known one', () => {
    const fc = new Linear(2, 2);
    const p = fc.parameters();
    const opt = new SGD(p, { lr: 0.1 });
    saveModel(join(dir, 'm.safetensors'), fc);
    saveOptimizer(join(dir, 'o.safetensors'), opt);
    const cases: [() => unknown, string][] = [
      [() => new Adam(p, { weight_decay: 0.5 } as never), "Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?)"],
      [() => new AdamW(p, { beta: [0.9, 0.99] } as never), "AdamW: unknown option 'beta' (did you mean 'betas'?)"],
      [() => new SGD(p, { lr: 0.1, momentun: 0.9 } as never), "SGD: unknown option 'momentun' (did you mean 'momentum'?)"],
      [() => new Linear(2, 2, { bais: false } as never), "Linear: unknown option 'bais' (did you mean 'bias'?)"],
      [() => new LeakyReLU({ negative_slope: 0.2 } as never), "LeakyReLU: unknown option 'negative_slope' (did you mean 'negativeSlope'?)"],
      [() => new GELU({ approx: 'tanh' } as never), "GELU: unknown option 'approx'"],
      [() => new Dropout(0.5, { seed: 1 } as never), "Dropout: unknown option 'seed' (known options: rng)"],
      [
        () => new BatchNorm1d(2, { track_running_stats: false } as never),
        "BatchNorm1d: unknown option 'track_running_stats' (did you mean 'trackRunningStats'?)",
      ],
      [() => new CrossEntropyLoss({ label_smoothing: 0.1 } as never), "CrossEntropyLoss: unknown option 'label_smoothing' (did you mean 'labelSmoothing'?)"],
      [() => new MSELoss({ reduce: 'sum' } as never), "MSELoss: unknown option 'reduce' (did you mean 'reduction'?)"],
      [
        () => new DataLoader(zeros([4, 2]), new Int32Array(4), { batch_size: 2 } as never),
        "DataLoader: unknown option 'batch_size' (did you mean 'batchSize'?)",
      ],
      [() => new StepLR(opt, { step_size: 2 } as never), "StepLR: unknown option 'step_size' (did you mean 'stepSize'?)"],
      [() => new CosineAnnealingLR(opt, { T_max: 5 } as never), "CosineAnnealingLR: unknown option 'T_max' (did you mean 'tMax'?)"],
      [() => new LinearLR(opt, { total_iters: 5 } as never), "LinearLR: unknown option 'total_iters' (did you mean 'totalIters'?)"],
      [() => new SequentialLR(opt, { schedulers: [], milestone: [] } as never), "SequentialLR: unknown option 'milestone' (did you mean 'milestones'?)"],
      [() => new ReduceLROnPlateau(opt, { min_lr: 1e-5 } as never), "ReduceLROnPlateau: unknown option 'min_lr' (did you mean 'minLr'?)"],
      [() => clipGradNorm(p, 1, { error_if_nonfinite: true } as never), "clipGradNorm: unknown option 'error_if_nonfinite' (did you mean 'errorIfNonfinite'?)"],
      [() => new EarlyStopping(fc, { min_delta: 0.1 } as never), "EarlyStopping: unknown option 'min_delta' (did you mean 'minDelta'?)"],
      [() => gradcheck(fc, zeros([1, 2]), { eps: 1e-3 } as never), "gradcheck: unknown option 'eps'"],
      [() => fc.loadStateDict(fc.stateDict(), { strict_: false } as never), "loadStateDict: unknown option 'strict_' (did you mean 'strict'?)"],
      [() => saveModel(join(dir, 'x.safetensors'), fc, { extra: {} } as never), "saveModel: unknown option 'extra' (did you mean 'extras'?)"],
      [() => loadModel(join(dir, 'm.safetensors'), { module: fc } as never), "loadModel: unknown option 'module'"],
      [() => saveOptimizer(join(dir, 'y.safetensors'), opt, { sched: null } as never), "saveOptimizer: unknown option 'sched'"],
      [
        () => loadOptimizer(join(dir, 'o.safetensors'), opt, { schedular: null } as never),
        "loadOptimizer: unknown option 'schedular' (did you mean 'scheduler'?)",
      ],
      [() => new DataParallel(fc, { thread: 1 } as never), "DataParallel: unknown option 'thread' (did you mean 'threads'?)"],
    ];
    for (const [f, msg] of cases) expect(f, msg).toThrow(msg);
    expect(() => new Adam(p, { weight_decay: 0.5 } as never)).toThrow(TypeError);
  });

  it('an optimiser refuses a parameter passed twice', () => {
    const a = new Linear(2, 2),
      b = new Linear(2, 2);
    const ps = [...a.parameters(), ...b.parameters(), a.weight];
    expect(() => new SGD(ps, { lr: 0.1 })).toThrow(/SGD: some parameters appear more than once in the parameter list \(parameter 4 is parameter 0;/);
    expect(() => new Adam([b.bias!, b.bias!])).toThrow(/Adam: .*parameter 1 is parameter 0/);
  });
});
