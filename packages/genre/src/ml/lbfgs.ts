// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, alg. 7.4/7.5) with a backtracking
// Armijo line search. Works in float64 on a flat parameter vector; used by LogisticRegression.

/** Objective: returns f(x) and writes ∇f(x) into grad (overwrites). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Options of {@link lbfgs}: history size, iteration cap and the two stopping tolerances. */
export interface LbfgsOptions {
  /** History pairs kept (default 10). */
  memory?: number;
  /** Maximum iterations (default 500). */
  maxIter?: number;
  /** Stop when max |∇f| falls below this (default 1e-6). */
  gradTol?: number;
  /** Stop when the relative decrease of f in one step is below this (default 1e-12). */
  fTol?: number;
}

/** What {@link lbfgs} returns: the last point `x`, its objective value `f`, the iterations run and whether a tolerance was met. */
export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/** Minimises `fn` from `x0` (not modified). */
export function lbfgs(fn: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const { memory = 10, maxIter = 500, gradTol = 1e-6, fTol = 1e-12 } = options;
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = fn(x, g);
  if (!Number.isFinite(f)) throw new RangeError(`lbfgs: objective is ${f} at the starting point`);
  const S: Float64Array[] = [],
    Y: Float64Array[] = [],
    rho: number[] = [];
  const d = new Float64Array(n),
    xNew = new Float64Array(n),
    gNew = new Float64Array(n);
  const alpha = new Float64Array(memory);
  let it = 0;
  for (; it < maxIter; it++) {
    if (maxAbs(g) < gradTol) return { x, f, iterations: it, converged: true };
    // Two-loop recursion: d = -H·g.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    const m = S.length;
    for (let j = m - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], d);
      const yj = Y[j];
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * yj[i];
    }
    if (m > 0) {
      const gamma = dot(S[m - 1], Y[m - 1]) / dot(Y[m - 1], Y[m - 1]); // initial Hessian scale
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < m; j++) {
      const beta = rho[j] * dot(Y[j], d);
      const sj = S[j];
      for (let i = 0; i < n; i++) d[i] += (alpha[j] - beta) * sj[i];
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // not a descent direction: fall back to steepest descent and forget history
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = dot(g, d);
    }
    // Backtracking Armijo; the first step of a fresh history is scaled to length 1.
    let step = S.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let fNew = NaN,
      accepted = false;
    for (let ls = 0; ls < 60; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = fn(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) return { x, f, iterations: it, converged: maxAbs(g) < gradTol * 10 };
    const s = new Float64Array(n),
      y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      // keep only pairs with positive curvature
      if (S.length === memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const fOld = f;
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    if (Math.abs(fOld - f) <= fTol * Math.max(1, Math.abs(f))) {
      return { x, f, iterations: it + 1, converged: true };
    }
  }
  return { x, f, iterations: it, converged: maxAbs(g) < gradTol };
}
