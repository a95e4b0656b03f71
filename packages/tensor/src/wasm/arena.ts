// Arenas: a block of this thread's WebAssembly memory lent to a worker thread, which then allocates all its
// tensors inside it (memory.ts adoptArena). The lending thread can then read and write the worker's tensors
// in place (views over its own memory): DataParallel copies the state into its replicas' parameters with
// memory.copy and adds their gradients with the SIMD kernel, instead of both sides copying through a buffer.

import { useSimd } from './backend.js';
import { allocFloat32, heap, inWasm, wasmMemory, withinBudget } from './memory.js';
import type { WasmMemory } from './wasm-api.js';

/** A block lent to a worker: pass `memory`, `start` and `end` to it (workerData), keep `block` alive meanwhile. */
export interface Arena {
  /** The WebAssembly memory the arena lives in. */
  readonly memory: WasmMemory;
  /** Byte offset of the arena's first byte in `memory`. */
  readonly start: number;
  /** Byte offset one past the arena's last byte. */
  readonly end: number;
  /** The block itself: while it is reachable, this thread never allocates inside the arena. */
  readonly block: Float32Array;
}

/**
 * Reserves `bytes` (rounded up to 64 KiB) of this thread's WebAssembly memory as an arena; null on the
 * scalar backend, or when tracked blocks would pass half the memory budget (TIMBRE_WASM_MEMORY_MB), so
 * arenas never crowd out this thread's own tensors.
 */
export function reserveArena(bytes: number): Arena | null {
  if (!useSimd()) return null;
  const n = Math.ceil(Math.max(bytes, 65536) / 65536) * 16384;
  if (!withinBudget(n * 4, 0.5)) return null;
  const block = allocFloat32(n);
  if (block === null) return null;
  return { memory: wasmMemory(), start: block.byteOffset, end: block.byteOffset + block.byteLength, block };
}

/** A Float32Array over `length` floats at `byteOffset` of this thread's WebAssembly memory (e.g. a worker's tensor in an arena). */
export function wasmView(byteOffset: number, length: number): Float32Array {
  const h = heap();
  if (!Number.isInteger(byteOffset) || byteOffset % 4 !== 0 || byteOffset < 0 || byteOffset + 4 * length > h.byteLength) {
    throw new RangeError(`wasmView: ${length} floats at byte ${byteOffset} are not inside the WebAssembly memory (${h.byteLength} bytes)`);
  }
  return new Float32Array(h.buffer, byteOffset, length);
}

/** Where `a` lies in this thread's WebAssembly memory (its byte offset), or -1 when it is an ordinary array. */
export function wasmOffset(a: Float32Array): number {
  return inWasm(a) ? a.byteOffset : -1;
}
