// Custom modules: Module and Parameter fields (and arrays, ModuleList, ModuleDict) register themselves in
// declaration order under PyTorch's dotted names, train with an optimiser, and save and load by type name.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, type Tensor, randn, zeros } from '@timbre/tensor';
import {
  CrossEntropyLoss,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  ReLU,
  SGD,
  Sequential,
  BatchNorm1d,
  buildModule,
  loadModel,
  registerModule,
  saveModel,
  type ModuleConfig,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'timbre-modules-'));

class Net extends Module {
  fc1 = new Linear(3, 4, { rng: new Rng(1) });
  act = new ReLU();
  fc2 = new Linear(4, 2, { rng: new Rng(2) });
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
  }
  backward(d: Tensor, inputGrad = true): Tensor | null {
    return this.fc1.backward(this.act.backward(this.fc2.backward(d)), inputGrad);
  }
}

/** A module with its own parameter, an array of layers, a ModuleDict and a constructor argument. */
class Mixed extends Module {
  readonly hidden: number;
  scale: Parameter;
  blocks: Linear[];
  heads: ModuleDict;
  norm: BatchNorm1d;
  constructor(hidden: number) {
    super();
    this.hidden = hidden;
    this.scale = new Parameter(zeros([1]).fill(1));
    this.blocks = [new Linear(2, hidden), new Linear(hidden, hidden)];
    this.heads = new ModuleDict({ a: new Linear(hidden, 1), b: new Linear(hidden, 3, { bias: false }) });
    this.norm = new BatchNorm1d(hidden);
  }
  forward(x: Tensor): Tensor {
    return this.heads.get('a').forward(this.blocks[1].forward(this.blocks[0].forward(x)));
  }
  backward(d: Tensor): Tensor | null {
    return d;
  }
  override config(): ModuleConfig {
    return { type: 'Mixed', hidden: this.hidden };
  }
}

