// DataParallel: one model on two threads must compute what it computes on one — the loss, the input
// gradient and every parameter gradient (up to the order of float32 sums) — and train to the same weights.
// Every test that claims two threads checks `lastThreads`, so a worker that never started fails them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, ShapeError, type Tensor, getBackend, randn, wasmHeapStats, zeros } from '@timbre/tensor';
import {
  BatchNorm1d,
  CrossEntropyLoss,
  DataParallel,
  Linear,
  Module,
  Parameter,
  ReLU,
  SGD,
  Sequential,
  Tanh,
  buildModule,
  gradcheck,
  type ModuleConfig,
} from '../src/index.js';
import { maxRel } from './helpers.js';

/** TIMBRE_THREADS=1 forbids workers: the multi-thread tests then have nothing to test. */
const threadsAllowed = !(Number(process.env.TIMBRE_THREADS ?? 2) < 2);

function mlp(seed: number, widths = [12, 32, 16, 5]): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    new Linear(widths[0], widths[1], { rng }),
    new ReLU(),
    new Linear(widths[1], widths[2], { rng }),
    new Tanh(),
    new Linear(widths[2], widths[3], { rng }),
  );
}

function labels(n: number, classes: number, rng: Rng): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(classes));
}

/** Loss, input gradient and parameter gradients of one forward/backward of `m` (a module or its DataParallel). */
function step(m: Module, params: Module, x: Tensor, y: Int32Array) {
  const lossFn = new CrossEntropyLoss();
  params.zeroGrad();
  const loss = lossFn.forward(m.forward(x), y).item();
  const dx = (m.backward(lossFn.backward(), true) as Tensor).clone();
  return { loss, dx, grads: params.parameters().map((p) => p.grad.clone()) };
}

