// PyTorch parity: the seed-shaped MLP's forward, loss and backward against mlp_forward_backward.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, setBackend } from '@timbre/tensor';
import { CrossEntropyLoss } from '../src/index.js';
import { BACKENDS, fixture, maxRel, seedMlp, stateOf, tensorOf, useBackend, type FixtureTensor } from './helpers.js';

interface MlpFixture {
  sizes: number[];
  params: Record<string, FixtureTensor>;
  x: FixtureTensor;
  y: number[];
  logits: FixtureTensor;
  loss: number;
  dx: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

for (const { backend, grad } of BACKENDS) {
  describe(`PyTorch parity: seed MLP 15→128→64→32→13 (${backend} kernels)`, () => {
    useBackend(backend, { beforeAll, afterAll });
    const f = fixture<MlpFixture>('mlp_forward_backward.json');
    const setup = () => {
      const model = seedMlp(f.sizes);
      model.loadStateDict(stateOf(f.params));
      return { model, x: tensorOf(f.x), y: Int32Array.from(f.y), lossFn: new CrossEntropyLoss() };
    };

    it('has PyTorch parameter names', () => {
      expect(
        setup()
          .model.namedParameters()
          .map(([n]) => n),
      ).toEqual(Object.keys(f.params));
    });

    it('forward logits and loss match to 1e-5 relative', () => {
      const { model, x, y, lossFn } = setup();
      const logits = model.forward(x);
      expect(logits.shape).toEqual(f.logits.shape);
      expect(maxRel(logits.data, f.logits.data)).toBeLessThan(1e-5);
      const loss = lossFn.forward(logits, y).item();
      expect(Math.abs(loss - f.loss) / f.loss).toBeLessThan(1e-5);
    });

    it(`backward: input and every parameter gradient match to ${grad} relative`, () => {
      const { model, x, y, lossFn } = setup();
      model.zeroGrad();
      lossFn.forward(model.forward(x), y);
      const dx = model.backward(lossFn.backward());
      expect(maxRel(dx!.data, f.dx.data)).toBeLessThan(grad);
      for (const [name, p] of model.namedParameters()) {
        expect(maxRel(p.grad.data, f.grads[name].data), name).toBeLessThan(grad);
      }
    });
  });
}

describe('SIMD vs scalar kernels', () => {
  it('give the same gradients up to float32 rounding (1e-6 of the largest entry)', () => {
    const f = fixture<MlpFixture>('mlp_forward_backward.json');
    const grads: Record<string, Float32Array[]> = {};
    const before = getBackend();
    try {
      for (const backend of ['scalar', 'simd'] as const) {
        setBackend(backend);
        const model = seedMlp(f.sizes);
        model.loadStateDict(stateOf(f.params));
        const lossFn = new CrossEntropyLoss();
        lossFn.forward(model.forward(tensorOf(f.x)), Int32Array.from(f.y));
        model.backward(lossFn.backward());
        grads[backend] = model.parameters().map((p) => p.grad.data.slice());
      }
    } finally {
      setBackend(before);
    }
    grads.scalar.forEach((a, k) => {
      let scale = 0,
        diff = 0;
      for (let i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i]));
        diff = Math.max(diff, Math.abs(a[i] - grads.simd[k][i]));
      }
      expect(diff / scale).toBeLessThan(1e-6);
    });
  });
});
