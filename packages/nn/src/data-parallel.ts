// DataParallel: one model trained on several cores, like torch.nn.DataParallel with threads for devices.
// Each forward cuts the batch by rows: this thread runs the wrapped module on the first rows, worker
// threads run replicas (rebuilt from module.config()) on the rest. Backward cuts dout the same way and
// adds the replicas' parameter gradients into the module's own, so an optimiser over module.parameters()
// steps with the gradient of the whole batch (equal to one thread's up to the order of float32 sums).
// Replicas receive the module's parameters and buffers before every forward, so the optimiser runs here only.
// Hand-off is a control block and a data buffer per worker in SharedArrayBuffers (Atomics: microseconds,
// no messages on the hot path); each thread spins briefly before sleeping, as the matmul pool does.
// Under the SIMD backend each worker allocates inside an arena of this thread's WebAssembly memory, so
// this thread writes the state straight into the replica's parameters (memory.copy) and adds the
// replica's gradients where they lie (SIMD add): neither side copies them through the data buffer.

import { availableParallelism } from 'node:os';
import { MessageChannel, isMainThread, receiveMessageOnPort, workerData, type MessagePort, type Worker } from 'node:worker_threads';
import {
  ShapeError,
  Tensor,
  addInPlace,
  copyFloat32,
  formatShape,
  reserveArena,
  setParallel,
  spinWhile,
  startWorker,
  threadLimit,
  wasmView,
  zeros,
  type Arena,
  checkOptions,
} from '@timbre/tensor';
import { BufferSlots, Module, REUSE, wantsReuse, type CallOptions, type ModuleConfig, type Parameter } from './module.js';
import { buildBuiltInModule } from './serialize.js';
import { serveDataParallel } from './data-parallel-worker.js';

// Control block slots (Int32). SEQ: job number (this thread bumps it); DONE: the last job the worker
// finished; STATUS: 0 ok, 1 the job threw (message on the port); the rest describe the job.
export const SEQ = 0,
  DONE = 1,
  STATUS = 2,
  OP = 3,
  ROWS = 4,
  IN = 5,
  OUT = 6,
  INPUT_GRAD = 7,
  TRAINING = 8,
  NEW_BUFFER = 9,
  READY = 10,
  CTRL_SLOTS = 16;
export const OP_FORWARD = 1,
  OP_BACKWARD = 2,
  OP_EXIT = 3;
/**
 * How long (ms) a thread spins on the control block before sleeping in Atomics.wait. Waking a sleeping
 * thread takes 0.1-1.5 ms on a shared 2-vCPU VM, and a step's serial work sometimes passes 0.5 ms (the thread was
 * pre-empted): measured at the MLP bench's batch 256 over 20 epochs, spinning 0.5 ms let the main thread
 * sleep 46-50 times and left 1.1 ms of wake-up latency in 1 % of jobs (main thread waiting 100-180 ms in
 * all); spinning 2 ms, 2 sleeps, 1 % of wake-ups above 8-38 µs, 48-51 ms waiting.
 */
export const SPIN_MS = 2;
/** A worker silent this long (ms) inside one job is taken for dead. */
const JOB_TIMEOUT_MS = 60_000;

/** What a worker receives: the module to rebuild and its control block and port. */
export interface DataParallelWorkerData {
  readonly dataParallel: true;
  readonly config: ModuleConfig;
  readonly ctrl: SharedArrayBuffer;
  readonly port: MessagePort;
  /** Floats of the module's state (parameters + buffers) and of its parameters: the replica must match. */
  readonly stateSize: number;
  readonly gradSize: number;
  /** The block of the main thread's memory the worker allocates in (null: its own memory, state and gradients via the buffer). */
  readonly arena: { memory: Arena['memory']; start: number; end: number } | null;
}

/**
 * The worker's first message, posted before READY: byte offsets of its replica's state tensors and
 * parameter gradients in the main thread's memory, -1 for each one not in the arena (no arena, or a
 * tensor under 16 floats, which stays on the JS heap): those go through the data buffer.
 */