describe.runIf(threadsAllowed)('DataParallel on two threads', () => {
  let dp: DataParallel;
  const model = mlp(1);
  beforeAll(async () => {
    dp = new DataParallel(model, { threads: 2, minFlopsPerThread: 0 }); // test models are tiny: split every batch
    expect(await dp.ready()).toBe(true);
  }, 30_000);
  afterAll(async () => {
    await dp.close();
  });

  it('gives the loss, input gradient and parameter gradients of one thread (odd and even batches)', () => {
    const single = mlp(1);
    const rng = new Rng(5);
    for (const B of [64, 37, 16]) {
      const x = randn([B, 12], rng),
        y = labels(B, 5, rng);
      const want = step(single, single, x, y);
      const got = step(dp, model, x, y);
      expect(dp.lastThreads).toBe(2);
      expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-6 * Math.abs(want.loss) + 1e-7);
      // Float32 sums in another order (each half, then the halves): agreement to ~1e-5 of each tensor's scale.
      expect(maxRel(got.dx.data, want.dx.data)).toBeLessThan(1e-4);
      for (let i = 0; i < want.grads.length; i++) expect(maxRel(got.grads[i].data, want.grads[i].data)).toBeLessThan(1e-4);
    }
  });

  it('passes gradcheck (central differences) through both threads', async () => {
    // Small and smooth, as gradcheck.test.ts's MLP: central differences across a ReLU kink, or of a wide
    // float32 layer, miss the gradient on one thread too.
    const r = new Rng(3);
    const smooth = new Sequential(new Linear(4, 8, { rng: r }), new Tanh(), new Linear(8, 6, { rng: r }), new Tanh(), new Linear(6, 3, { rng: r }));
    const twin = new DataParallel(smooth, { threads: 2, minRowsPerThread: 4, minFlopsPerThread: 0 });
    expect(await twin.ready()).toBe(true);
    const res = gradcheck(twin, randn([16, 4], new Rng(9)), { rng: new Rng(10), h: 3e-3, floor: 1e-2 });
    expect(twin.lastThreads).toBe(2);
    expect(Object.keys(res.errors)).toHaveLength(1 + smooth.parameters().length); // input and every parameter
    expect(res.maxRelError).toBeLessThan(1e-2);
    await twin.close();
  }, 30_000);

  // arenaMB: the worker allocates in a block of this thread's memory (default, SIMD backend: state written and
  // gradients added in place) or in its own (0: both through the shared buffer).
  it.each([[16], [0]])(
    'trains to the weights one thread reaches (30 SGD steps with momentum; arenaMB %i)',
    (arenaMB) => {
      const a = mlp(3),
        b = mlp(3);
      const live0 = wasmHeapStats().liveBytes;
      const twin = new DataParallel(b, { threads: 2, minFlopsPerThread: 0, arenaMB });
      // The arena is a block of this thread's memory: reserved here under the SIMD backend, not with arenaMB 0.
      // (Live bytes, not the heap's top: a block freed by an earlier test may hold it. 16 MiB, not the default 64, so
      // that the arenas of the suite's other DataParallels, which all stay within half the budget, leave room for it.)
      if (getBackend() === 'simd') expect(wasmHeapStats().liveBytes - live0 >= arenaMB * 2 ** 20).toBe(true);
      return twin.ready().then(async (ok) => {
        expect(ok).toBe(true);
        const rng = new Rng(11);
        const x = randn([48 * 30, 12], rng),
          y = labels(48 * 30, 5, rng);
        const optA = new SGD(a.parameters(), { lr: 0.05, momentum: 0.9 }),
          optB = new SGD(b.parameters(), { lr: 0.05, momentum: 0.9 });
        const lfA = new CrossEntropyLoss(),
          lfB = new CrossEntropyLoss();
        let threads = 0;
        for (let s = 0; s < 30; s++) {
          const xb = x.subarray(s * 48, (s + 1) * 48),
            yb = y.subarray(s * 48, (s + 1) * 48);
          optA.zeroGrad();
          lfA.forward(a.forward(xb), yb);
          a.backward(lfA.backward(), false);
          optA.step();
          optB.zeroGrad();
          lfB.forward(twin.forward(xb), yb);
          twin.backward(lfB.backward(), false);
          optB.step();
          threads = Math.max(threads, twin.lastThreads);
        }
        expect(threads).toBe(2);
        expect(twin.inPlace).toBe(arenaMB > 0 && getBackend() === 'simd');
        const pa = a.parameters(),
          pb = b.parameters();
        for (let i = 0; i < pa.length; i++) expect(maxRel(pb[i].data, pa[i].data)).toBeLessThan(1e-4);
        await twin.close();
      });
    },
    30_000,
  );

  it('runs small batches on this thread alone', () => {
    const rng = new Rng(2);
    const x = randn([15, 12], rng);
    const want = mlp(1).forward(x).clone();
    const got = dp.forward(x);
    expect(dp.lastThreads).toBe(1);
    expect(maxRel(got.data, want.data)).toBeLessThan(1e-6);
  });

  it('keeps batches with too little work per thread here (default minFlopsPerThread)', async () => {
    const small = new DataParallel(mlp(1), { threads: 2 }); // ~1,000 parameters: 2·32·1000 flops per thread
    expect(await small.ready()).toBe(true);
    expect(small.threadsFor(64)).toBe(1);
    small.forward(randn([64, 12], new Rng(1)));
    expect(small.lastThreads).toBe(1);
    const wide = new DataParallel(mlp(1, [12, 512, 256, 5]), { threads: 2 }); // ~140,000: 9·10⁶ flops per thread
    expect(await wide.ready()).toBe(true);
    expect(wide.threadsFor(64)).toBe(2);
    expect(wide.threadsFor(8)).toBe(1); // 8 rows: fewer than minRowsPerThread (8) per thread
    wide.forward(randn([64, 12], new Rng(1)));
    expect(wide.lastThreads).toBe(2);
    await Promise.all([small.close(), wide.close()]);
  }, 30_000);

  it('names both shapes when dout does not match the output', () => {
    const rng = new Rng(4);
    dp.forward(randn([32, 12], rng));
    expect(dp.lastThreads).toBe(2);
    expect(() => dp.backward(randn([32, 4], rng))).toThrow(ShapeError);
    expect(() => dp.backward(randn([32, 4], rng))).toThrow(/dout \[32, 4\] does not match the output \[32, 5\]/);
  });

  it("reports this thread's error for a bad input and stays usable", () => {
    const rng = new Rng(6);
    expect(() => dp.forward(randn([32, 11], rng))).toThrow(/Linear\.forward: input \[16, 11\]/);
    const x = randn([32, 12], rng);
    expect(maxRel(dp.forward(x).data, mlp(1).forward(x).data)).toBeLessThan(1e-6); // model unchanged by the earlier tests' zeroGrad-only use
    expect(dp.lastThreads).toBe(2);
  });
});