describe('custom modules', () => {
  it('Module and Parameter fields register in declaration order with dotted names', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(net.parameters()[0]).toBe(net.fc1.weight);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['fc1', 'act', 'fc2']);
    expect(Object.keys(net.stateDict())).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const m = new Mixed(5);
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'scale',
      'blocks.0.weight',
      'blocks.0.bias',
      'blocks.1.weight',
      'blocks.1.bias',
      'heads.a.weight',
      'heads.a.bias',
      'heads.b.weight',
      'norm.weight',
      'norm.bias',
    ]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['norm.running_mean', 'norm.running_var', 'norm.num_batches_tracked']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'blocks.0', 'blocks.1', 'heads', 'heads.a', 'heads.b', 'norm']);
    m.eval();
    expect(m.norm.training).toBe(false);
    expect(m.blocks[1].training).toBe(false);
  });

  it('a shared layer is listed once (as PyTorch), so an optimiser steps it once', () => {
    class Tied extends Module {
      enc = new Linear(3, 3);
      dec = this.enc;
      forward(x: Tensor): Tensor {
        return this.dec.forward(this.enc.forward(x));
      }
      backward(d: Tensor): Tensor | null {
        return d;
      }
    }
    const t = new Tied();
    expect(t.namedParameters().map(([n]) => n)).toEqual(['enc.weight', 'enc.bias']);
    expect(() => new SGD(t.parameters(), { lr: 0.1 })).not.toThrow();
  });

  it('a custom module trains: the optimiser sees its parameters and they move', () => {
    const net = new Net();
    const opt = new SGD(net.parameters(), { lr: 0.5 });
    const lossFn = new CrossEntropyLoss();
    const x = randn([8, 3], new Rng(3)),
      y = Int32Array.from([0, 1, 0, 1, 1, 0, 1, 0]);
    const w0 = net.fc1.weight.clone();
    const first = lossFn.forward(net.forward(x), y).item();
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      lossFn.forward(net.forward(x), y);
      net.backward(lossFn.backward(), false);
      opt.step();
    }
    expect(lossFn.forward(net.forward(x), y).item()).toBeLessThan(first);
    expect(Array.from(net.fc1.weight.data)).not.toEqual(Array.from(w0.data));
  });

  it('an empty parameter list says where parameters come from', () => {
    class Empty extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
      backward(d: Tensor): Tensor | null {
        return d;
      }
    }
    expect(() => new SGD(new Empty().parameters(), { lr: 0.1 })).toThrow(/SGD: optimizer got an empty parameter list \(help: .*fields of your module/);
  });

  it('ModuleList: children 0, 1, …; iterable; no forward of its own; rebuilt from its config', () => {
    const list = new ModuleList([new Linear(2, 3), new ReLU()]).push(new Linear(3, 1));
    expect(list.length).toBe(3);
    expect([...list].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(list.at(-1)).toBeInstanceOf(Linear);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(() => list.forward(zeros([1, 2]))).toThrow(/ModuleList.forward: .*help: iterate it/);
    expect(() => list.at(3)).toThrow(/index 3 is out of range for 3 modules/);
    expect(() => list.push({} as Module)).toThrow(/item 3 is not a Module/);
    const copy = buildModule(list.config());
    expect(copy.namedParameters().map(([n, p]) => [n, p.shape])).toEqual(list.namedParameters().map(([n, p]) => [n, p.shape]));
    const dict = new ModuleDict({ x: new Linear(1, 1) });
    expect(() => dict.get('y')).toThrow("ModuleDict.get: no module 'y' (keys: x)");
    expect(() => dict.set('a.b', new ReLU())).toThrow(/without '\.'/);
    expect(
      buildModule(dict.config())
        .namedParameters()
        .map(([n]) => n),
    ).toEqual(['x.weight', 'x.bias']);
  });

  it('saveModel/loadModel: a registered custom module comes back with its weights; an unregistered one says what to do', () => {
    const net = new Net();
    net.fc2.bias?.data.set([0.25, -0.5]);
    saveModel(join(dir, 'net.safetensors'), net);
    expect(() => loadModel(join(dir, 'net.safetensors'))).toThrow(/unknown module type "Net" \(help: registerModule\("Net", .*\{ into: new YourModule/);
    registerModule('Net', () => new Net());
    const { module } = loadModel(join(dir, 'net.safetensors'));
    expect(module).toBeInstanceOf(Net);
    const x = randn([4, 3], new Rng(9));
    expect(Array.from(module.forward(x).data)).toEqual(Array.from(net.forward(x).data));

    registerModule('Mixed', (c) => new Mixed(c.hidden as number));
    const m = new Mixed(6);
    m.scale.data[0] = 3;
    saveModel(join(dir, 'mixed.safetensors'), m);
    const back = loadModel(join(dir, 'mixed.safetensors')).module as Mixed;
    expect(back.hidden).toBe(6);
    expect(back.scale.data[0]).toBe(3);
    expect(Array.from(back.blocks[1].weight.data)).toEqual(Array.from(m.blocks[1].weight.data));
  });

  it('registerModule refuses built-in names and builders that do not build a Module', () => {
    expect(() => registerModule('Linear', () => new Net())).toThrow("registerModule: 'Linear' is a built-in module type");
    registerModule('NotAModule', () => ({}) as Module);
    expect(() => buildModule({ type: 'NotAModule' })).toThrow(/did not return a Module/);
  });

  it('Sequential inside a custom module keeps its 0, 1, … names under the field name', () => {
    class Wrap extends Module {
      body = new Sequential(new Linear(2, 2), new ReLU(), new Linear(2, 1));
      forward(x: Tensor): Tensor {
        return this.body.forward(x);
      }
      backward(d: Tensor, inputGrad = true): Tensor | null {
        return this.body.backward(d, inputGrad);
      }
    }
    expect(new Wrap().namedParameters().map(([n]) => n)).toEqual(['body.0.weight', 'body.0.bias', 'body.2.weight', 'body.2.bias']);
  });
});
