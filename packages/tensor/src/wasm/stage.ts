// Pointers for kernel arguments: arrays in the module's memory are used in place; others are copied
// into temporary blocks (stage), and outputs copied back (unstage) — correct, only slower.

import { heap, heapInt32, inWasm, rawAlloc, rawFree } from './memory.js';

const staged: number[] = []; // (ptr, bytes) pairs of this call's temporary blocks

/** Byte offset of `a`'s first n elements in WebAssembly memory; copies them in when `copy` is true. */
export function stage(a: Float32Array | Int32Array, n: number, copy: boolean): number {
  if (inWasm(a)) return a.byteOffset;
  const ptr = rawAlloc(Math.max(n, 1) * 4);
  staged.push(ptr, Math.max(n, 1) * 4);
  if (copy && n > 0) {
    // Whole-memory views are cached, so staging allocates nothing when the array is used whole.
    if (a instanceof Float32Array) heap().set(n === a.length ? a : a.subarray(0, n), ptr >> 2);
    else heapInt32().set(n === a.length ? a : a.subarray(0, n), ptr >> 2);
  }
  return ptr;
}

/** Copies n elements at `ptr` back into `a` when `a` was staged (not in WebAssembly memory). */
export function copyBack(a: Float32Array, ptr: number, n: number): void {
  if (!inWasm(a)) a.set(heap().subarray(ptr >> 2, (ptr >> 2) + n));
}

/** Frees this call's temporary blocks. */
export function unstage(): void {
  for (let i = 0; i < staged.length; i += 2) rawFree(staged[i], staged[i + 1]);
  staged.length = 0;
}
