// LR schedulers against PyTorch's documented closed forms, clipGradNorm, EarlyStopping.
import { describe, expect, it } from 'vitest';
import { Rng, randn } from '@timbre/tensor';
import { CosineAnnealingLR, EarlyStopping, LinearLR, Linear, ReduceLROnPlateau, SGD, StepLR, clipGradNorm } from '../src/index.js';

const opt = (lr = 0.1) => new SGD(new Linear(2, 2, { rng: new Rng(1) }).parameters(), { lr });

describe('LR schedulers', () => {
  it('StepLR: lr = base·γ^⌊epoch/stepSize⌋', () => {
    const o = opt(0.1),
      s = new StepLR(o, { stepSize: 3, gamma: 0.5 });
    const seen = [o.lr];
    for (let e = 0; e < 7; e++) {
      s.step();
      seen.push(s.getLastLr());
    }
    expect(seen).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025].map((_v, e) => 0.1 * 0.5 ** Math.floor(e / 3)));
    expect(seen[3]).toBeCloseTo(0.05, 12);
  });
  it('CosineAnnealingLR: η_min + (η₀ − η_min)(1 + cos(πt/T))/2', () => {
    const o = opt(0.1),
      s = new CosineAnnealingLR(o, { tMax: 10, etaMin: 0.001 });
    for (let t = 1; t <= 10; t++) {
      s.step();
      expect(o.lr).toBeCloseTo(0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * t) / 10))) / 2, 12);
    }
    expect(o.lr).toBeCloseTo(0.001, 12);
  });
  it('LinearLR warm-up: factor from start to end over totalIters, then constant', () => {
    const o = opt(0.1),
      s = new LinearLR(o, { startFactor: 0.25, totalIters: 4 });
    const seen = [o.lr];
    for (let e = 0; e < 6; e++) {
      s.step();
      seen.push(o.lr);
    }
    const expected = [0.25, 0.4375, 0.625, 0.8125, 1, 1, 1].map((f) => 0.1 * f);
    seen.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });
  it('ReduceLROnPlateau: reduces after more than `patience` bad epochs, honours cooldown and minLr', () => {
    const o = opt(1),
      s = new ReduceLROnPlateau(o, { patience: 2, factor: 0.5, cooldown: 1, minLr: 0.2 });
    const lrs: number[] = [];
    for (const m of [5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]) {
      s.step(m);
      lrs.push(o.lr);
    }
    // epochs 2,3 bad (≤ patience), epoch 4 is the third bad -> 0.5; cooldown eats 1 epoch; then 3 more bad -> 0.25; then floor 0.2.
    expect(lrs).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25].map((v, i) => (i >= 12 ? 0.2 : v)));
    for (let i = 0; i < 8; i++) s.step(4);
    expect(o.lr).toBe(0.2);
    expect(() => new ReduceLROnPlateau(o, { factor: 1 })).toThrow('Factor should be < 1.0.');
  });
});

describe('clipGradNorm', () => {
  it('rescales to maxNorm/(norm + 1e-6) and returns the original norm', () => {
    const fc = new Linear(3, 2, { rng: new Rng(1) });
    fc.weight.grad.data.set([3, 0, 0, 0, 4, 0]);
    fc.bias!.grad.data.set([0, 0]);
    const n = clipGradNorm(fc.parameters(), 1);
    expect(n).toBeCloseTo(5, 6);
    expect(fc.weight.grad.data[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    expect(clipGradNorm(fc.parameters(), 10)).toBeCloseTo(1, 5); // under the limit: unchanged
    expect(fc.weight.grad.data[4]).toBeCloseTo(4 / (5 + 1e-6), 6);
    fc.bias!.grad.data[0] = NaN;
    expect(() => clipGradNorm(fc.parameters(), 1, { errorIfNonfinite: true })).toThrow(/non-finite/);
  });
});

describe('EarlyStopping', () => {
  it('stops after patience epochs without improvement and restores the best weights', () => {
    const fc = new Linear(2, 2, { rng: new Rng(1) });
    const stop = new EarlyStopping(fc, { patience: 2 });
    const snapshots: number[][] = [];
    const metrics = [3, 2, 2.5, 1.5, 1.6, 1.7, 1.8];
    let stoppedAt = -1;
    for (let e = 0; e < metrics.length; e++) {
      fc.weight.data.set(randn([2, 2], new Rng(e)).data);
      snapshots.push(Array.from(fc.weight.data));
      if (stop.step(metrics[e])) {
        stoppedAt = e;
        break;
      }
    }
    expect(stoppedAt).toBe(6);
    expect(stop.bestEpoch).toBe(3);
    stop.restoreBest();
    expect(Array.from(fc.weight.data)).toEqual(snapshots[3]);
  });
});
