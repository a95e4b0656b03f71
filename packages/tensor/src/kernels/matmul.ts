// Fast matmul kernels (same contract as matmul-naive.ts). Until the packed, register-tiled
// kernels land these delegate to the naive ones.
export { matmulNNNaive as matmulNN, matmulNTNaive as matmulNT, matmulTNNaive as matmulTN } from './matmul-naive.js';
