// Model and safetensors files are checked before anything is allocated from them: header entries
// against the file (offsets inside it, aligned, no overlap, no unused bytes, shape × dtype = length),
// the architecture in the metadata against the tensors (a tiny file cannot make loadModel allocate a
// huge layer), and the weights' values (no NaN or ±Infinity).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, randn } from '@timbre/tensor';
import { Linear, ReLU, Sequential, architectureShapes, decodeSafetensors, encodeSafetensors, loadModel, saveModel } from '@timbre/nn';

const dir = mkdtempSync(join(tmpdir(), 'timbre-model-checks-'));

/** A safetensors file from a header object and a data section, laid out as the format says. */
function rawFile(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  out.set(data, 8 + hb.length);
  return out;
}

/** A file with the weights of Linear(3, 2) but the architecture `arch` in its metadata. */
function smallFileNaming(arch: unknown, name: string): string {
  const rng = new Rng(1);
  const path = join(dir, name);
  writeFileSync(path, encodeSafetensors({ weight: randn([2, 3], rng), bias: randn([2], rng) }, { format: 'pt', architecture: JSON.stringify(arch) }));
  return path;
}

describe('safetensors header checks', () => {
  const f32 = (n: number) => new Uint8Array(n * 4);

  it('refuses overlapping byte ranges naming the tensor', () => {
    const bytes = rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3));
    expect(() => decodeSafetensors(bytes, 'm.safetensors')).toThrow(/m\.safetensors: tensor b: .*overlap/);
  });

  it('refuses offsets not aligned to the dtype', () => {
    const bytes = rawFile(
      {
        a: { dtype: 'I32', shape: [1], data_offsets: [0, 4] },
        pad: { dtype: 'F16', shape: [1], data_offsets: [4, 6] },
        b: { dtype: 'F32', shape: [1], data_offsets: [6, 10] },
      },
      new Uint8Array(10),
    );
    expect(() => decodeSafetensors(bytes, 'm.safetensors')).toThrow(/tensor b: data_offsets start 6 is not aligned to its 4-byte F32 elements/);
  });

  it('refuses unused byte ranges, between tensors and at the end', () => {
    const gap = rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3));
    expect(() => decodeSafetensors(gap, 'm.safetensors')).toThrow(/bytes \[4, 8\) of the data section belong to no tensor/);
    const tail = rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(4));
    expect(() => decodeSafetensors(tail, 'm.safetensors')).toThrow(/bytes \[4, 16\) of the data section belong to no tensor/);
  });

  it('refuses a shape that does not match its byte range, however large the shape', () => {
    const big = rawFile({ w: { dtype: 'F32', shape: [1e8, 1e8, 1e8], data_offsets: [0, 8] } }, f32(2));
    expect(() => decodeSafetensors(big, 'm.safetensors')).toThrow(/tensor w: data_offsets \[0, 8\] do not hold more than 8 F32 values/);
    const neg = rawFile({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32(2));
    expect(() => decodeSafetensors(neg, 'm.safetensors')).toThrow(/tensor w: shape \[-2\] is not a list of non-negative integers/);
  });

  it('still reads what the encoder writes, zero-sized tensors included', () => {
    const rng = new Rng(3);
    const bytes = encodeSafetensors({ a: randn([3], rng), empty: randn([0, 4], rng), b: randn([2, 2], rng) });
    expect(Object.keys(decodeSafetensors(bytes).tensors)).toEqual(['a', 'empty', 'b']);
  });
});

describe('loadModel checks the architecture against the tensors before building it', () => {
  it('a small file naming Linear(30000, 30000) fails at once, naming both shapes', () => {
    const path = smallFileNaming({ type: 'Linear', inFeatures: 30000, outFeatures: 30000, bias: true }, 'huge.safetensors');
    expect(() => loadModel(path)).toThrow(
      /huge\.safetensors: the architecture's Linear\(30000, 30000\) needs tensor weight \[30000, 30000\], the file holds weight \[2, 3\]/,
    );
  });

  it('Linear(1e5, 1e5) is named too, not a bare "Invalid typed array length"', () => {
    const path = smallFileNaming({ type: 'Sequential', layers: [{ type: 'Linear', inFeatures: 1e5, outFeatures: 1e5 }] }, 'huger.safetensors');
    expect(() => loadModel(path)).toThrow(
      /huger\.safetensors: the architecture's Linear\(100000, 100000\) needs tensor 0\.weight \[100000, 100000\], which the file does not hold/,
    );
    expect(() => loadModel(path, { strict: false })).toThrow(/0\.weight \[100000, 100000\], too large to allocate/);
  });

  it('sizes that are not positive integers are named', () => {
    const path = smallFileNaming({ type: 'Linear', inFeatures: 3, outFeatures: -2 }, 'neg.safetensors');
    expect(() => loadModel(path)).toThrow(/neg\.safetensors: Linear \(root\): outFeatures must be a positive integer, got -2/);
    const text = smallFileNaming('x', 'notconfig.safetensors');
    expect(() => loadModel(text)).toThrow(/notconfig\.safetensors: __metadata__\.architecture is not a module config/);
  });

  it('refuses NaN and Infinity weights naming the tensor', () => {
    const rng = new Rng(4);
    const model = new Sequential(new Linear(3, 4, { rng }), new ReLU(), new Linear(4, 2, { rng }));
    model.stateDict()['2.bias'].data[1] = NaN;
    const path = join(dir, 'nan.safetensors');
    saveModel(path, model);
    expect(() => loadModel(path)).toThrow(/nan\.safetensors: tensor 2\.bias holds NaN at index 1/);
    model.stateDict()['2.bias'].data[1] = 0;
    model.stateDict()['0.weight'].data[5] = -Infinity;
    saveModel(path, model);
    expect(() => loadModel(path, { into: new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2)) })).toThrow(
      /tensor 0\.weight holds -Infinity at index 5/,
    );
  });

  it('architectureShapes lists the state dict of a config without building it', () => {
    const model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2, { bias: false }));
    const shapes = architectureShapes(model.config())!;
    expect([...shapes.keys()]).toEqual(Object.keys(model.stateDict()));
    for (const [k, t] of Object.entries(model.stateDict())) expect(shapes.get(k)!.shape).toEqual(t.shape);
    expect(architectureShapes({ type: 'MyBlock' })).toBeNull();
  });
});
