// Which kernels run: 'simd' (WebAssembly SIMD128, the default where the runtime validates it) or
// 'scalar' (the TypeScript reference kernels). TIMBRE_BACKEND=scalar|simd picks one at start-up;
// setBackend switches at run time (benchmarks compare both in one process).

import { allocFloat32 } from './memory.js';
import { hasSimd } from './module.js';

/** A kernel backend. */
export type Backend = 'simd' | 'scalar';

function initial(): Backend {
  const env = typeof process !== 'undefined' ? process.env.TIMBRE_BACKEND : undefined;
  if (env === undefined || env === '') return hasSimd() ? 'simd' : 'scalar';
  if (env === 'scalar') return 'scalar';
  if (env === 'simd') {
    if (!hasSimd()) throw new Error('TIMBRE_BACKEND=simd: this runtime has no WebAssembly SIMD128 (use TIMBRE_BACKEND=scalar)');
    return 'simd';
  }
  throw new RangeError(`TIMBRE_BACKEND must be 'simd' or 'scalar', got '${env}'`);
}

let current: Backend = initial();
let simdOn = current === 'simd';

/** The active backend. */
export function getBackend(): Backend {
  return current;
}

/**
 * Selects the kernels used from now on. Tensors allocated before keep their memory (both backends
 * accept any Float32Array; the SIMD kernels copy arrays that are not in WebAssembly memory).
 *
 * ```ts
 * setBackend('scalar'); // TypeScript reference kernels
 * ```
 */
export function setBackend(backend: Backend): void {
  if (backend !== 'simd' && backend !== 'scalar') throw new RangeError(`setBackend: expected 'simd' or 'scalar', got '${String(backend)}'`);
  if (backend === 'simd' && !hasSimd()) throw new Error('setBackend: this runtime has no WebAssembly SIMD128');
  current = backend;
  simdOn = backend === 'simd';
}

/** Hot-path check used by the kernel dispatchers. */
export function useSimd(): boolean {
  return simdOn;
}

/**
 * A zeroed Float32Array for a new tensor: in WebAssembly memory when the SIMD backend is active (so
 * kernels use it without copies; reclaimed after garbage collection), else an ordinary array.
 */
export function newFloat32(n: number): Float32Array {
  if (simdOn) {
    const a = allocFloat32(n);
    if (a !== null) return a;
  }
  return new Float32Array(n);
}
