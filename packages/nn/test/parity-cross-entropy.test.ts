// PyTorch parity: every CrossEntropyLoss case in cross_entropy.json (mean, sum, weights, smoothing, both, ±1e4 logits).
import { describe, expect, it } from 'vitest';
import { fromArray } from '@timbre/tensor';
import { CrossEntropyLoss, type Reduction } from '../src/index.js';
import { fixture, maxRel, tensorOf, type FixtureTensor } from './helpers.js';

const ce = fixture<{
  logits: FixtureTensor;
  y: number[];
  cases: Record<
    string,
    {
      kwargs?: { reduction?: Reduction; weight?: number[]; label_smoothing?: number };
      loss: number;
      dlogits: FixtureTensor;
      logits?: FixtureTensor;
      y?: number[];
    }
  >;
}>('cross_entropy.json');

describe('PyTorch parity: CrossEntropyLoss', () => {
  for (const [name, c] of Object.entries(ce.cases)) {
    it(`${name}: loss and dlogits match to 1e-5 relative`, () => {
      const kw = c.kwargs ?? {};
      const lossFn = new CrossEntropyLoss({ reduction: kw.reduction, weight: kw.weight ? fromArray(kw.weight) : null, labelSmoothing: kw.label_smoothing });
      const logits = tensorOf(c.logits ?? ce.logits),
        y = Int32Array.from(c.y ?? ce.y);
      const loss = lossFn.forward(logits, y).item();
      expect(Number.isFinite(loss)).toBe(true);
      expect(Math.abs(loss - c.loss) / Math.abs(c.loss)).toBeLessThan(1e-5);
      const d = lossFn.backward();
      expect(maxRel(d.data, c.dlogits.data)).toBeLessThan(1e-5);
    });
  }
  it('covers the six fixture cases', () => {
    expect(Object.keys(ce.cases).length).toBe(6);
  });
});
