// Naive reference matmul kernels, one per layout. They are the algorithmic reference the fast
// kernels are tested against (llm.c keeps matmul_forward_naive for the same reason).
// M, K, N: C is [M, N]; op(A) is [M, K]; op(B) is [K, N]. All row-major, contiguous.
// Every kernel computes C = alpha·op(A)·op(B) + beta·C (+ bias[n] on every row when bias is given).
// When beta is 0, C is not read (so NaN in C does not leak), as in BLAS.

/** NN: A [M, K], B [K, N] -> C [M, N]. */
export function matmulNNNaive(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += A[i * K + k] * B[k * N + j];
      finish(C, i * N + j, acc, bias, j, alpha, beta);
    }
  }
}

/** NT: A [M, K], B [N, K] (so op(B) = Bᵀ) -> C [M, N]. */
export function matmulNTNaive(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += A[i * K + k] * B[j * K + k];
      finish(C, i * N + j, acc, bias, j, alpha, beta);
    }
  }
}

/** TN: A [K, M] (so op(A) = Aᵀ), B [K, N] -> C [M, N]. */
export function matmulTNNaive(
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  bias: Float32Array | null,
  M: number,
  K: number,
  N: number,
  alpha: number,
  beta: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += A[k * M + i] * B[k * N + j];
      finish(C, i * N + j, acc, bias, j, alpha, beta);
    }
  }
}

function finish(C: Float32Array, at: number, acc: number, bias: Float32Array | null, j: number, alpha: number, beta: number): void {
  let v = alpha * acc;
  if (beta !== 0) v += beta * C[at];
  if (bias !== null) v += bias[j];
  C[at] = v;
}
