// Tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kégl, NeurIPS 2011), maximising.
// Finished trials are split at the γ-quantile of their scores into "good" and "bad"; each parameter
// gets two densities l(x) (good) and g(x) (bad) — truncated Gaussian mixtures on the unit (log)
// scale, or smoothed category frequencies — and the candidate drawn from l with the largest
// Σ log l(x) − log g(x) over parameters is proposed. Parameters are treated independently.

import type { Rng } from '@timbre/tensor';
import { fromUnit, sampleParams, toUnit, type ParamSpec, type Params, type ParamValue, type SearchSpace } from './space.js';

/** Options of {@link tpeSuggest} (Tree-structured Parzen Estimator): good-trial fraction, candidates per proposal, random start-up trials. */
export interface TpeOptions {
  /** Fraction of trials counted as good (default 0.25). */
  gamma?: number;
  /** Candidates drawn from l(x) per proposal (default 24). */
  candidates?: number;
  /** Random proposals before TPE starts (default 5). */
  startup?: number;
}

/** A finished trial as TPE sees it. */
export interface Observation {
  readonly params: Params;
  readonly score: number;
}

interface Parzen {
  mu: number[];
  sigma: number[];
  weight: number[]; // per component, sum 1 (last one is the prior)
}

/** Mixture over points in [0,1]: one Gaussian per point (bandwidth from neighbour gaps) plus a wide prior. */
function parzen(points: number[]): Parzen {
  const sorted = [...points].sort((a, b) => a - b);
  const n = sorted.length;
  const mu: number[] = [],
    sigma: number[] = [],
    weight: number[] = [];
  const minSigma = 1 / Math.min(100, n + 1),
    maxSigma = 1;
  for (let i = 0; i < n; i++) {
    const left = i > 0 ? sorted[i] - sorted[i - 1] : sorted[i];
    const right = i < n - 1 ? sorted[i + 1] - sorted[i] : 1 - sorted[i];
    mu.push(sorted[i]);
    sigma.push(Math.min(maxSigma, Math.max(minSigma, left, right)));
    weight.push(1);
  }
  mu.push(0.5);
  sigma.push(1);
  weight.push(1); // prior: keeps some mass everywhere
  const s = weight.reduce((a, b) => a + b, 0);
  return { mu, sigma, weight: weight.map((w) => w / s) };
}

const SQRT2PI = Math.sqrt(2 * Math.PI);

function normCdf(z: number): number {
  // Abramowitz–Stegun 7.1.26 via erf
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp((-z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Density of the mixture truncated to [0, 1] at u. */
function parzenPdf(p: Parzen, u: number): number {
  let d = 0;
  for (let i = 0; i < p.mu.length; i++) {
    const z = (u - p.mu[i]) / p.sigma[i];
    const mass = normCdf((1 - p.mu[i]) / p.sigma[i]) - normCdf((0 - p.mu[i]) / p.sigma[i]);
    d += (p.weight[i] * Math.exp(-0.5 * z * z)) / (p.sigma[i] * SQRT2PI * Math.max(mass, 1e-12));
  }
  return d;
}

function parzenSample(p: Parzen, rng: Rng): number {
  let r = rng.uniform(),
    i = 0;
  while (i < p.weight.length - 1 && r >= p.weight[i]) r -= p.weight[i++];
  for (let tries = 0; tries < 100; tries++) {
    // rejection to [0, 1]
    const u = p.mu[i] + p.sigma[i] * rng.normal();
    if (u >= 0 && u <= 1) return u;
  }
  return Math.min(1, Math.max(0, p.mu[i]));
}

function categorical(values: readonly ParamValue[], seen: ParamValue[]): number[] {
  const w = values.map(() => 1); // +1 smoothing
  for (const v of seen) {
    const k = values.indexOf(v);
    if (k >= 0) w[k]++;
  }
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
}

/**
 * Proposes the next point. Falls back to random sampling while fewer than `startup` trials
 * (or fewer than 2) are finished.
 *
 * ```ts
 * const next = tpeSuggest(MLP_SPACE, finished, new Rng(7));
 * ```
 */
export function tpeSuggest(space: SearchSpace, history: readonly Observation[], rng: Rng, options: TpeOptions = {}): Params {
  const { gamma = 0.25, candidates = 24, startup = 5 } = options;
  const obs = history.filter((o) => Number.isFinite(o.score));
  if (obs.length < Math.max(2, startup)) return sampleParams(space, rng);
  const sorted = [...obs].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil(gamma * sorted.length));
  const good = sorted.slice(0, nGood),
    bad = sorted.slice(nGood);
  const names = Object.keys(space);
  // per-parameter densities
  const models = names.map((name) => {
    const s = space[name] as ParamSpec;
    if (s.type === 'choice') {
      return {
        name,
        s,
        l: categorical(
          s.values,
          good.map((o) => o.params[name]),
        ),
        g: categorical(
          s.values,
          bad.map((o) => o.params[name]),
        ),
      };
    }
    const toU = (o: Observation) => toUnit(s, Number(o.params[name]));
    return { name, s, lp: parzen(good.map(toU)), gp: parzen(bad.map(toU)) };
  });
  let best: Params | null = null,
    bestScore = -Infinity;
  for (let c = 0; c < candidates; c++) {
    const p: Params = {};
    let score = 0;
    for (const m of models) {
      if (m.s.type === 'choice') {
        const l = (m as { l: number[] }).l,
          g = (m as { g: number[] }).g;
        let r = rng.uniform(),
          k = 0;
        while (k < l.length - 1 && r >= l[k]) r -= l[k++];
        p[m.name] = m.s.values[k];
        score += Math.log(l[k]) - Math.log(g[k]);
      } else {
        const { lp, gp } = m as unknown as { lp: Parzen; gp: Parzen };
        const u = parzenSample(lp, rng);
        const v = fromUnit(m.s, u);
        p[m.name] = v;
        const uq = toUnit(m.s, v); // score the value actually used (ints are rounded)
        score += Math.log(parzenPdf(lp, uq) + 1e-300) - Math.log(parzenPdf(gp, uq) + 1e-300);
      }
    }
    if (score > bestScore) {
      bestScore = score;
      best = p;
    }
  }
  return best!;
}