describe.runIf(threadsAllowed)('DataParallel on three threads', () => {
  it("splits each batch over as many threads as it has rows for, with one thread's gradients", async () => {
    const model = mlp(2);
    const dp = new DataParallel(model, { threads: 3, minFlopsPerThread: 0 });
    expect(await dp.ready()).toBe(true);
    const single = mlp(2);
    const rng = new Rng(12);
    for (const [B, threads] of [
      [16, 2],
      [25, 3],
      [64, 3],
    ] as const) {
      const x = randn([B, 12], rng),
        y = labels(B, 5, rng);
      const want = step(single, single, x, y);
      const got = step(dp, model, x, y);
      expect(dp.lastThreads).toBe(threads);
      expect(maxRel(got.dx.data, want.dx.data)).toBeLessThan(1e-4);
      for (let i = 0; i < want.grads.length; i++) expect(maxRel(got.grads[i].data, want.grads[i].data)).toBeLessThan(1e-4);
    }
    await dp.close();
  }, 30_000);
});

describe.runIf(threadsAllowed)('DataParallel replicas copy buffers and modes', () => {
  it('BatchNorm1d in eval mode uses the running statistics of this thread on every thread', async () => {
    const rng = new Rng(8);
    const net = (): Sequential => {
      const r = new Rng(4);
      return new Sequential(new Linear(6, 10, { rng: r }), new BatchNorm1d(10), new ReLU(), new Linear(10, 3, { rng: r }));
    };
    const model = net();
    const dp = new DataParallel(model, { threads: 2, minFlopsPerThread: 0 }); // test models are tiny: split every batch
    expect(await dp.ready()).toBe(true);
    for (let i = 0; i < 5; i++) dp.forward(randn([32, 6], rng)); // training mode: running stats move
    const bn = model.layers[1] as BatchNorm1d;
    expect(Array.from((bn.runningMean as Tensor).data).some((v) => v !== 0)).toBe(true);
    dp.eval();
    const x = randn([40, 6], rng);
    const got = dp.forward(x).clone();
    expect(dp.lastThreads).toBe(2);
    const ref = net();
    ref.loadStateDict(model.stateDict());
    ref.eval();
    expect(maxRel(got.data, ref.forward(x).data)).toBeLessThan(1e-5);
    await dp.close();
    expect(dp.forward(x).data.length).toBe(40 * 3); // after close: this thread alone
    expect(dp.lastThreads).toBe(1);
  }, 30_000);
});

