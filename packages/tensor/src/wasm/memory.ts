// The WebAssembly memory every SIMD kernel works on, and the allocator that places tensors in it.
// One shared WebAssembly.Memory (shared: growing never detaches existing views, and workers see the
// same bytes). Blocks come from size-class free lists; a FinalizationRegistry returns a tensor's
// block when its Float32Array is garbage-collected, so long runs (hyper-parameter searches training
// many models) reuse memory instead of growing without bound.

import { wasmApi, type WasmMemory } from './wasm-api.js';

const PAGE = 65536;
/** 2 GiB: keeps every byte offset below 2³¹, so pointers pass to WebAssembly as positive i32. */
export const MAX_PAGES = 32768;
/** Blocks are 64-byte aligned (a cache line; v128 needs 16). Offsets below 64 are never handed out: 0 means "null". */
const ALIGN = 64;

/**
 * Budget for tensors placed in WebAssembly memory (bytes). Past it, `allocFloat32` returns null and
 * the caller falls back to an ordinary Float32Array (correct, kernels then copy it in).
 * TIMBRE_WASM_MEMORY_MB overrides it (default 1024).
 */
function budgetBytes(): number {
  const env = typeof process !== 'undefined' ? process.env.TIMBRE_WASM_MEMORY_MB : undefined;
  const mb = env !== undefined && env !== '' ? Number(env) : 1024;
  if (!Number.isFinite(mb) || mb < 0) throw new RangeError(`TIMBRE_WASM_MEMORY_MB must be a non-negative number, got '${env}'`);
  return Math.min(mb * 1024 * 1024, (MAX_PAGES - 16) * PAGE);
}

/** Size classes: multiples of 64 up to 1 KiB, then 4 classes per power of two (≤ 25 % slack). */
function classBytes(bytes: number): number {
  if (bytes <= 1024) return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

let memory: WasmMemory | null = null;
let top = ALIGN;
/**
 * End (exclusive) of the region this thread may allocate in. Infinity for a thread that owns its memory;
 * a worker that adopted an arena of another thread's memory (adoptArena) stays inside [start, limit).
 */
let limit = Infinity;
/** Bytes of an adopted arena kept free for temporary blocks (staging, matmul scratch): tensors stop short of it. */
let reserve = 0;
let live = 0;
let trackedLive = 0; // live bytes of registry-tracked tensors, compared with the budget
const free = new Map<number, number[]>();
const knownBuffers = new WeakSet<ArrayBufferLike>();
let heapF32: Float32Array = new Float32Array(0);
let heapU8: Uint8Array = new Uint8Array(0);
let heapI32: Int32Array = new Int32Array(0);
const parents = new WeakMap<Float32Array, Float32Array>();

// The held value is a token into `tokens` (ptr, size); a plain number keeps the registry cheap.
const registry = new FinalizationRegistry<number>((token) => {
  const rec = tokens.get(token);
  if (rec === undefined) return;
  tokens.delete(token);
  trackedLive -= rec[1];
  release(rec[0], rec[1]);
});
const tokens = new Map<number, [number, number]>();
let nextToken = 1;

/**
 * Makes this thread allocate inside `[start, end)` of `mem` (another thread's memory, which reserved that
 * block for it) instead of creating a memory of its own. For worker threads whose tensors the owning thread
 * reads and writes in place (DataParallel's replicas). Must run before this thread allocates anything.
 * When the arena is full, new tensors fall back to ordinary Float32Arrays (`allocFloat32` returns null)
 * and leave the last quarter of the arena to temporary blocks; a temporary block that does not fit throws.
 */
export function adoptArena(mem: WasmMemory, start: number, end: number): void {
  if (memory !== null) throw new Error('adoptArena: this thread already uses a WebAssembly memory');
  if (!(start >= ALIGN && end <= mem.buffer.byteLength && end - start >= PAGE)) {
    throw new RangeError(`adoptArena: [${start}, ${end}) is not a block of at least ${PAGE} bytes inside the memory`);
  }
  memory = mem;
  top = Math.ceil(start / ALIGN) * ALIGN;
  limit = end;
  reserve = Math.floor((end - top) / 4);
  refreshViews();
}

/** The shared memory (created on first use). */
export function wasmMemory(): WasmMemory {
  if (memory === null) {
    if (wasmApi === undefined) throw new Error('timbre: this runtime has no WebAssembly; use TIMBRE_BACKEND=scalar');
    memory = new wasmApi.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    refreshViews();
  }
  return memory;
}

function refreshViews(): void {
  const buf = (memory as WasmMemory).buffer;
  knownBuffers.add(buf);
  heapF32 = new Float32Array(buf);
  heapU8 = new Uint8Array(buf);
  heapI32 = new Int32Array(buf);
}

/** A Float32Array over the whole memory (refreshed when it grows: re-read it after any allocation). */
export function heap(): Float32Array {
  wasmMemory();
  return heapF32;
}

/** An Int32Array over the whole memory (same refresh rule as `heap`). */
export function heapInt32(): Int32Array {
  wasmMemory();
  return heapI32;
}

/** True when `a` is a view of the module's memory (so kernels can use it in place). */
export function inWasm(a: Float32Array | Int32Array): boolean {
  return knownBuffers.has(a.buffer);
}

/**
 * Records that `child` is a view into `parent`'s block, so the block stays allocated while the child
 * lives. Code making sub-views of tensor data (Tensor.subarray) calls this.
 */
export function keepAlive(child: Float32Array, parent: Float32Array): void {
  if (inWasm(parent)) parents.set(child, parents.get(parent) ?? parent);
}

/** Allocates `bytes` (rounded to a size class) of zeroed memory; returns the byte offset. Never null. */
export function rawAlloc(bytes: number): number {
  wasmMemory();
  const size = classBytes(bytes);
  const list = free.get(size);
  let ptr: number;
  if (list !== undefined && list.length > 0) {
    ptr = list.pop() as number;
    heapU8.fill(0, ptr, ptr + size);
  } else {
    ptr = top;
    const end = ptr + size;
    if (end > limit) throw new RangeError(`wasm memory: this thread's arena is full (${bytes} more bytes wanted; it ends at byte ${limit})`);
    const have = (memory as WasmMemory).buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      const current = have / PAGE;
      if (current + pages > MAX_PAGES) throw new RangeError(`wasm memory: cannot allocate ${bytes} bytes (limit ${MAX_PAGES * PAGE} bytes)`);
      // Grow by at least 1/8 of the current size so repeated small growths stay rare.
      (memory as WasmMemory).grow(Math.min(MAX_PAGES - current, Math.max(pages, Math.ceil(current / 8))));
      refreshViews();
    }
    top = end;
  }
  live += size;
  return ptr;
}

