// Scheduler state: stop a run after k epochs, rebuild optimiser and scheduler from scratch, restore their
// states, and the remaining epochs must see exactly the lrs of the run that never stopped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import {
  CosineAnnealingLR,
  Linear,
  LinearLR,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  loadOptimizer,
  saveOptimizer,
  type LRScheduler,
  type SchedulerState,
} from '../src/index.js';

type Sched = LRScheduler | ReduceLROnPlateau;
const metric = (e: number): number => 1 / (1 + (e % 7)) + (e > 12 ? 0.5 : 0); // improves, then plateaus

function makers(): [string, (opt: SGD) => Sched][] {
  return [
    ['StepLR', (o) => new StepLR(o, { stepSize: 3, gamma: 0.5 })],
    ['CosineAnnealingLR', (o) => new CosineAnnealingLR(o, { tMax: 10, etaMin: 0.001 })],
    ['LinearLR', (o) => new LinearLR(o, { startFactor: 0.1, totalIters: 6 })],
    [
      'SequentialLR (warm-up then cosine)',
      (o) =>
        new SequentialLR(o, {
          schedulers: [new LinearLR(o, { startFactor: 0.2, totalIters: 4 }), new CosineAnnealingLR(o, { tMax: 12 })],
          milestones: [4],
        }),
    ],
    ['ReduceLROnPlateau', (o) => new ReduceLROnPlateau(o, { patience: 1, factor: 0.5, cooldown: 1 })],
  ];
}

function advance(s: Sched, epoch: number): void {
  if (s instanceof ReduceLROnPlateau) s.step(metric(epoch));
  else s.step();
}

const params = () => new Linear(3, 2, { rng: new Rng(1) }).parameters();

describe('scheduler stateDict / loadStateDict', () => {
  for (const [name, make] of makers()) {
    for (const [stop, order] of [
      [2, 'scheduler first'],
      [5, 'scheduler first'],
      [8, 'scheduler first'],
      [9, 'optimizer first'],
      [5, 'optimizer first'],
    ] as const) {
      it(`${name}: resuming after ${stop} epochs (${order}) gives the uninterrupted lrs`, () => {
        const refOpt = new SGD(params(), { lr: 0.1 });
        const ref = make(refOpt);
        const want: number[] = [];
        for (let e = 0; e < 20; e++) {
          advance(ref, e);
          want.push(refOpt.lr);
        }

        const opt = new SGD(params(), { lr: 0.1 });
        const first = make(opt);
        for (let e = 0; e < stop; e++) advance(first, e);
        const state = JSON.parse(JSON.stringify(first.stateDict())) as SchedulerState; // through JSON, as saved
        const optState = opt.stateDict();

        // Either order: scheduler first (PyTorch's usual), or after the optimiser's lr is already the
        // decayed one (then only the saved base_lr gives the right schedule).
        const opt2 = new SGD(params(), { lr: 0.1 });
        let resumed: Sched;
        if (order === 'scheduler first') {
          resumed = make(opt2);
          opt2.loadStateDict(optState);
        } else {
          opt2.loadStateDict(optState);
          resumed = make(opt2);
        }
        resumed.loadStateDict(state);
        expect(resumed.lastEpoch).toBe(stop);
        const got: number[] = [];
        for (let e = stop; e < 20; e++) {
          advance(resumed, e);
          got.push(opt2.lr);
        }
        expect(got).toEqual(want.slice(stop));
      });
    }
  }

  it('ReduceLROnPlateau keeps "no metric yet" through JSON (best is null, not a number)', () => {
    const s = new ReduceLROnPlateau(new SGD(params(), { lr: 0.1 }), { mode: 'max' });
    const state = JSON.parse(JSON.stringify(s.stateDict())) as SchedulerState;
    expect(state.best).toBeNull();
    const t = new ReduceLROnPlateau(new SGD(params(), { lr: 0.1 }), { mode: 'max' });
    t.best = 3;
    t.loadStateDict(state);
    expect(t.best).toBe(-Infinity);
  });

  it('rejects the state of another scheduler type or a malformed one, by name', () => {
    const opt = new SGD(params(), { lr: 0.1 });
    const step = new StepLR(opt, { stepSize: 2 });
    const cos = new CosineAnnealingLR(opt, { tMax: 5 });
    expect(() => step.loadStateDict(cos.stateDict())).toThrow(/StepLR.loadStateDict: state is for CosineAnnealingLR, not StepLR/);
    expect(() => step.loadStateDict({ type: 'StepLR', last_epoch: -2, base_lr: 0.1 })).toThrow(/last_epoch must be an integer >= -1/);
    expect(() => step.loadStateDict({ type: 'StepLR', last_epoch: 2 })).toThrow(/state.base_lr must be a finite number/);
    const seq = new SequentialLR(opt, { schedulers: [new LinearLR(opt), new StepLR(opt, { stepSize: 2 })], milestones: [3] });
    const bad = { ...seq.stateDict(), schedulers: [cos.stateDict(), step.stateDict()] };
    expect(() => seq.loadStateDict(bad)).toThrow(/child state 0 is for CosineAnnealingLR, not LinearLR/);
    expect(() => seq.loadStateDict({ ...seq.stateDict(), schedulers: [] })).toThrow(/0 child states, this SequentialLR has 2/);
  });
});

describe('saveOptimizer / loadOptimizer with a scheduler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timbre-sched-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('one file resumes optimiser and scheduler', () => {
    const ps = params();
    for (const p of ps) p.grad.data.fill(0.5);
    const opt = new SGD(ps, { lr: 0.1, momentum: 0.9 });
    const sched = new StepLR(opt, { stepSize: 2, gamma: 0.1 });
    for (let e = 0; e < 3; e++) {
      opt.step();
      sched.step();
    }
    const file = join(dir, 'ckpt.optim.safetensors');
    saveOptimizer(file, opt, { scheduler: sched });

    const opt2 = new SGD(params(), { lr: 0.1, momentum: 0.9 });
    const sched2 = new StepLR(opt2, { stepSize: 2, gamma: 0.1 });
    loadOptimizer(file, opt2, { scheduler: sched2 });
    expect(sched2.lastEpoch).toBe(3);
    expect(opt2.lr).toBe(opt.lr);
    sched.step();
    sched2.step();
    expect(opt2.lr).toBe(opt.lr);
  });

  it('names the file when the scheduler state is missing or of another type', () => {
    const opt = new SGD(params(), { lr: 0.1 });
    const plain = join(dir, 'plain.optim.safetensors');
    saveOptimizer(plain, opt);
    expect(() => loadOptimizer(plain, opt, { scheduler: new StepLR(opt, { stepSize: 2 }) })).toThrow(/plain.optim.safetensors: no scheduler state/);
    const withStep = join(dir, 'step.optim.safetensors');
    saveOptimizer(withStep, opt, { scheduler: new StepLR(opt, { stepSize: 2 }) });
    expect(() => loadOptimizer(withStep, opt, { scheduler: new CosineAnnealingLR(opt, { tMax: 3 }) })).toThrow(
      /step.optim.safetensors: CosineAnnealingLR.loadStateDict: state is for StepLR/,
    );
    const other = new SGD(params(), { lr: 0.1 });
    expect(() => saveOptimizer(withStep, opt, { scheduler: new StepLR(other, { stepSize: 2 }) })).toThrow(/different optimizer/);
  });
});
