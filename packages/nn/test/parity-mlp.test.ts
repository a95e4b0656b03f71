// PyTorch parity: the seed-shaped MLP's forward, loss and backward against mlp_forward_backward.json.
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from '../src/index.js';
import { fixture, maxRel, seedMlp, tensorOf, type FixtureTensor } from './helpers.js';

interface MlpFixture {
  sizes: number[];
  params: Record<string, FixtureTensor>;
  x: FixtureTensor; y: number[]; logits: FixtureTensor; loss: number; dx: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

describe('PyTorch parity: seed MLP 15→128→64→32→13', () => {
  const f = fixture<MlpFixture>('mlp_forward_backward.json');
  const model = seedMlp(f.sizes);
  const sd: Record<string, ReturnType<typeof tensorOf>> = {};
  for (const [k, v] of Object.entries(f.params)) sd[k] = tensorOf(v);
  model.loadStateDict(sd);
  const x = tensorOf(f.x), y = Int32Array.from(f.y);
  const lossFn = new CrossEntropyLoss();

  it('has PyTorch parameter names', () => {
    expect(model.namedParameters().map(([n]) => n)).toEqual(Object.keys(f.params));
  });

  it('forward logits and loss match to 1e-5 relative', () => {
    const logits = model.forward(x);
    expect(logits.shape).toEqual(f.logits.shape);
    expect(maxRel(logits.data, f.logits.data)).toBeLessThan(1e-5);
    const loss = lossFn.forward(logits, y).item();
    expect(Math.abs(loss - f.loss) / f.loss).toBeLessThan(1e-5);
  });

  it('backward: input and every parameter gradient match to 1e-5 relative', () => {
    model.zeroGrad();
    lossFn.forward(model.forward(x), y);
    const dx = model.backward(lossFn.backward());
    expect(maxRel(dx!.data, f.dx.data)).toBeLessThan(1e-5);
    for (const [name, p] of model.namedParameters()) {
      expect(maxRel(p.grad.data, f.grads[name].data), name).toBeLessThan(1e-5);
    }
  });
});