export interface DataParallelHello {
  state: number[];
  grads: number[];
}

/** Bytes of arena for a replica of `stateSize` state floats: `mb` MiB, at least 16 × the state (parameters, gradients, room). */
function arenaBytes(mb: number, stateSize: number): number {
  return Math.max(mb * 1024 * 1024, 16 * 4 * stateSize);
}

/** A data buffer sent to a worker: `length` floats at `byteOffset` of `buffer`. */
export interface DataParallelBuffer {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

/** Options of `DataParallel`. */
export interface DataParallelOptions {
  /**
   * Threads sharing each batch, this one included (default: the machine's cores, `os.availableParallelism()`).
   * 1 runs the module alone. TIMBRE_THREADS=1 in the environment also forbids workers.
   */
  threads?: number;
  /**
   * Fewest rows a thread gets (default 8): a batch uses only as many threads as it has rows for, and
   * runs on this thread alone below twice this.
   */
  minRowsPerThread?: number;
  /**
   * Fewest forward-pass flops (2 · rows · parameters) a thread gets (default 2²¹): a batch uses only as
   * many threads as it has work for, and runs on this thread alone below twice this. A split costs
   * about 0.1-0.2 ms per step (two hand-offs, the parameters copied out and the gradients back);
   * measured with the MLP bench's models it pays from about 3·10⁶ flops per thread (30→256→128→64→16
   * at batch 64: 57-67 ms per epoch instead of 72-75) and loses below (15→128→64→32→13 at batch 32:
   * 42 ms instead of 29).
   */
  minFlopsPerThread?: number;
  /**
   * MiB of this thread's WebAssembly memory lent to each worker for its replica's tensors (default 64; at
   * least 16 × the module's state). This thread then writes the parameters into the replica and adds its
   * gradients in place (measured at batch 64: 294–315 instead of 318–337 µs per step). A worker whose
   * tensors outgrow it keeps going with ordinary arrays, but stops with an error naming this option if a
   * kernel's temporary block no longer fits (batches of several million activations per thread): raise it
   * then. 0: workers use memory of their own (state and gradients are copied through a shared buffer). No
   * effect on the scalar backend or past the WebAssembly memory budget (TIMBRE_WASM_MEMORY_MB).
   */
  arenaMB?: number;
}

/** Offsets (in floats) of one worker's regions in its data buffer, for `rows` rows. */
export interface Layout {
  state: number;
  grad: number;
  x: number;
  out: number;
  dout: number;
  dx: number;
  end: number;
}

/** The data buffer layout shared by both sides: state (params + buffers), param grads, then the row regions. */
export function layout(stateSize: number, gradSize: number, rows: number, inCols: number, outCols: number): Layout {
  const state = 0,
    grad = stateSize,
    x = grad + gradSize,
    out = x + rows * inCols,
    dout = out + rows * outCols;
  const dx = dout + rows * outCols,
    end = dx + rows * inCols;
  return { state, grad, x, out, dout, dx, end };
}

/** Width of the module's output for an input of `width` columns (every built-in layer but Linear keeps it). */
function outputWidth(c: ModuleConfig, width: number): number {
  switch (c.type) {
    case 'Sequential':
      return (c.layers as ModuleConfig[]).reduce((w, l) => outputWidth(l, w), width);
    case 'Linear':
      return c.outFeatures as number;
    default:
      return width;
  }
}

/**
 * What a worker runs: this very module (data-parallel.ts from source, .js from dist, or the bundle an app
 * was built into, which holds it), so no separate worker file has to be found next to it. Loaded with a
 * DataParallel's workerData, the module serves jobs instead of exporting (the end of this file).
 */
function workerEntry(): URL {
  const here: unknown = import.meta.url;
  if (typeof here !== 'string' || here === '') {
    throw new Error(
      'DataParallel: cannot start worker threads: import.meta.url is not available in this build ' +
        '(help: bundle as an ES module, e.g. esbuild --format=esm, or pass { threads: 1 })',
    );
  }
  return new URL(here);
}

/** One worker thread and its shared buffers. */
class Replica {
  readonly ctrl: Int32Array;
  data: Float32Array = new Float32Array(0);
  /** Keeps the WebAssembly block behind `data` allocated. */
  block: Tensor | null = null;
  views: Tensor[] = [];
  #stateViews: Float32Array[] = [];
  startError = '';
  lay: Layout | null = null;
  rows = 0;
  row0 = 0;
  seq = 0;
  failed = false;
  readonly port: MessagePort;
  readonly worker: Worker;
  /** Keeps the block the worker allocates in reserved (null: the worker has its own memory). */
  readonly arena: Arena | null;
  /**
   * The replica's state tensors and parameter gradients where they lie in this thread's memory, one entry
   * per tensor (null entries, or null for all: through `data`).
   */
  arenaState: (Float32Array | null)[] | null = null;
  arenaGrads: (Float32Array | null)[] | null = null;
  #hello = false;
  readonly #state: readonly Tensor[];
  readonly #params: readonly Parameter[];

