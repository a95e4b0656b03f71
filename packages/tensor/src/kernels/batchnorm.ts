// BatchNorm1d kernels over a [B, C] batch (B rows, C features/channels), PyTorch's formulas:
// training normalises with the biased batch variance; the caller updates running stats.

// x: [B, C] -> mean: [C], variance: [C] (biased, divides by B)
/** Per-feature batch mean and biased variance (two-pass, float64). Overwrites mean and variance. */
export function batchNormStats(mean: Float32Array, variance: Float32Array, x: Float32Array, B: number, C: number): void {
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let b = 0; b < B; b++) s += x[b * C + c];
    const m = s / B;
    let v = 0;
    for (let b = 0; b < B; b++) {
      const d = x[b * C + c] - m;
      v += d * d;
    }
    mean[c] = m;
    variance[c] = v / B;
  }
}

// x: [B, C], mean/variance/gamma/beta: [C] -> out: [B, C], xhat: [B, C]
/** xhat = (x − mean)/√(variance + eps); out = gamma·xhat + beta (gamma/beta null: no affine). Overwrites out, xhat. */
export function batchNormNormalize(
  out: Float32Array,
  xhat: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  B: number,
  C: number,
  eps: number,
): void {
  for (let b = 0; b < B; b++) {
    const row = b * C;
    for (let c = 0; c < C; c++) {
      const h = (x[row + c] - mean[c]) / Math.sqrt(variance[c] + eps);
      xhat[row + c] = h;
      out[row + c] = gamma === null ? h : gamma[c] * h + (beta === null ? 0 : beta[c]);
    }
  }
}

/**
 * Accumulates dx[B, C], dGamma[C], dBeta[C]. batchStats = true: the statistics came from this batch
 * (training), so dx = invstd/B·(B·dxhat − Σdxhat − xhat·Σ(dxhat·xhat)); false (eval): dx = dxhat·invstd.
 */
export function batchNormBackward(
  dx: Float32Array,
  dGamma: Float32Array | null,
  dBeta: Float32Array | null,
  dout: Float32Array,
  xhat: Float32Array,
  variance: Float32Array,
  gamma: Float32Array | null,
  B: number,
  C: number,
  eps: number,
  batchStats: boolean,
): void {
  for (let c = 0; c < C; c++) {
    const invstd = 1 / Math.sqrt(variance[c] + eps);
    const g = gamma === null ? 1 : gamma[c];
    let sumD = 0,
      sumDH = 0;
    for (let b = 0; b < B; b++) {
      const d = dout[b * C + c];
      sumD += d;
      sumDH += d * xhat[b * C + c];
    }
    if (dGamma !== null) dGamma[c] += sumDH;
    if (dBeta !== null) dBeta[c] += sumD;
    if (batchStats) {
      const k = (g * invstd) / B;
      for (let b = 0; b < B; b++) {
        const i = b * C + c;
        dx[i] += k * (B * dout[i] - sumD - xhat[i] * sumDH);
      }
    } else {
      const k = g * invstd;
      for (let b = 0; b < B; b++) dx[b * C + c] += k * dout[b * C + c];
    }
  }
}