/** Returns a block from `rawAlloc` (same `bytes`). */
export function rawFree(ptr: number, bytes: number): void {
  release(ptr, classBytes(bytes));
}

function release(ptr: number, size: number): void {
  live -= size;
  let list = free.get(size);
  if (list === undefined) {
    list = [];
    free.set(size, list);
  }
  list.push(ptr);
}

/** Smallest tensor placed in WebAssembly memory; tinier ones stay on the JS heap (copying them is free). */
export const MIN_WASM_ELEMENTS = 16;

/**
 * A zeroed Float32Array of `n` elements inside the module's memory, reclaimed when it is
 * garbage-collected; null when `n` is tiny or the budget is used up (use a plain array then).
 */
export function allocFloat32(n: number): Float32Array | null {
  if (n < MIN_WASM_ELEMENTS) return null;
  const size = classBytes(n * 4);
  if (trackedLive + size > budgetBytes()) return null;
  if (limit !== Infinity && !free.get(size)?.length && top + size > limit - reserve) return null; // adopted arena nearly full
  const ptr = rawAlloc(n * 4);
  trackedLive += size;
  const view = new Float32Array(heapF32.buffer, ptr, n);
  const token = nextToken++;
  tokens.set(token, [ptr, size]);
  registry.register(view, token);
  return view;
}

/** True when `bytes` more of tracked blocks stay within `share` of the budget (arenas take at most half of it). */
export function withinBudget(bytes: number, share: number): boolean {
  return trackedLive + classBytes(bytes) <= share * budgetBytes();
}

/** Allocator statistics (for tests and the docs). */
export function heapStats(): {
  /** Bytes in blocks currently allocated (size classes, so at least the bytes asked for). */
  liveBytes: number;
  /** Live bytes of garbage-collected tensors, the part compared with the budget. */
  trackedLiveBytes: number;
  /** Offset of the end of the highest block allocated so far (the bump pointer). */
  topBytes: number;
  /** Size of the WebAssembly memory in bytes. */
  memoryBytes: number;
} {
  wasmMemory();
  return { liveBytes: live, trackedLiveBytes: trackedLive, topBytes: top, memoryBytes: (memory as WasmMemory).buffer.byteLength };
}
