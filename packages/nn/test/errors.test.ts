// Bad input gets a clear error: shapes (both named), labels, non-finite losses, PyTorch's hyper-parameter messages.
import { describe, expect, it } from 'vitest';
import { Rng, ShapeError, fromArray, randn, zeros } from '@timbre/tensor';
import { Adam, AdamW, BatchNorm1d, CrossEntropyLoss, DataLoader, Linear, MSELoss, ReLU, SGD, Sequential } from '../src/index.js';

describe('errors', () => {
  it('Linear names both shapes and the offending dimension', () => {
    const fc = new Linear(30, 64, { rng: new Rng(1) });
    expect(() => fc.forward(zeros([32, 20]))).toThrow(ShapeError);
    expect(() => fc.forward(zeros([32, 20]))).toThrow('Linear.forward: input [32, 20] does not match weight [64, 30] (input.shape[1]=20, weight.shape[1]=30)');
    fc.forward(zeros([2, 30]));
    expect(() => fc.backward(zeros([2, 63]))).toThrow('Linear.backward: dout [2, 63] does not match the output [2, 64]');
    expect(() => new Linear(3, 2).backward(zeros([1, 2]))).toThrow('Linear.backward: call forward() first');
  });
  it('Sequential reports the layer that failed', () => {
    const m = new Sequential(new Linear(4, 5), new ReLU(), new Linear(6, 2));
    expect(() => m.forward(zeros([3, 4]))).toThrow(/input \[3, 5\] does not match weight \[2, 6\]/);
  });
  it('CrossEntropyLoss: labels out of range, wrong length, wrong type, weight size', () => {
    const ce = new CrossEntropyLoss();
    const z = zeros([3, 4]);
    expect(() => ce.forward(z, Int32Array.from([0, 4, 1]))).toThrow(
      'CrossEntropyLoss.forward: label 4 at index 1 is out of range for 4 classes (expected 0..3)',
    );
    expect(() => ce.forward(z, Int32Array.from([0, -1, 1]))).toThrow(/label -1 at index 1 is out of range/);
    expect(() => ce.forward(z, Int32Array.from([0, 1]))).toThrow(
      'CrossEntropyLoss.forward: labels [2] do not match logits [3, 4] (labels.length=2, logits.shape[0]=3)',
    );
    expect(() => ce.forward(z, [0, 1, 2] as unknown as Int32Array)).toThrow(TypeError);
    expect(() => new CrossEntropyLoss({ weight: [1, 2] }).forward(z, Int32Array.from([0, 1, 1]))).toThrow(/weight \[2\] does not match logits \[3, 4\]/);
    expect(() => new CrossEntropyLoss({ labelSmoothing: 1.5 })).toThrow('label_smoothing must be between 0.0 and 1.0. Got: 1.5');
    expect(() => new CrossEntropyLoss({ reduction: 'avg' as 'mean' })).toThrow(/avg is not a valid value for reduction/);
    expect(() => new CrossEntropyLoss().backward()).toThrow('call forward() first');
  });
  it('a non-finite loss says where the non-finite value appeared', () => {
    const z = fromArray([
      [0, 1],
      [NaN, 2],
      [3, 4],
    ]);
    expect(() => new CrossEntropyLoss().forward(z, Int32Array.from([0, 1, 1]))).toThrow(
      /CrossEntropyLoss\.forward: loss is NaN because input\[1, 0\] = NaN is not finite \(help: .*lower the learning rate/,
    );
    const inf = fromArray([[0, Infinity]]);
    expect(() => new CrossEntropyLoss().forward(inf, Int32Array.from([0]))).toThrow(/input\[0, 1\] = Infinity/);
    expect(() => new MSELoss().forward(fromArray([1, 2]), fromArray([1, NaN]))).toThrow(/because target\[1\] = NaN is not finite/);
    expect(() => new MSELoss().forward(fromArray([1, 2]), fromArray([1, 2, 3]))).toThrow('MSELoss.forward: input [2] does not match target [3]');
  });
  it('optimisers reject bad hyper-parameters with PyTorch messages', () => {
    const p = new Linear(2, 2).parameters();
    expect(() => new SGD(p, { lr: -1 })).toThrow('Invalid learning rate: -1');
    expect(() => new SGD(p, { lr: 0.1, momentum: -0.5 })).toThrow('Invalid momentum value: -0.5');
    expect(() => new SGD(p, { lr: 0.1, weightDecay: -1 })).toThrow('Invalid weight_decay value: -1');
    expect(() => new SGD(p, { lr: 0.1, nesterov: true })).toThrow('Nesterov momentum requires a momentum and zero dampening');
    expect(() => new SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow('Nesterov momentum requires a momentum and zero dampening');
    expect(() => new Adam(p, { lr: -0.01 })).toThrow('Invalid learning rate: -0.01');
    expect(() => new Adam(p, { eps: -1 })).toThrow('Invalid epsilon value: -1');
    expect(() => new Adam(p, { betas: [1, 0.999] })).toThrow('Invalid beta parameter at index 0: 1');
    expect(() => new AdamW(p, { betas: [0.9, -0.1] })).toThrow('Invalid beta parameter at index 1: -0.1');
    expect(() => new AdamW(p, { weightDecay: -1 })).toThrow('Invalid weight_decay value: -1');
    expect(() => new SGD([], { lr: 0.1 })).toThrow('optimizer got an empty parameter list');
    expect(new AdamW(p).weightDecay).toBe(0.01);
    expect(new Adam(p).weightDecay).toBe(0);
  });
  it('BatchNorm1d and DataLoader name the shapes', () => {
    expect(() => new BatchNorm1d(4).forward(zeros([3, 5]))).toThrow('BatchNorm1d.forward: input [3, 5] does not match numFeatures 4 (expected [batch, 4])');
    expect(() => new DataLoader(randn([5, 2], new Rng(1)), new Int32Array(4))).toThrow(/x \[5, 2\] and y \[4\] have different numbers of rows \(5 vs 4\)/);
    expect(() => new DataLoader(zeros([5, 2]), new Int32Array(5), { batchSize: 0 })).toThrow(
      'batch_size should be a positive integer value, but got batch_size=0',
    );
  });
});
