// fit equals the explicit training loop bit for bit (same seeds), stops early and restores the best weights,
// steps the scheduler, calls back, and prints progress only where asked (a terminal by default).
import { describe, expect, it } from 'vitest';
import { Rng, type Tensor, randn } from '@timbre/tensor';
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  Dropout,
  Linear,
  MSELoss,
  ReLU,
  ReduceLROnPlateau,
  SGD,
  Sequential,
  StepLR,
  fit,
  type Module,
} from '../src/index.js';

function toy(seed: number, n: number): { x: Tensor; y: Int32Array } {
  const rng = new Rng(seed);
  const x = randn([n, 4], rng);
  const y = Int32Array.from({ length: n }, (_, i) => (x.data[i * 4] + 0.5 * x.data[i * 4 + 1] > 0 ? 1 : x.data[i * 4 + 2] > 0.8 ? 2 : 0));
  return { x, y };
}

function setup() {
  const rng = new Rng(1);
  const model = new Sequential(new Linear(4, 16, { rng }), new ReLU(), new Dropout(0.2, { rng: new Rng(2) }), new Linear(16, 3, { rng }));
  const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
  const { x, y } = toy(3, 200);
  const loader = new DataLoader(x, y, { batchSize: 32, shuffle: true, rng: new Rng(4) });
  return { model, opt, sched, loader, loss: new CrossEntropyLoss() };
}

const params = (m: Module) => m.parameters().map((p) => Array.from(p.data));

describe('fit', () => {
  it("gives the explicit loop's weights and losses exactly", () => {
    const val = toy(5, 60);
    const a = setup();
    const history = fit(a.model, a.loader, { loss: a.loss, optimizer: a.opt, epochs: 5, validation: val, scheduler: a.sched, progress: false });

    const b = setup();
    const losses: number[] = [],
      valLosses: number[] = [],
      lrs: number[] = [];
    for (let epoch = 0; epoch < 5; epoch++) {
      lrs.push(b.opt.lr);
      b.model.train();
      let total = 0;
      for (const batch of b.loader) {
        b.opt.zeroGrad();
        total += b.loss.forward(b.model.forward(batch.x), batch.y).item() * batch.size;
        b.model.backward(b.loss.backward(), false);
        b.opt.step();
      }
      losses.push(total / 200);
      b.model.eval();
      valLosses.push(b.loss.forward(b.model.forward(val.x), val.y).item());
      b.sched.step();
    }
    expect(params(a.model)).toEqual(params(b.model));
    expect(history.epochs.map((e) => e.loss)).toEqual(losses);
    expect(history.epochs.map((e) => e.valLoss)).toEqual(valLosses);
    expect(history.epochs.map((e) => e.lr)).toEqual(lrs);
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(history.epochs[4].valAccuracy).toBeGreaterThan(0.6);
    expect(history.stoppedEarly).toBe(false);
    expect(a.model.training).toBe(false);
  });

  it("early stopping stops after patience epochs without improvement and restores the best epoch's weights", () => {
    const val = toy(5, 60);
    const s = setup();
    const snapshots: number[][][] = [];
    const history = fit(s.model, s.loader, {
      loss: s.loss,
      optimizer: new SGD(s.model.parameters(), { lr: 2, momentum: 0.9 }),
      epochs: 40,
      validation: val,
      progress: false,
      earlyStopping: { patience: 2 },
      onEpochEnd: () => {
        snapshots.push(params(s.model));
      },
    });
    expect(history.stoppedEarly).toBe(true);
    const vl = history.epochs.map((e) => e.valLoss as number);
    const best = vl.indexOf(Math.min(...vl));
    expect(history.bestEpoch).toBe(best);
    expect(history.epochs.length).toBe(best + 4); // patience (2) epochs without improvement are tolerated, the third stops
    expect(params(s.model)).toEqual(snapshots[best]);
    expect(params(s.model)).not.toEqual(snapshots[snapshots.length - 1]);
  });

  it('onEpochEnd can stop; ReduceLROnPlateau gets the validation loss; MSELoss and a DataLoader as validation data', () => {
    const s = setup();
    const seen: number[] = [];
    const h = fit(s.model, s.loader, {
      loss: s.loss,
      optimizer: s.opt,
      epochs: 10,
      progress: false,
      onEpochEnd: (log) => {
        seen.push(log.epoch);
        return log.epoch === 2 ? 'stop' : undefined;
      },
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(h.stoppedEarly).toBe(true);

    const rng = new Rng(8);
    const x = randn([64, 3], rng),
      y = randn([64, 1], rng);
    const model = new Sequential(new Linear(3, 1, { rng }));
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const plateau = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
    const steps: number[] = [];
    const origStep = plateau.step.bind(plateau);
    plateau.step = (m: number) => {
      steps.push(m);
      origStep(m);
    };
    const hist = fit(model, new DataLoader(x, y, { batchSize: 16, rng: new Rng(9) }), {
      loss: new MSELoss(),
      optimizer: opt,
      epochs: 3,
      scheduler: plateau,
      progress: false,
      validation: new DataLoader(x, y, { batchSize: 20 }),
    });
    expect(steps).toEqual(hist.epochs.map((e) => e.valLoss));
    expect(hist.epochs[0].accuracy).toBeUndefined();
  });

  it('progress goes only where asked; unknown options and impossible monitors are refused', () => {
    const s = setup();
    const text: string[] = [];
    fit(s.model, s.loader, { loss: s.loss, optimizer: s.opt, epochs: 2, progress: { write: (t: string) => text.push(t) } });
    const lines = text
      .join('')
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.length).toBe(2);
    expect(lines[1]).toMatch(/\repoch 2\/2 {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}lr 0\.1$/);
    expect(text.join('')).toContain('batch 7/7');
    // Without a terminal (as under the test runner) the default writes nothing to stderr.
    const write = process.stderr.write;
    let wrote = 0;
    process.stderr.write = ((..._a: unknown[]) => {
      wrote++;
      return true;
    }) as typeof process.stderr.write;
    try {
      if (process.stderr.isTTY !== true) fit(s.model, s.loader, { loss: s.loss, optimizer: s.opt, epochs: 1 });
    } finally {
      process.stderr.write = write;
    }
    expect(wrote).toBe(0);
    expect(() => fit(s.model, s.loader, { loss: s.loss, optimizer: s.opt, epochs: 1, validation_data: null } as never)).toThrow(
      "fit: unknown option 'validation_data' (did you mean 'validation'?)",
    );
    expect(() => fit(s.model, s.loader, { loss: s.loss, optimizer: s.opt, epochs: 1, earlyStopping: { monitor: 'valLoss' } })).toThrow(
      "fit: earlyStopping monitors 'valLoss' but there is no validation data",
    );
    expect(() => fit(s.model, s.loader, { loss: s.loss, optimizer: s.opt, epochs: 1, earlyStopping: { patiance: 1 } as never })).toThrow(
      "fit: earlyStopping: unknown option 'patiance' (did you mean 'patience'?)",
    );
  });
});
