// GELU(approximate='tanh') and SequentialLR against PyTorch 1.13 (and mpmath for GELU): fixtures/gelu_seqlr.json,
// made by fixtures/make_gelu_seqlr.py. Plus a finite-difference gradient check, error cases and config round-trips.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, fromArray, randn } from '@timbre/tensor';
import {
  CosineAnnealingLR,
  GELU,
  type LRScheduler,
  Linear,
  LinearLR,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  Sequential,
  StepLR,
  buildModule,
  gradcheck,
  loadModel,
  saveModel,
  type GELUApproximate,
  type Optimizer,
} from '../src/index.js';

const FIX = JSON.parse(readFileSync(new URL('./fixtures/gelu_seqlr.json', import.meta.url), 'utf8'));

/** Largest |a − b| / (rel·|b| + abs) over the entries: ≤ 1 passes. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, abs: (i: number) => number): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / (rel * Math.abs(b[i]) + abs(i));
    if (!(e <= w)) w = e; // NaN counts as a failure
  }
  return w;
}

describe("GELU({ approximate: 'tanh' })", () => {
  const g = FIX.gelu_tanh;
  const x: number[] = g.x;
  const run = () => {
    const act = new GELU({ approximate: 'tanh' });
    const y = Array.from(act.forward(fromArray(x)).data);
    const dx = Array.from(act.backward(fromArray(g.g)).data);
    return { y, dx };
  };

  it('fixture covers 0, ±10, ±20 and ~50 values', () => {
    expect(x.length).toBeGreaterThanOrEqual(48);
    for (const v of [0, 10, -10, 20, -20]) expect(x).toContain(v);
  });

  it('forward and backward match mpmath (400 digits) to 1e-6 relative, down to float32 underflow', () => {
    const { y, dx } = run();
    // 1e-37: below float32's smallest normal (1.2e-38 ≈ its spacing there) the value can only be judged absolutely.
    expect(worst(y, g.y_mpmath, 1e-6, () => 1e-37)).toBeLessThanOrEqual(1);
    expect(worst(dx, g.dx_mpmath, 1e-6, () => 1e-37)).toBeLessThanOrEqual(1);
    // x = −10: ½x(1 + tanh u) ≈ −1.2e-37 is still a normal float32, and we return it (PyTorch returns −0).
    expect(y[x.indexOf(-10)]).toBeLessThan(0);
  });

  it('matches PyTorch float64 to 1e-6 relative (1e-12 absolute where its 1 + tanh(u) cancels)', () => {
    const { y, dx } = run();
    expect(worst(y, g.y_torch64, 1e-6, () => 1e-12)).toBeLessThanOrEqual(1);
    expect(worst(dx, g.dx_torch64, 1e-6, () => 1e-12)).toBeLessThanOrEqual(1);
  });

  it('matches PyTorch float32 within its own rounding (its 1 + tanh(u) in float32 loses ~6e-8·|x|/2 absolute)', () => {
    const { y, dx } = run();
    expect(worst(y, g.y_torch32, 1e-6, (i) => 1e-7 * Math.max(1, Math.abs(x[i])))).toBeLessThanOrEqual(1);
    // dx: the measured float32 error of PyTorch's backward is below 1.6e-7·max(1, |x|) here.
    expect(worst(dx, g.dx_torch32, 1e-6, (i) => 2e-7 * Math.max(1, Math.abs(x[i])))).toBeLessThanOrEqual(1);
  });

  it('analytic grads match central differences (gradcheck, inputs up to ~±6)', () => {
    const rng = new Rng(31);
    const res = gradcheck(new GELU({ approximate: 'tanh' }), randn([4, 6], rng, 0, 2), { rng, h: 1e-3 });
    expect(res.maxRelError, JSON.stringify(res.errors)).toBeLessThan(1e-2);
    const net = new Sequential(new Linear(4, 6, { rng: new Rng(2) }), new GELU({ approximate: 'tanh' }), new Linear(6, 3, { rng: new Rng(3) }));
    const resNet = gradcheck(net, randn([5, 4], rng), { rng, h: 1e-2 });
    expect(resNet.maxRelError, JSON.stringify(resNet.errors)).toBeLessThan(1e-2);
  });

  it("default is the exact erf form; 'none' is the same layer and differs from 'tanh'", () => {
    const xs = fromArray([-2, -1, 0.5, 1, 3]);
    const exact = Array.from(new GELU().forward(xs).data);
    expect(Array.from(new GELU({ approximate: 'none' }).forward(xs).data)).toEqual(exact);
    expect(new GELU().approximate).toBe('none');
    const tanhForm = Array.from(new GELU({ approximate: 'tanh' }).forward(xs).data);
    expect(exact[3]).toBeCloseTo(0.8413447460685429, 6); // Φ(1)
    expect(tanhForm[3]).toBeCloseTo(0.8411919906082768, 6); // the tanh form at 1 (fixture: torch)
    expect(Math.abs(exact[1] - tanhForm[1])).toBeGreaterThan(1e-4);
  });

  it('rejects an unknown approximate option with a clear error', () => {
    expect(() => new GELU({ approximate: 'fast' as GELUApproximate })).toThrow(RangeError);
    expect(() => new GELU({ approximate: 'fast' as GELUApproximate })).toThrow(`GELU: approximate must be 'none' or 'tanh', got "fast"`);
    expect(() => buildModule({ type: 'GELU', approximate: 'sigmoid' })).toThrow(/GELU: approximate must be 'none' or 'tanh', got "sigmoid"/);
    expect(() => buildModule({ type: 'GELU', approximate: null })).toThrow(/got null/);
  });

  describe('config round-trip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timbre-gelu-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const model = (a: GELUApproximate) =>
      new Sequential(new Linear(3, 5, { rng: new Rng(4) }), new GELU({ approximate: a }), new Linear(5, 2, { rng: new Rng(5) }));

    for (const a of ['tanh', 'none'] as const) {
      it(`approximate '${a}' survives config() -> buildModule and saveModel -> loadModel`, () => {
        const m = model(a);
        expect((m.config().layers as { approximate?: string }[])[1].approximate).toBe(a);
        const copy = buildModule(m.config());
        expect(copy.config()).toEqual(m.config());
        const path = join(dir, `${a}.safetensors`);
        saveModel(path, m);
        const { module: loaded } = loadModel(path);
        expect(loaded.config()).toEqual(m.config());
        const x = randn([4, 3], new Rng(6), 0, 3);
        expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(m.forward(x).data));
      });
    }

    it("a config saved before the option ({ type: 'GELU' }) loads as the exact form", () => {
      const old = buildModule({ type: 'GELU' }) as GELU;
      expect(old.approximate).toBe('none');
      expect(old.config()).toEqual({ type: 'GELU', approximate: 'none' });
    });
  });
});

interface SchedSpec {
  type: string;
  options: Record<string, number>;
}

function child(opt: Optimizer, s: SchedSpec): LRScheduler {
  const o = s.options;
  switch (s.type) {
    case 'StepLR':
      return new StepLR(opt, { stepSize: o.stepSize, gamma: o.gamma });
    case 'LinearLR':
      return new LinearLR(opt, { startFactor: o.startFactor, endFactor: o.endFactor, totalIters: o.totalIters });
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(opt, { tMax: o.tMax, etaMin: o.etaMin });
    default:
      throw new Error(`fixture: unknown scheduler ${s.type}`);
  }
}

const sgd = (lr: number) => new SGD(new Linear(2, 2, { rng: new Rng(1) }).parameters(), { lr });

describe('SequentialLR', () => {
  const { steps, cases } = FIX.sequential_lr;

  it('fixture has at least two chains of ~30 steps', () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(2);
    expect(steps).toBeGreaterThanOrEqual(30);
  });

  for (const [name, c] of Object.entries<any>(cases)) {
    it(`${name}: lr sequence and children's lastEpoch match PyTorch over ${steps} steps (1e-9)`, () => {
      const opt = sgd(c.lr);
      const children: LRScheduler[] = [];
      for (const s of c.schedulers as SchedSpec[]) children.push(s.type === 'same' ? children[s.options.index] : child(opt, s));
      const sched = new SequentialLR(opt, { schedulers: children, milestones: c.milestones });
      const lrs = [opt.lr],
        epochs = [children.map((s) => s.lastEpoch)];
      for (let e = 0; e < steps; e++) {
        sched.step();
        expect(sched.getLastLr()).toBe(opt.lr);
        lrs.push(opt.lr);
        epochs.push(children.map((s) => s.lastEpoch));
      }
      expect(worst(lrs, c.lrs, 1e-9, () => 1e-15)).toBeLessThanOrEqual(1);
      expect(epochs).toEqual(c.lastEpochs);
      expect(sched.lastEpoch).toBe(steps);
      // The closed form agrees with the stepped sequence (not with PyTorch's shifted first run of a repeated schedulers[0]).
      const repeatsFirst = children.indexOf(children[0], 1) > 0;
      for (let e = 0; e <= steps; e++) if (!repeatsFirst) expect(sched.lrAt(e)).toBeCloseTo(lrs[e], 14);
      expect(repeatsFirst).toBe(name === 'step_linear_same_step_again');
    });
  }

  it('children all scale from the lr the first scheduler saw (PyTorch initial_lr), not from a warm-up-lowered lr', () => {
    const opt = sgd(0.1);
    const warm = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
    expect(opt.lr).toBeCloseTo(0.01, 15);
    const cos = new CosineAnnealingLR(opt, { tMax: 10 });
    expect(warm.baseLr).toBe(0.1);
    expect(cos.baseLr).toBe(0.1);
    new SequentialLR(opt, { schedulers: [warm, cos], milestones: [5] });
    expect(opt.lr).toBeCloseTo(0.01, 15);
  });

  describe('errors', () => {
    const setup = () => {
      const opt = sgd(0.1);
      return { opt, a: new StepLR(opt, { stepSize: 2 }), b: new LinearLR(opt), c: new CosineAnnealingLR(opt, { tMax: 5 }) };
    };
    it('milestones: one fewer than schedulers', () => {
      const { opt, a, b, c } = setup();
      expect(() => new SequentialLR(opt, { schedulers: [a, b, c], milestones: [3] })).toThrow(
        'SequentialLR: expected 2 milestones for 3 schedulers (one fewer than the schedulers), got 1',
      );
      expect(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [3, 6] })).toThrow(/expected 1 milestones for 2 schedulers/);
    });
    it('milestones: strictly increasing positive integers', () => {
      const { opt, a, b, c } = setup();
      expect(() => new SequentialLR(opt, { schedulers: [a, b, c], milestones: [5, 5] })).toThrow(
        'SequentialLR: milestones must be strictly increasing, got milestones[0]=5, milestones[1]=5',
      );
      expect(() => new SequentialLR(opt, { schedulers: [a, b, c], milestones: [6, 3] })).toThrow(/strictly increasing/);
      expect(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [0] })).toThrow(
        'SequentialLR: milestones[0] must be a positive integer epoch, got 0',
      );
      expect(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [2.5] })).toThrow(/milestones\[0\] must be a positive integer/);
    });
    it('schedulers: non-empty, same optimizer, epoch schedulers only, not nested', () => {
      const { opt, a, b } = setup();
      expect(() => new SequentialLR(opt, { schedulers: [], milestones: [] })).toThrow('SequentialLR: schedulers must be a non-empty array');
      const other = sgd(0.1);
      const foreign = new StepLR(other, { stepSize: 2 });
      expect(() => new SequentialLR(opt, { schedulers: [a, foreign], milestones: [3] })).toThrow(/schedulers\[1\] belongs to a different optimizer/);
      expect(() => new SequentialLR(other, { schedulers: [a, b], milestones: [3] })).toThrow(/schedulers\[0\] belongs to a different optimizer/);
      const plateau = new ReduceLROnPlateau(opt) as unknown as LRScheduler;
      expect(() => new SequentialLR(opt, { schedulers: [a, plateau], milestones: [3] })).toThrow(/schedulers\[1\].*ReduceLROnPlateau/);
      const inner = new SequentialLR(opt, { schedulers: [a, b], milestones: [2] });
      expect(() => new SequentialLR(opt, { schedulers: [inner, b], milestones: [4] })).toThrow(/schedulers\[0\] is a SequentialLR/);
    });
  });
});
