// safetensors: load PyTorch's fixture, write files an independent spec-following parser reads bit-exact,
// save/load gives identical outputs, and training resumes identically with the optimiser state.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, type Tensor, randn } from '@timbre/tensor';
import {
  Adam,
  BatchNorm1d,
  CrossEntropyLoss,
  Linear,
  ReLU,
  SGD,
  Sequential,
  decodeSafetensors,
  encodeSafetensors,
  loadModel,
  loadOptimizer,
  loadSafetensors,
  saveModel,
  saveOptimizer,
  type Optimizer,
} from '../src/index.js';
import { FIXTURES, fixture, seedMlp, type FixtureTensor } from './helpers.js';

/** A minimal reader written straight from the spec, sharing no code with the library. */
function specParse(buf: Uint8Array): { header: Record<string, any>; data: Record<string, Float32Array> } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(buf.subarray(8, 8 + n)).toString('utf8'));
  const data: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries<any>(header)) {
    if (k === '__metadata__') continue;
    expect(v.dtype).toBe('F32');
    const [b, e] = v.data_offsets;
    const bytes = buf.slice(8 + n + b, 8 + n + e); // copy: aligned for the Float32Array view
    data[k] = new Float32Array(bytes.buffer, bytes.byteOffset, (e - b) / 4);
    expect(data[k].length).toBe(v.shape.reduce((a: number, s: number) => a * s, 1));
  }
  return { header, data };
}

const dir = mkdtempSync(join(tmpdir(), 'timbre-nn-'));

describe('safetensors', () => {
  it("loads PyTorch's mlp_init.safetensors with the fixture's exact values", () => {
    const { tensors, metadata } = loadSafetensors(new URL('mlp_init.safetensors', FIXTURES).pathname);
    const ref = fixture<{ params: Record<string, FixtureTensor>; sizes: number[] }>('mlp_forward_backward.json');
    expect(Object.keys(tensors)).toEqual(Object.keys(ref.params));
    expect(metadata.format).toBe('pt');
    for (const [k, t] of Object.entries(tensors)) {
      expect(t.shape).toEqual(ref.params[k].shape);
      expect(Array.from(t.data)).toEqual(ref.params[k].data.map(Math.fround));
    }
    const model = seedMlp(ref.sizes);
    model.loadStateDict(tensors);
  });

  it('writes files a spec reader parses bit-exact (header layout, alignment, keys, metadata)', () => {
    const rng = new Rng(4);
    const t = { 'a.weight': randn([3, 5], rng), 'a.bias': randn([3], rng), scalar: randn([], rng) };
    t['a.bias'].data[1] = -0;
    t['a.bias'].data[2] = 3.4028234663852886e38; // −0 and float32 max survive
    new Uint32Array(t['a.weight'].data.buffer, t['a.weight'].data.byteOffset, 15)[4] = 0x7fc01234; // a NaN payload too
    const bytes = encodeSafetensors(t, { format: 'pt', note: 'ünïcode' });
    const { header, data } = specParse(bytes);
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
    expect(header.__metadata__).toEqual({ format: 'pt', note: 'ünïcode' });
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [3, 5], data_offsets: [0, 60] });
    for (const [k, v] of Object.entries(t)) {
      expect(new Uint32Array(data[k].slice().buffer)).toEqual(new Uint32Array(v.data.slice().buffer));
    }
    const back = decodeSafetensors(bytes);
    expect(Object.keys(back.tensors)).toEqual(Object.keys(t));
    for (const [k, v] of Object.entries(t)) {
      expect(new Uint32Array(back.tensors[k].data.slice().buffer)).toEqual(new Uint32Array(v.data.slice().buffer));
    }
    expect(back.tensors.scalar.shape).toEqual([]);
  });

  it('rejects corrupt files with the file name', () => {
    const bytes = encodeSafetensors({ w: randn([2, 2], new Rng(1)) });
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'm.safetensors')).toThrow(
      /m\.safetensors: tensor w: data_offsets \[0, 16\] do not hold 4 F32 values within the 12-byte data section/,
    );
    expect(() => decodeSafetensors(bytes.subarray(0, 5), 'm.safetensors')).toThrow(/m\.safetensors: file is 5 bytes/);
    const bad = bytes.slice();
    bad[0] = 0xff;
    expect(() => decodeSafetensors(bad, 'm.safetensors')).toThrow(/header length .* exceeds the file size/);
  });

  it('saveModel/loadModel: identical outputs, architecture and extras in __metadata__, atomic write', () => {
    const rng = new Rng(2);
    const model = new Sequential(new Linear(6, 16, { rng }), new BatchNorm1d(16), new ReLU(), new Linear(16, 4, { rng }));
    model.forward(randn([8, 6], rng)); // move the running stats off their initial values
    model.eval();
    const path = join(dir, 'model.safetensors');
    saveModel(path, model, { extras: { classes: ['a', 'b', 'c', 'd'] } });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const { header } = specParse(readFileSync(path));
    expect(JSON.parse(header.__metadata__.architecture).type).toBe('Sequential');
    const { module, extras } = loadModel(path);
    module.eval();
    expect(extras).toEqual({ classes: ['a', 'b', 'c', 'd'] });
    const x = randn([5, 6], rng);
    expect(Array.from(module.forward(x).data)).toEqual(Array.from(model.forward(x).data));
    const wrong = new Sequential(new Linear(6, 16), new ReLU(), new Linear(16, 4));
    expect(() => loadModel(path, { into: wrong })).toThrow(/model\.safetensors: loadStateDict: .*unexpected keys \[1\.weight/);
  });

  for (const [name, make] of [
    ['SGD momentum', (p: any) => new SGD(p, { lr: 0.05, momentum: 0.9 })],
    ['Adam amsgrad', (p: any) => new Adam(p, { lr: 0.01, amsgrad: true })],
  ] as [string, (p: any) => Optimizer][]) {
    it(`resumes ${name} training bit-identically from the model and optimiser files`, () => {
      const rng = new Rng(8);
      const xs = Array.from({ length: 6 }, () => randn([16, 15], rng));
      const ys = xs.map(() => Int32Array.from({ length: 16 }, () => rng.int(13)));
      const lossFn = new CrossEntropyLoss();
      const train = (m: Sequential, o: Optimizer, from: number, to: number): number[] => {
        const losses: number[] = [];
        for (let i = from; i < to; i++) {
          o.zeroGrad();
          losses.push(lossFn.forward(m.forward(xs[i]), ys[i]).item());
          m.backward(lossFn.backward(), false);
          o.step();
        }
        return losses;
      };
      const a = seedMlp([15, 32, 13]);
      const oa = make(a.parameters());
      train(a, oa, 0, 3);
      saveModel(join(dir, 'ckpt.safetensors'), a);
      saveOptimizer(join(dir, 'ckpt.optim.safetensors'), oa);
      const straight = train(a, oa, 3, 6);
      const b = loadModel(join(dir, 'ckpt.safetensors')).module as Sequential;
      const ob = make(b.parameters());
      loadOptimizer(join(dir, 'ckpt.optim.safetensors'), ob);
      expect(train(b, ob, 3, 6)).toEqual(straight);
      for (const [k, t] of Object.entries(b.stateDict())) expect(Array.from(t.data), k).toEqual(Array.from((a.stateDict()[k] as Tensor).data));
      const fresh = make(b.parameters());
      writeFileSync(join(dir, 'not-optim.safetensors'), encodeSafetensors({}));
      expect(() => loadOptimizer(join(dir, 'not-optim.safetensors'), fresh)).toThrow(/not-optim\.safetensors: not an optimiser file/);
    });
  }
});
