// Finite-difference gradient checking: central differences with the loss summed in float64.
// Float32 storage limits agreement to ~1e-3..1e-2 relative, so the default tolerance is 1e-2 (STYLE.md §7).

import { Rng, type Tensor, randn, checkOptions } from '@timbre/tensor';
import type { Module } from './module.js';

/**
 * Central-difference gradient of `f` with respect to every entry of `x` (perturbed in place, restored).
 * `f` must recompute from `x` each call and return a float64 number.
 *
 * ```ts
 * const g = numericalGradient(() => lossOf(x), x.data, 1e-3);
 * ```
 */
export function numericalGradient(f: () => number, x: Float32Array, h = 1e-3): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const orig = x[i];
    x[i] = orig + h;
    const up = x[i]; // the float32 value actually used
    const fp = f();
    x[i] = orig - h;
    const down = x[i];
    const fm = f();
    x[i] = orig;
    g[i] = (fp - fm) / (up - down);
  }
  return g;
}

/**
 * max_i |a_i − n_i| / max(|a_i|, |n_i|, floor): relative error, with an absolute floor so entries whose true
 * gradient is ~0 (where float32 rounding dominates) do not dominate.
 */
export function maxRelError(analytic: ArrayLike<number>, numeric: ArrayLike<number>, floor = 1e-3): number {
  if (analytic.length !== numeric.length) throw new RangeError(`maxRelError: lengths differ (${analytic.length} vs ${numeric.length})`);
  let worst = 0;
  for (let i = 0; i < analytic.length; i++) {
    const a = analytic[i],
      n = numeric[i];
    const e = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), floor);
    if (!(e <= worst)) worst = e; // NaN propagates as the worst
  }
  return worst;
}

/** Result of `gradcheck`: the worst relative error per checked tensor and overall. */
export interface GradcheckResult {
  /** True when every max relative error is below the tolerance. */
  ok: boolean;
  /** The largest of `errors`. */
  maxRelError: number;
  /** name ('input', or a parameter name) -> max relative error */
  errors: Record<string, number>;
}

/**
 * Checks `module`'s backward against central differences of L = Σ forward(x)·r for a random r, with
 * respect to the input and every parameter. Put the module in the mode you want checked (Dropout must
 * be in eval mode or it will draw a new mask per call).
 *
 * ```ts
 * const res = gradcheck(new Linear(5, 3), randn([4, 5], rng), { rng });
 * if (!res.ok) console.log(res.errors);
 * ```
 */
export function gradcheck(module: Module, input: Tensor, options: { rng?: Rng; h?: number; tolerance?: number; floor?: number } = {}): GradcheckResult {
  checkOptions('gradcheck', options, ['rng', 'h', 'tolerance', 'floor']);
  const { rng = new Rng(0), h = 1e-3, tolerance = 1e-2, floor = 1e-3 } = options;
  const x = input.clone();
  const out0 = module.forward(x);
  const r = randn(out0.shape, rng);
  const loss = (): number => {
    const o = module.forward(x).data;
    let acc = 0;
    for (let i = 0; i < o.length; i++) acc += o[i] * r.data[i];
    return acc;
  };
  module.zeroGrad();
  module.forward(x);
  const dx = (module.backward(r) as Tensor).clone();
  const errors: Record<string, number> = {};
  errors.input = maxRelError(dx.data, numericalGradient(loss, x.data, h), floor);
  for (const [name, p] of module.namedParameters()) {
    const analytic = p.grad.data.slice();
    errors[name] = maxRelError(analytic, numericalGradient(loss, p.data, h), floor);
  }
  const worst = Math.max(...Object.values(errors));
  return { ok: worst < tolerance, maxRelError: worst, errors };
}