describe('DataParallel arguments', () => {
  it('threads: 1 starts no worker and is the module itself', async () => {
    const model = mlp(1);
    const dp = new DataParallel(model, { threads: 1 });
    expect(await dp.ready()).toBe(false);
    const x = randn([64, 12], new Rng(1));
    expect(maxRel(dp.forward(x).data, mlp(1).forward(x).data)).toBe(0);
    expect(dp.lastThreads).toBe(1);
  });

  it('TIMBRE_THREADS=1 keeps it on this thread whatever threads asks for', async () => {
    const prev = process.env.TIMBRE_THREADS;
    process.env.TIMBRE_THREADS = '1';
    try {
      const dp = new DataParallel(mlp(1), { threads: 4, minFlopsPerThread: 0 });
      expect(dp.threads).toBe(1);
      expect(await dp.ready()).toBe(false);
      dp.forward(randn([64, 12], new Rng(1)));
      expect(dp.lastThreads).toBe(1);
      process.env.TIMBRE_THREADS = 'two';
      expect(() => new DataParallel(mlp(1), { threads: 2 })).toThrow(/TIMBRE_THREADS must be a positive integer, got 'two'/);
    } finally {
      if (prev === undefined) delete process.env.TIMBRE_THREADS;
      else process.env.TIMBRE_THREADS = prev;
    }
  });

  it('names parameters like torch.nn.DataParallel and refuses to be saved as an architecture', () => {
    const dp = new DataParallel(mlp(1), { threads: 1 });
    expect(Object.keys(dp.stateDict())[0]).toBe('module.0.weight');
    expect(() => buildModule(dp.config())).toThrow(/save and load its \.module/);
  });

  it('rejects bad options and modules a worker cannot rebuild', () => {
    expect(() => new DataParallel(mlp(1), { threads: 0 })).toThrow(RangeError);
    expect(() => new DataParallel(mlp(1), { minRowsPerThread: 0 })).toThrow(RangeError);
    expect(() => new DataParallel(mlp(1), { minFlopsPerThread: NaN })).toThrow(RangeError);
    expect(() => new DataParallel(mlp(1), { arenaMB: -1 })).toThrow(/arenaMB must be an integer >= 0, got -1/);
    expect(() => new DataParallel(new DataParallel(mlp(1), { threads: 1 }))).toThrow(/already a DataParallel/);
    class Custom extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
      backward(d: Tensor): Tensor {
        return d;
      }
      override config(): ModuleConfig {
        return { type: 'Custom' };
      }
    }
    // Checked only when workers would start (with TIMBRE_THREADS=1 nothing is replicated).
    if (threadsAllowed) expect(() => new DataParallel(new Sequential(new Linear(2, 2), new Custom()), { threads: 2 })).toThrow(/cannot be replicated.*Custom/);
  });

  it.runIf(threadsAllowed && getBackend() === 'simd')(
    'stops with an error naming arenaMB when a worker outgrows its arena',
    async () => {
      // 1 MiB lent; each thread's half of the batch needs 4096 × 256 floats (4 MiB) per activation.
      const m = new Sequential(new Linear(30, 256, { rng: new Rng(2) }), new ReLU(), new Linear(256, 4, { rng: new Rng(3) }));
      const dp = new DataParallel(m, { threads: 2, minFlopsPerThread: 0, arenaMB: 1 });
      expect(await dp.ready()).toBe(true);
      expect(() => dp.forward(randn([8192, 30], new Rng(4)))).toThrow(/in a worker thread: .*arena is full.*arenaMB/);
      await dp.close();
    },
    30_000,
  );

  it.runIf(threadsAllowed)(
    'refuses to start a replica that config() does not fully describe',
    async () => {
      class WithExtra extends Sequential {
        // an extra parameter that config() (inherited: Sequential) leaves out
        readonly extra = new Parameter(zeros([3]));
        protected override ownParameters(): [string, Parameter][] {
          return [['extra', this.extra]];
        }
      }
      const dp = new DataParallel(new WithExtra(new Linear(4, 4)), { threads: 2, minFlopsPerThread: 0 });
      await expect(dp.ready()).rejects.toThrow(/failed to start.*20 state \/ 20 parameter floats, the module 23 \/ 23/);
      const x = randn([32, 4], new Rng(1));
      dp.forward(x); // still usable, on this thread
      expect(dp.lastThreads).toBe(1);
      await dp.close();
    },
    30_000,
  );
});
