// Worker-thread side of DataParallel: rebuilds the module, then serves jobs from its control block until
// told to exit. data-parallel.ts calls serveDataParallel when it finds itself loaded as a worker's entry. Forward: copy the module's state and this worker's rows in, run the replica, copy the
// output out. Backward: copy dout in, zero and compute the replica's gradients, copy them (and dx) out.
// Errors are reported through STATUS and the port, never thrown past the loop (the caller is blocked
// in Atomics.wait and would not see an 'error' event).

import { receiveMessageOnPort } from 'node:worker_threads';
import { type Tensor, adoptArena, spinWhile, wasmOffset, zeros } from '@timbre/tensor';
import { REUSE } from './module.js';
import {
  CTRL_SLOTS,
  DONE,
  IN,
  INPUT_GRAD,
  NEW_BUFFER,
  OP,
  OP_BACKWARD,
  OP_EXIT,
  OP_FORWARD,
  OUT,
  READY,
  ROWS,
  SEQ,
  SPIN_MS,
  STATUS,
  TRAINING,
  layout,
  type DataParallelBuffer,
  type DataParallelHello,
  type DataParallelWorkerData,
} from './data-parallel.js';
import { buildBuiltInModule } from './serialize.js';

/** Serves a DataParallel's jobs on this worker thread until it posts OP_EXIT. */
export function serveDataParallel(wd: DataParallelWorkerData): void {
  const I = new Int32Array(wd.ctrl);
  if (I.length !== CTRL_SLOTS) throw new Error('DataParallel worker: bad control block');
  // Allocate inside the main thread's arena (before any tensor exists here), so it can reach the replica's tensors.
  if (wd.arena !== null) adoptArena(wd.arena.memory, wd.arena.start, wd.arena.end);
  const replica = buildBuiltInModule(wd.config);
  const state = Object.values(replica.stateDict());
  const params = replica.parameters();
  const stateSize = state.reduce((s, t) => s + t.size, 0),
    gradSize = params.reduce((s, t) => s + t.size, 0);
  if (stateSize !== wd.stateSize || gradSize !== wd.gradSize) {
    throw new Error(
      `DataParallel worker: the replica rebuilt from config() has ${stateSize} state / ${gradSize} parameter floats, ` +
        `the module ${wd.stateSize} / ${wd.gradSize} (help: the module's config() must describe all of it)`,
    );
  }
  // Where the state and the gradients lie in the main thread's memory (-1: not in the arena, copied through `data`).
  const offsets = (ts: readonly Tensor[]): number[] => ts.map((t) => (wd.arena === null ? -1 : wasmOffset(t.data)));
  const hello: DataParallelHello = { state: offsets(state), grads: offsets(params.map((p) => p.grad)) };
  wd.port.postMessage(hello);
  let data: Float32Array = new Float32Array(0);
  let x: Tensor | null = null,
    dout: Tensor | null = null;
  Atomics.store(I, READY, 1);
  Atomics.notify(I, READY);
  let seen = 0;
  for (;;) {
    spinWhile(() => Atomics.load(I, SEQ) === seen, SPIN_MS);
    Atomics.wait(I, SEQ, seen);
    seen = Atomics.load(I, SEQ);
    const op = I[OP];
    if (op === OP_EXIT) break;
    try {
      if (I[NEW_BUFFER] === 1) {
        const m = receiveMessageOnPort(wd.port);
        if (m === undefined) throw new Error('DataParallel worker: no buffer arrived with the job');
        const b = m.message as DataParallelBuffer;
        data = new Float32Array(b.buffer, b.byteOffset, b.length);
        I[NEW_BUFFER] = 0;
      }
      const rows = I[ROWS],
        inCols = I[IN],
        outCols = I[OUT];
      const lay = layout(stateSize, gradSize, rows, inCols, outCols);
      if (lay.end > data.length) throw new Error(`DataParallel worker: buffer of ${data.length} floats, job needs ${lay.end}`);
      if (op === OP_FORWARD) {
        // The main thread wrote the tensors in the arena itself; the others come from the buffer.
        for (let i = 0, o = lay.state; i < state.length; o += state[i].size, i++) {
          if (hello.state[i] < 0) state[i].data.set(data.subarray(o, o + state[i].size));
        }
        replica.train(I[TRAINING] === 1);
        if (x === null || x.shape[0] !== rows || x.shape[1] !== inCols) x = zeros([rows, inCols]);
        x.data.set(data.subarray(lay.x, lay.x + rows * inCols));
        const out = replica.forward(x, REUSE);
        data.set(out.data, lay.out);
      } else if (op === OP_BACKWARD) {
        if (dout === null || dout.shape[0] !== rows || dout.shape[1] !== outCols) dout = zeros([rows, outCols]);
        dout.data.set(data.subarray(lay.dout, lay.dout + rows * outCols));
        replica.zeroGrad();
        const dx = replica.backward(dout, I[INPUT_GRAD] === 1, REUSE);
        // The main thread adds the gradients in the arena where they lie; the others go out through the buffer.
        for (let i = 0, o = lay.grad; i < params.length; o += params[i].size, i++) {
          if (hello.grads[i] < 0) data.set(params[i].grad.data, o);
        }
        if (dx !== null) data.set(dx.data, lay.dx);
      }
      I[STATUS] = 0;
    } catch (e) {
      I[STATUS] = 1;
      wd.port.postMessage(e instanceof Error ? e.message : String(e));
    }
    Atomics.store(I, DONE, seen);
    Atomics.notify(I, DONE);
  }
}
