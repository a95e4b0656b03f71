// @timbre/tensor: Float32Array tensors, a seeded RNG and hand-written kernels.
export { Tensor, type NestedArray } from './tensor.js';
export { ShapeError, formatShape, sameShape, sizeOf, stridesOf } from './shape.js';
export { Rng } from './rng.js';
export { zeros, ones, full, fromArray, rand, randn, arange } from './creation.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export { add, sub, mul, div, neg, exp, log, sqrt, abs, relu, tanh, sigmoid, clamp } from './ops/elementwise.js';
export { addRow, subRow, mulRow, divRow } from './ops/broadcast.js';
export {
  sum,
  mean,
  variance,
  std,
  max,
  min,
  amax,
  amin,
  argmax,
  argmin,
  type ReduceOptions,
  type VarianceOptions,
  type MinMaxOptions,
  type ValuesIndices,
} from './ops/reduce.js';
export { transpose } from './ops/transpose.js';
export { cat, stack } from './ops/concat.js';
export { indexSelect } from './ops/index-select.js';
export {
  addInPlace,
  subInPlace,
  mulInPlace,
  divInPlace,
  scaleInPlace,
  axpyInPlace,
  addRowInPlace,
  mulRowInPlace,
  clampInPlace,
  reluInPlace,
} from './ops/inplace.js';
export { matmulNN, matmulNT, matmulTN } from './kernels/matmul.js';
export { getBackend, setBackend, type Backend } from './wasm/backend.js';
export { heapStats as wasmHeapStats, adoptArena } from './wasm/memory.js';
export { reserveArena, wasmView, wasmOffset, type Arena } from './wasm/arena.js';
export type { WasmMemory } from './wasm/wasm-api.js';
export { setParallel, whenParallelReady, parallelCalls } from './wasm/pool.js';
export { linearReluForwardSimd } from './wasm/matmul.js';
export { copyFloat32, fillFloat32 } from './wasm/layers.js';
export { matmulNNNaive, matmulNTNaive, matmulTNNaive } from './kernels/matmul-naive.js';
export { matmulNNPacked, matmulNTPacked, matmulTNPacked } from './kernels/matmul-packed.js';
export { matmulNNAsm, matmulNTAsm, matmulTNAsm, asmjsAvailable } from './kernels/matmul-asm.js';
export {
  reluForward,
  reluBackward,
  leakyReluForward,
  leakyReluBackward,
  tanhForward,
  tanhBackward,
  sigmoidForward,
  sigmoidBackward,
  geluForward,
  geluBackward,
  geluTanhForward,
  geluTanhBackward,
  erfc,
  dropoutForward,
  dropoutBackward,
  biasBackward,
} from './kernels/activation.js';
export { crossEntropyForward, crossEntropyBackward, squaredErrorForward, squaredErrorBackward } from './kernels/cross-entropy.js';
export { gatherRows } from './kernels/gather.js';
export { sgdStep, adamStep, sumOfSquares, scaleInPlaceKernel } from './kernels/optim.js';
export { batchNormStats, batchNormNormalize, batchNormBackward } from './kernels/batchnorm.js';
export { checkOptions } from './options.js';
export { startWorker, siblingModule, spinWhile, threadLimit, type StartWorkerOptions } from './worker.js';
