// @timbre/tensor: Float32Array tensors, a seeded RNG and hand-written kernels.
export { Tensor, type NestedArray } from './tensor.js';
export { ShapeError, formatShape, sameShape, sizeOf, stridesOf } from './shape.js';
export { Rng } from './rng.js';
export { zeros, ones, full, fromArray, rand, randn, arange } from './creation.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export { matmulNN, matmulNT, matmulTN } from './kernels/matmul.js';
export { matmulNNNaive, matmulNTNaive, matmulTNNaive } from './kernels/matmul-naive.js';
