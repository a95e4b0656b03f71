// PyTorch parity: five steps of every optimiser in optimizers.json, from the same initial MLP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, AdamW, CrossEntropyLoss, SGD, type Optimizer, type Parameter } from '../src/index.js';
import { BACKENDS, fixture, maxRel, seedMlp, stateOf, tensorOf, useBackend, type FixtureTensor } from './helpers.js';

const init = fixture<{ params: Record<string, FixtureTensor>; sizes: number[] }>('mlp_forward_backward.json');
const opt = fixture<{
  batches: { x: FixtureTensor; y: number[] }[];
  cases: Record<string, { losses: number[]; params_after: Record<string, FixtureTensor> }>;
}>('optimizers.json');

const makers: Record<string, (p: Parameter[]) => Optimizer> = {
  sgd: (p) => new SGD(p, { lr: 0.05 }),
  sgd_momentum: (p) => new SGD(p, { lr: 0.05, momentum: 0.9 }),
  sgd_nesterov_wd: (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
  sgd_momentum_dampening: (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.5 }),
  adam: (p) => new Adam(p, { lr: 0.01 }),
  adam_wd: (p) => new Adam(p, { lr: 0.01, weightDecay: 1e-3 }),
  adamw: (p) => new AdamW(p, { lr: 0.01, weightDecay: 0.01 }),
  adam_amsgrad: (p) => new Adam(p, { lr: 0.01, amsgrad: true }),
};

for (const { backend, steps } of BACKENDS) {
describe(`PyTorch parity: 5 optimiser steps (${backend} kernels)`, () => {
  useBackend(backend, { beforeAll, afterAll });
  it('covers every fixture case', () => {
    expect(Object.keys(makers).sort()).toEqual(Object.keys(opt.cases).sort());
  });
  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: losses and final params match to ${steps} relative`, () => {
      const model = seedMlp(init.sizes);
      model.loadStateDict(stateOf(init.params));
      const o = make(model.parameters());
      const lossFn = new CrossEntropyLoss();
      const ref = opt.cases[name];
      const losses: number[] = [];
      const adamFamily = name.startsWith('adam'); // SGD steps are linear in g: every entry is held to 1e-4
      // Entries whose gradient was ever at float32 noise level (0 < |g| < 1e-6, ~1e-4 of the typical gradient):
      // Adam divides by √v + 1e-8, so its step there depends on the rounding of a cancelled sum, in PyTorch too.
      const noisy = new Map(model.namedParameters().map(([k, p]) => [k, new Uint8Array(p.size)]));
      for (const b of opt.batches) {
        o.zeroGrad();
        losses.push(lossFn.forward(model.forward(tensorOf(b.x)), Int32Array.from(b.y)).item());
        model.backward(lossFn.backward(), false);
        for (const [k, p] of model.namedParameters()) {
          const m = noisy.get(k)!;
          for (let i = 0; i < p.size; i++) if (adamFamily && p.grad.data[i] !== 0 && Math.abs(p.grad.data[i]) < 1e-6) m[i] = 1;
        }
        o.step();
      }
      expect(maxRel(losses, ref.losses)).toBeLessThan(steps);
      let nNoisy = 0, total = 0;
      for (const [k, p] of model.namedParameters()) {
        const m = noisy.get(k)!, r = ref.params_after[k].data;
        const a = Array.from(p.data).filter((_, i) => m[i] === 0), b = r.filter((_, i) => m[i] === 0);
        expect(maxRel(a, b), k).toBeLessThan(steps);
        // The few noisy entries still move by at most a few lr-sized steps apart: bound them absolutely.
        for (let i = 0; i < p.size; i++) if (m[i] === 1) expect(Math.abs(p.data[i] - r[i]), `${k}[${i}]`).toBeLessThan(5 * o.lr);
        nNoisy += m.reduce((s, v) => s + v, 0);
        total += p.size;
      }
      expect(nNoisy / total).toBeLessThan(0.02);
    });
  }
});
}
