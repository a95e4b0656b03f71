// PyTorch parity: five steps of every optimiser in optimizers.json, from the same initial MLP. What is compared is the
// update (final minus initial parameters), not the final parameters: the five steps move a weight by 5e-4..5e-2 while
// the weight itself is ~0.1, so a bar on the final value would let a wrong step through.
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

/**
 * Bars on the update Δ = final − initial, per parameter tensor. Measured worst cases (all 8 cases, 2026-12-07):
 * scalar: ‖Δ−Δref‖/‖Δref‖ 4.3e-6, max|Δ−Δref|/max|Δref| 6.1e-5, Adam's noisy entries 8.5e-4·lr; SIMD: 2.2e-5, 4.5e-4,
 * 5.6e-3·lr. A step that is 1 % off (lr × 1.01) moves all of them by 1e-2, ten times the loosest bar.
 */
const BARS = {
  scalar: { l2: 5e-5, entry: 3e-4, noisy: 3e-3 },
  simd: { l2: 1e-4, entry: 2e-3, noisy: 1e-2 },
} as const;

for (const { backend, steps } of BACKENDS) {
  describe(`PyTorch parity: 5 optimiser steps (${backend} kernels)`, () => {
    useBackend(backend, { beforeAll, afterAll });
    const bar = BARS[backend];
    it('covers every fixture case', () => {
      expect(Object.keys(makers).sort()).toEqual(Object.keys(opt.cases).sort());
    });
    for (const [name, make] of Object.entries(makers)) {
      it(`${name}: losses to ${steps}, updates to ${bar.l2} (norm) / ${bar.entry} (entry) relative`, () => {
        const model = seedMlp(init.sizes);
        model.loadStateDict(stateOf(init.params));
        const o = make(model.parameters());
        const lossFn = new CrossEntropyLoss();
        const ref = opt.cases[name];
        const losses: number[] = [];
        const adamFamily = name.startsWith('adam'); // SGD steps are linear in g: no entry is noisy
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
        let nNoisy = 0,
          total = 0;
        for (const [k, p] of model.namedParameters()) {
          const m = noisy.get(k)!,
            p0 = init.params[k].data,
            r = ref.params_after[k].data;
          let diff2 = 0,
            ref2 = 0,
            maxDiff = 0,
            maxRef = 0,
            maxNoisy = 0;
          for (let i = 0; i < p.size; i++) {
            const d = p.data[i] - p0[i],
              dRef = r[i] - p0[i],
              e = Math.abs(d - dRef);
            if (m[i] === 1) {
              maxNoisy = Math.max(maxNoisy, e);
              nNoisy++;
              continue;
            }
            diff2 += e * e;
            ref2 += dRef * dRef;
            if (!(e <= maxDiff)) maxDiff = e; // NaN counts as the worst
            maxRef = Math.max(maxRef, Math.abs(dRef));
          }
          total += p.size;
          expect(maxRef, `${k} moved`).toBeGreaterThan(0);
          expect(Math.sqrt(diff2 / ref2), `${k}: ‖Δ − Δref‖ / ‖Δref‖`).toBeLessThan(bar.l2);
          expect(maxDiff / maxRef, `${k}: max |Δ − Δref| / max |Δref|`).toBeLessThan(bar.entry);
          // Noisy entries still take Adam's full-size steps (≈ lr each): hold them to a fraction of one step.
          expect(maxNoisy / o.lr, `${k}: noisy entries' |Δ − Δref| / lr`).toBeLessThan(bar.noisy);
        }
        expect(nNoisy / total).toBeLessThan(0.02);
      });
    }
  });
}
