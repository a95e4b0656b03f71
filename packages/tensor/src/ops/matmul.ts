// matmul: the user-facing op. Checks shapes, then calls the kernel for the layout.

import { matmulNN, matmulNT, matmulTN } from '../kernels/matmul.js';
import { ShapeError, formatShape } from '../shape.js';
import { newFloat32 } from '../wasm/backend.js';
import { Tensor } from '../tensor.js';
import { checkOptions } from '../options.js';

const MATMUL_OPTIONS = ['transA', 'transB', 'alpha', 'beta', 'bias', 'out'];

/** Options of {@link matmul}: transposes, `alpha`/`beta` scaling, a bias row and an output tensor (GEMM-style). */
export interface MatmulOptions {
  /** Use Aᵀ: A is stored [K, M]. */
  transA?: boolean;
  /** Use Bᵀ: B is stored [N, K]. */
  transB?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Scale of the existing `out` (default 0: `out` is overwritten, not read). */
  beta?: number;
  /** Bias [N] added to every row. */
  bias?: Tensor | null;
  /** Destination [M, N]; allocated when omitted. Required when beta ≠ 0. */
  out?: Tensor;
}

/**
 * C = alpha·op(A)·op(B) + beta·C (+ bias), where op(X) is X or Xᵀ.
 * Layouts: NN (A [M,K], B [K,N]), NT (A [M,K], B [N,K]), TN (A [K,M], B [K,N]).
 *
 * ```ts
 * const c = matmul(a, b);                          // [M,K]·[K,N] -> [M,N]
 * matmul(x, w, { transB: true, bias: b, out: y }); // y = x·wᵀ + b, like Linear
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkOptions('matmul', options, MATMUL_OPTIONS);
  const { transA = false, transB = false, alpha = 1, beta = 0, bias = null, out } = options;
  const op = 'matmul';
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new ShapeError(`${op}: expected 2-D tensors, got a ${formatShape(a.shape)} and b ${formatShape(b.shape)}`);
  }
  if (transA && transB) throw new RangeError(`${op}: transA and transB together (TT) is not supported; transpose one operand first`);
  const M = transA ? a.shape[1] : a.shape[0];
  const K = transA ? a.shape[0] : a.shape[1];
  const Kb = transB ? b.shape[1] : b.shape[0];
  const N = transB ? b.shape[0] : b.shape[1];
  if (K !== Kb) {
    const ad = transA ? 0 : 1,
      bd = transB ? 1 : 0;
    throw new ShapeError(
      `${op}: inner dimensions differ: a${transA ? 'ᵀ' : ''} ${formatShape(a.shape)} does not match ` +
        `b${transB ? 'ᵀ' : ''} ${formatShape(b.shape)} (a.shape[${ad}]=${K}, b.shape[${bd}]=${Kb})`,
    );
  }
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new RangeError(`${op}: alpha and beta must be finite, got alpha=${alpha}, beta=${beta}`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== N)) {
    throw new ShapeError(`${op}: bias ${formatShape(bias.shape)} does not match the output's columns (expected [${N}])`);
  }
  let c: Tensor;
  if (out !== undefined) {
    if (out.ndim !== 2 || out.shape[0] !== M || out.shape[1] !== N) {
      throw new ShapeError(
        `${op}: out ${formatShape(out.shape)} does not match the product's shape [${M}, ${N}] ` + `(a ${formatShape(a.shape)}, b ${formatShape(b.shape)})`,
      );
    }
    if (out.data === a.data || out.data === b.data) throw new RangeError(`${op}: out must not share memory with a or b`);
    c = out;
  } else {
    if (beta !== 0) throw new RangeError(`${op}: beta=${beta} needs an existing out tensor to scale`);
    c = new Tensor(newFloat32(M * N), [M, N]);
  }
  const bd = bias === null ? null : bias.data;
  if (transA) matmulTN(c.data, a.data, b.data, bd, M, K, N, alpha, beta);
  else if (transB) matmulNT(c.data, a.data, b.data, bd, M, K, N, alpha, beta);
  else matmulNN(c.data, a.data, b.data, bd, M, K, N, alpha, beta);
  return c;
}