  constructor(config: ModuleConfig, state: readonly Tensor[], params: readonly Parameter[], arena: Arena | null) {
    this.arena = arena;
    this.#state = state;
    this.#params = params;
    this.ctrl = new Int32Array(new SharedArrayBuffer(CTRL_SLOTS * 4));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const wd: DataParallelWorkerData = {
      dataParallel: true,
      config,
      ctrl: this.ctrl.buffer as SharedArrayBuffer,
      port: port2,
      stateSize: state.reduce((n, t) => n + t.size, 0),
      gradSize: params.reduce((n, p) => n + p.size, 0),
      arena: arena === null ? null : { memory: arena.memory, start: arena.start, end: arena.end },
    };
    // Replicas multiply on one core each: the matmul pool's extra worker would only compete with them.
    this.worker = startWorker(workerEntry(), wd, { env: { ...process.env, TIMBRE_THREADS: '1' }, transferList: [port2] });
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', (e) => {
      this.failed = true;
      this.startError = e.message;
    });
    this.worker.on('exit', () => {
      this.failed = true;
    });
  }

  get ready(): boolean {
    if (this.failed || Atomics.load(this.ctrl, READY) !== 1) return false;
    if (!this.#hello) this.#readHello();
    return true;
  }

  /** The worker's first message (on the port before READY was stored): views of its replica's tensors in the arena. */
  #readHello(): void {
    this.#hello = true;
    const m = receiveMessageOnPort(this.port);
    if (m === undefined) return;
    const h = m.message as DataParallelHello;
    const views = (offs: number[], ts: readonly Tensor[]): (Float32Array | null)[] | null =>
      offs.length === ts.length && offs.some((o) => o >= 0) ? offs.map((o, i) => (o >= 0 ? wasmView(o, ts[i].size) : null)) : null;
    this.arenaState = views(h.state, this.#state);
    this.arenaGrads = views(h.grads, this.#params);
  }

  /**
   * Makes room for `need` floats, sending the new buffer to the worker (it picks it up with the job).
   * Under the SIMD backend the buffer is a block of this thread's WebAssembly memory (shared, so the
   * worker can map it), so the gradient all-reduce runs as a SIMD kernel with no copy.
   */
  reserve(need: number): void {
    if (need <= this.data.length) return;
    const n = Math.ceil(need * 1.25);
    const t = zeros([n]);
    const shared = t.data.buffer instanceof SharedArrayBuffer; // false on the scalar backend
    this.block = shared ? t : null;
    this.data = shared ? t.data : new Float32Array(new SharedArrayBuffer(n * 4));
    this.views = [];
    this.#stateViews = [];
    const msg: DataParallelBuffer = { buffer: this.data.buffer as SharedArrayBuffer, byteOffset: this.data.byteOffset, length: n };
    this.port.postMessage(msg);
    this.ctrl[NEW_BUFFER] = 1;
  }

  /**
   * Views of this buffer's state region, one per state tensor (cached until the buffer changes). Filled by
   * memory.copy under the SIMD backend (the buffer and the state are both in this thread's memory): 10 µs
   * for the MLP bench's 50k floats where TypedArray.set took 30 (the lines are cached on the worker's core).
   */
  stateViews(): Float32Array[] {
    if (this.#stateViews.length === 0) {
      let o = (this.lay as Layout).state;
      for (const t of this.#state) {
        this.#stateViews.push(this.data.subarray(o, o + t.size));
        o += t.size;
      }
    }
    return this.#stateViews;
  }

  /** Tensors over this buffer's gradient region, one per parameter (cached until the buffer changes). */
  gradViews(): Tensor[] {
    const params = this.#params;
    if (this.views.length === 0) {
      let o = (this.lay as Layout).grad;
      for (let i = 0; i < params.length; i++) {
        const p = params[i],
          g = this.arenaGrads?.[i] ?? null;
        this.views.push(new Tensor(g ?? this.data.subarray(o, o + p.size), p.shape));
        o += p.size;
      }
    }
    return this.views;
  }

  post(op: number): void {
    this.ctrl[OP] = op;
    this.seq = (this.seq + 1) | 0;
    Atomics.store(this.ctrl, SEQ, this.seq);
    Atomics.notify(this.ctrl, SEQ);
  }

  /** Waits for the posted job; throws the worker's error, or after JOB_TIMEOUT_MS of silence. */
  wait(who: string): void {
    const I = this.ctrl,
      seq = this.seq;
    spinWhile(() => Atomics.load(I, DONE) !== seq, SPIN_MS);
    for (const t0 = performance.now(); Atomics.load(I, DONE) !== seq; ) {
      Atomics.wait(I, DONE, Atomics.load(I, DONE), 1000);
      if (Atomics.load(I, DONE) !== seq && performance.now() - t0 > JOB_TIMEOUT_MS) {
        this.failed = true;
        throw new Error(`${who}: a worker thread stopped responding (set TIMBRE_THREADS=1 or threads: 1 to train on one thread)`);
      }
    }
    if (I[STATUS] !== 0) {
      const m = receiveMessageOnPort(this.port);
      const msg = m === undefined ? 'unknown error' : String(m.message);
      const help = msg.includes('arena is full')
        ? ' (help: new DataParallel(module, { arenaMB }) lends each worker more memory; arenaMB: 0 gives workers their own)'
        : '';
      throw new Error(`${who}: in a worker thread: ${msg}${help}`);
    }
  }
}

/**
 * Trains one module on several threads by splitting every batch by rows (torch.nn.DataParallel, with
 * worker threads as the devices). Build the optimiser over `module.parameters()` (or this wrapper's
 * parameters: the same objects); only this thread's module is updated, replicas copy it before each forward.
 *
 * Semantics as in PyTorch: BatchNorm1d normalises each thread's rows with their own statistics and its
 * running statistics follow this thread's rows; Dropout masks in workers come from the workers' generators.
 * Workers start in the background (about 0.1 s from dist/, 1 s from TypeScript source); until they are
 * ready, or for batches too small to split, the module runs here alone. Only built-in layers can be
 * replicated (the replica is `buildModule(module.config())`).
 *
 * ```ts
 * const model = new Sequential(new Linear(30, 256), new ReLU(), new Linear(256, 16));
 * const dp = new DataParallel(model);          // threads: os.availableParallelism()
 * await dp.ready();                            // optional: wait for the workers
 * const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * const loss = lossFn.forward(dp.forward(x), y);
 * dp.backward(lossFn.backward(), false);       // model's .grad now holds the whole batch's gradient
 * opt.step();
 * await dp.close();
 * ```
 */
export class DataParallel extends Module {
  /** The wrapped module (PyTorch's `.module`): its parameters are the ones trained. */
  readonly module: Module;
  /** Threads that share a batch, this one included (the `threads` option, capped by TIMBRE_THREADS). */
  readonly threads: number;
  readonly #minRows: number;
  readonly #minFlops: number;
  readonly #replicas: Replica[] = [];
  readonly #state: Tensor[];
  readonly #config: ModuleConfig;
  readonly #params: Parameter[];
  readonly #stateSize: number;
  readonly #gradSize: number;
  #split: Replica[] | null = null; // the replicas taking part in the last forward (null: it ran here alone)
  #rows0 = 0; // this thread's rows in the last forward
  #in = 0;
  #outCols = 0;
  #batch = 0;
  readonly #out = new BufferSlots();
  readonly #dx = new BufferSlots();
  #closed = false;

  constructor(module: Module, options: DataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError('DataParallel: module must be a Module');
    if (module instanceof DataParallel) throw new TypeError('DataParallel: the module is already a DataParallel (wrap its .module instead)');
    checkOptions('DataParallel', options, ['threads', 'minRowsPerThread', 'minFlopsPerThread', 'arenaMB']);
    const { threads = availableParallelism(), minRowsPerThread = 8, minFlopsPerThread = 2 ** 21, arenaMB = 64 } = options;
    if (!Number.isInteger(arenaMB) || arenaMB < 0) throw new RangeError(`DataParallel: arenaMB must be an integer >= 0, got ${arenaMB}`);
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`DataParallel: threads must be an integer >= 1, got ${threads}`);
    if (!Number.isInteger(minRowsPerThread) || minRowsPerThread < 1) {
      throw new RangeError(`DataParallel: minRowsPerThread must be an integer >= 1, got ${minRowsPerThread}`);
    }
    this.module = module;
    this.#config = module.config();
    this.threads = Math.min(threads, threadLimit());
    if (!(minFlopsPerThread >= 0)) throw new RangeError(`DataParallel: minFlopsPerThread must be a number >= 0, got ${minFlopsPerThread}`);
    this.#minRows = minRowsPerThread;
    this.#minFlops = minFlopsPerThread;
    this.#state = Object.values(module.stateDict());
    this.#params = module.parameters();
    this.#stateSize = this.#state.reduce((s, t) => s + t.size, 0);
    this.#gradSize = this.#params.reduce((s, t) => s + t.size, 0);
    if (this.threads > 1) {
      const config = this.#config;
      try {
        buildBuiltInModule(config); // fails here, with the layer's name, for what a worker could not rebuild
      } catch (e) {
        throw new TypeError(
          `DataParallel: the module cannot be replicated in a worker thread: ${(e as Error).message} ` +
            '(help: replicas are rebuilt with buildModule, which knows the built-in layers; pass { threads: 1 } to run here)',
        );
      }
      for (let i = 1; i < this.threads; i++) {
        const arena = arenaMB === 0 ? null : reserveArena(arenaBytes(arenaMB, this.#stateSize));
        this.#replicas.push(new Replica(config, this.#state, this.#params, arena));
      }
    }
  }

  /**
   * Resolves once every worker can take rows (true); false when there are no workers (`threads: 1`,
   * TIMBRE_THREADS=1) or one exited; rejects with the worker's error when one failed to start.
   * Training before it resolves is correct, just on fewer threads.
   */
  async ready(): Promise<boolean> {
    if (this.#replicas.length === 0) return false;
    while (this.#replicas.some((r) => !r.ready && !r.failed)) await new Promise((r) => setTimeout(r, 5));
    const bad = this.#replicas.find((r) => r.failed);
    if (bad !== undefined && bad.startError !== '') throw new Error(`DataParallel: a worker thread failed to start: ${bad.startError}`);
    return bad === undefined;
  }

  /** Stops the workers; later calls run on this thread alone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#replicas) {
      if (r.ready) r.post(OP_EXIT);
      r.port.close();
    }
    await Promise.all(this.#replicas.map((r) => r.worker.terminate()));
  }

  /**
   * How many threads a batch of `rows` rows would use now: as many as it has work for (at least
   * `minRowsPerThread` rows and `minFlopsPerThread` forward flops each), up to the ready workers + this one.
   */
  threadsFor(rows: number): number {
    if (this.#closed) return 1;
    const fit = Math.min(Math.floor(rows / this.#minRows), this.#minFlops > 0 ? Math.floor((2 * rows * this.#gradSize) / this.#minFlops) : Infinity);
    let ready = 0;
    for (const r of this.#replicas) if (r.ready) ready++;
    return Math.max(1, Math.min(fit, ready + 1));
  }

  /**
   * True when every worker's replica lives in an arena of this thread's memory, so forward writes the
   * state into it and backward adds its gradients in place (`arenaMB`; tensors under 16 floats still go
   * through the shared buffer); false when all go through the buffer (arenaMB 0, the scalar backend, the
   * memory budget) or before the workers are ready.
   */
  get inPlace(): boolean {
    return this.#replicas.length > 0 && this.#replicas.every((r) => r.arenaState !== null && r.arenaGrads !== null);
  }

  /** How many threads took part in the last forward (1 when it ran here alone). */
  get lastThreads(): number {
    return this.#split === null ? 1 : this.#split.length + 1;
  }

  /** The whole batch's output: fresh, or with `{ reuse: true }` a buffer of this wrapper's (valid until the next forward). */
  forward(x: Tensor, options?: CallOptions): Tensor {
    const B = x.shape[0];
    const active = x.shape.length !== 2 ? [] : this.#replicas.filter((r) => r.ready).slice(0, this.threadsFor(B) - 1);
    const T = active.length + 1;
    if (T === 1) {
      this.#split = null;
      return this.module.forward(x, options);
    }
    const inCols = x.shape[1],
      outCols = outputWidth(this.#config, inCols);
    // Rows: this thread takes ceil(B / T), the workers share the rest in order.
    const each = Math.floor(B / T),
      rows0 = B - each * (T - 1);
    let row = rows0;
    for (const r of active) {
      const lay = layout(this.#stateSize, this.#gradSize, each, inCols, outCols);
      r.reserve(lay.end);
      r.lay = lay;
      r.rows = each;
      r.row0 = row;
      const d = r.data,
        I = r.ctrl;
      // Into the replica's own tensors where they lie in this thread's memory, else into the buffer's state region.
      const own = r.arenaState,
        region = r.stateViews();
      for (let i = 0; i < region.length; i++) copyFloat32(own?.[i] ?? region[i], this.#state[i].data);
      d.set(x.data.subarray(row * inCols, (row + each) * inCols), lay.x);
      I[ROWS] = each;
      I[IN] = inCols;
      I[OUT] = outCols;
      I[TRAINING] = this.training ? 1 : 0;
      r.post(OP_FORWARD);
      row += each;
    }
    this.#split = active;
    this.#rows0 = rows0;
    this.#in = inCols;
    this.#outCols = outCols;
    this.#batch = B;
    const reuse = wantsReuse('DataParallel.forward', options);
    const own = this.#together(active, 'DataParallel.forward', () => this.module.forward(x.subarray(0, rows0), REUSE));
    if (own.shape.length !== 2 || own.shape[1] !== outCols) {
      throw new ShapeError(`DataParallel.forward: the module's output ${formatShape(own.shape)} is not [${rows0}, ${outCols}]`);
    }
    return this.#gather(reuse ? this.#out : null, own, outCols, 'out', active);
  }

  /**
   * Runs each replica's backward on its rows of `dout` and adds the replicas' gradients into the wrapped module's `.grad`
   * (so it holds the whole batch's gradient, as a single-thread backward would); returns dx [B, inFeatures] gathered from
   * the replicas, or null when inputGrad is false. `dout` must be [B, outFeatures] for the last forward's batch.
   */
  backward(dout: Tensor): Tensor;
  backward(dout: Tensor, inputGrad: boolean, options?: CallOptions): Tensor | null;
  backward(dout: Tensor, inputGrad = true, options?: CallOptions): Tensor | null {
    const active = this.#split;
    if (active === null) return this.module.backward(dout, inputGrad, options);
    const reuse = wantsReuse('DataParallel.backward', options);
    const B = this.#batch,
      outCols = this.#outCols,
      inCols = this.#in;
    if (dout.shape.length !== 2 || dout.shape[0] !== B || dout.shape[1] !== outCols) {
      throw new ShapeError(`DataParallel.backward: dout ${formatShape(dout.shape)} does not match the output [${B}, ${outCols}]`);
    }
    for (const r of active) {
      const lay = r.lay as Layout;
      r.data.set(dout.data.subarray(r.row0 * outCols, (r.row0 + r.rows) * outCols), lay.dout);
      r.ctrl[INPUT_GRAD] = inputGrad ? 1 : 0;
      r.post(OP_BACKWARD);
    }
    const own = this.#together(active, 'DataParallel.backward', () => this.module.backward(dout.subarray(0, this.#rows0), inputGrad, REUSE));
    // All-reduce: the replicas' gradients (their rows' share of the batch loss) add into the module's.
    const ps = this.#params;
    for (const r of active) {
      const views = r.gradViews();
      for (let i = 0; i < ps.length; i++) addInPlace(ps[i].grad, views[i]);
    }
    if (!inputGrad || own === null) return null;
    return this.#gather(reuse ? this.#dx : null, own, inCols, 'dx', active);
  }

  /** The whole batch's [B, cols] (in `slots`, or fresh when null): this thread's rows from `own`, each replica's from its `region`. */
  #gather(slots: BufferSlots | null, own: Tensor, cols: number, region: 'out' | 'dx', active: Replica[]): Tensor {
    const t = slots === null ? new Tensor(new Float32Array(this.#batch * cols), [this.#batch, cols]) : slots.get(this.#batch, cols);
    t.data.set(own.data, 0);
    for (const r of active) {
      const o = (r.lay as Layout)[region];
      t.data.set(r.data.subarray(o, o + r.rows * cols), r.row0 * cols);
    }
    return t;
  }

  /**
   * Runs `own` (this thread's share) while the posted jobs run, then waits for every worker. The first
   * error wins (this thread's, whose message names the layer), but the workers are always waited for,
   * so the next job never meets one still busy with this one.
   */
  #together<T>(active: Replica[], who: string, own: () => T): T {
    // The matmul pool's worker would compete with the replicas for the cores.
    const prev = setParallel({ enabled: false });
    let result: T | undefined,
      failure: unknown = null;
    try {
      result = own();
    } catch (e) {
      failure = e;
    }
    setParallel({ enabled: prev.enabled });
    for (const r of active) {
      try {
        r.wait(who);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== null) throw failure;
    return result as T;
  }

  override namedChildren(): [string, Module][] {
    return [['module', this.module]];
  }

  /** `{ type: 'DataParallel', module }`. Save and load `.module` (as in PyTorch): buildModule rejects this config. */
  override config(): ModuleConfig {
    return { type: 'DataParallel', module: this.module.config() };
  }
}

// A worker a DataParallel started runs this module (or the bundle holding it) as its entry: it serves jobs
// until told to exit, then ends the thread, so nothing after this module in a bundle runs there.
const dpWorkerData = workerData as DataParallelWorkerData | null;
if (!isMainThread && dpWorkerData !== null && typeof dpWorkerData === 'object' && dpWorkerData.dataParallel === true) {
  serveDataParallel(dpWorkerData);
  process.exit(0);
}
