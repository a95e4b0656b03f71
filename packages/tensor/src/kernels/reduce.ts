// Reductions along one axis. The tensor is viewed as [outer, n, inner] where n is the reduced
// axis, so out is [outer, inner] (out[o * inner + i] reduces x[o, :, i]). A reduction over all
// elements is outer = inner = 1. Sums accumulate in float64 and store once.
// max/min/argmax propagate NaN like PyTorch: once a NaN is seen it wins.

// x: [outer, n, inner] -> out: [outer, inner]
export function sumAxisKernel(out: Float32Array, x: Float32Array, outer: number, n: number, inner: number, scale: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      let acc = 0;
      for (let k = 0; k < n; k++) acc += x[base + k];
      out[o] = acc * scale;
    }
    return;
  }
  // Walk x contiguously and accumulate into a float64 row, so strided reads are avoided.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * n * inner;
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[row + i];
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i] * scale;
  }
}

// x: [outer, n, inner] -> out: [outer, inner]; n >= 1.
export function maxAxisKernel(out: Float32Array, x: Float32Array, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i];
      for (let k = 1; k < n; k++) {
        const v = x[base + k * inner + i];
        if (best === best && (v > best || v !== v)) best = v;
      }
      out[o * inner + i] = best;
    }
  }
}

export function minAxisKernel(out: Float32Array, x: Float32Array, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i];
      for (let k = 1; k < n; k++) {
        const v = x[base + k * inner + i];
        if (best === best && (v < best || v !== v)) best = v;
      }
      out[o * inner + i] = best;
    }
  }
}

/** Index (0..n-1) of the largest value along the axis; the first one on ties; a NaN wins. */
export function argmaxAxisKernel(out: Int32Array, x: Float32Array, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i],
        at = 0;
      for (let k = 1; k < n; k++) {
        const v = x[base + k * inner + i];
        if (best === best && (v > best || v !== v)) {
          best = v;
          at = k;
        }
      }
      out[o * inner + i] = at;
    }
  }
}

/** Index of the smallest value along the axis; the first one on ties; a NaN wins. */
export function argminAxisKernel(out: Int32Array, x: Float32Array, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i],
        at = 0;
      for (let k = 1; k < n; k++) {
        const v = x[base + k * inner + i];
        if (best === best && (v < best || v !== v)) {
          best = v;
          at = k;
        }
      }
      out[o * inner + i] = at;
    }
  }
}

// x: [outer, n, inner] -> out: [outer, inner]
/**
 * Variance along the axis: Σ(x − mean)² / max(0, n − correction), two passes in float64 (no cancellation for a large
 * mean), as PyTorch's var(correction=…); its square root when `root` (std). n − correction ≤ 0 gives NaN or Inf, as
 * in PyTorch. Overwrites out.
 */
export function varianceAxisKernel(out: Float32Array, x: Float32Array, outer: number, n: number, inner: number, correction: number, root: boolean): void {
  const denom = Math.max(0, n - correction);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += x[base + k * inner + i];
      const m = s / n;
      let ss = 0;
      for (let k = 0; k < n; k++) {
        const d = x[base + k * inner + i] - m;
        ss += d * d;
      }
      const v = ss / denom;
      out[o * inner + i] = root ? Math.sqrt(v) : v;
    }
  }
}
