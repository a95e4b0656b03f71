// Per-song summaries of the MSD's per-segment audio features (timbre: 12 MFCC-like coefficients;
// pitches: 12 chroma values): means, variances and the covariance upper triangle, optionally
// weighted by segment duration. Conventions (checked against ../shared/data):
//  - variances default to POPULATION (ddof = 0): the MSD genre dataset (msd_genre_dataset.txt) and
//    timbre_pitch_summary_BD.csv use numpy's var(), ddof 0;
//  - covariances default to SAMPLE (ddof = 1): YearPredictionMSD's "12 timbre averages + 78 timbre
//    covariances" come from numpy.cov, whose default is ddof 1 (msd10k-timbre-avg-cov-year agrees to
//    7e-14 with np.cov(timbre, rowvar=False)). We store the upper triangle row by row (i <= j); that
//    folder's own column order is a known source quirk and is NOT reproduced.
// Weighted statistics use numpy's `aweights` rules: mean = Σw·x/Σw, and the ddof correction divides
// by Σw − ddof·Σw²/Σw (so unit weights give exactly the unweighted results).

import type { Matrix12, Song } from './song.js';

/** Number of (i, j) pairs with i <= j among 12 coefficients. */
export const COV_SIZE = 78;

/** The (i, j) pair of each covariance entry: row-major upper triangle, (0,0), (0,1) … (0,11), (1,1) … (11,11). */
export const COV_PAIRS: readonly (readonly [number, number])[] = (() => {
  const out: [number, number][] = [];
  for (let i = 0; i < 12; i++) for (let j = i; j < 12; j++) out.push([i, j]);
  return out;
})();

/** Options of {@link summarizeSegments} and {@link audioSummary}. */
export interface AudioSummaryOptions {
  /** Weight each segment by its duration ({@link segmentDurations}). Default false (every segment counts once). */
  readonly weighted?: boolean;
  /** Delta degrees of freedom of the variances. Default 0 (population). */
  readonly varianceDdof?: number;
  /** Delta degrees of freedom of the covariances. Default 1 (sample, numpy.cov / YearPredictionMSD). */
  readonly covarianceDdof?: number;
}

/** Mean, variance and covariance upper triangle of one N×12 matrix. */
export interface SegmentStats {
  readonly mean: Float64Array; // [12]
  readonly variance: Float64Array; // [12]
  /** [78], order of COV_PAIRS; computed on first access (the summary keeps the matrix until then). */
  readonly covariance: Float64Array;
}

/** The audio summary of one song. */
export interface AudioSummary {
  readonly segments: number;
  readonly timbre: SegmentStats;
  readonly pitches: SegmentStats;
}

/**
 * Duration of each segment: the gap to the next segment's start; the last one runs to the end of
 * the song (`duration`). Negative gaps (never seen in the MSD) count as 0.
 */
export function segmentDurations(segmentsStart: Float64Array, songDuration: number): Float64Array {
  const n = segmentsStart.length;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const end = k + 1 < n ? segmentsStart[k + 1] : songDuration;
    const d = end - segmentsStart[k];
    out[k] = d > 0 ? d : 0;
  }
  return out;
}

/**
 * Mean, variance and covariance (upper triangle) over the rows of an N×12 matrix, two-pass in
 * float64. `weights` (length N, non-negative) makes every statistic weighted.
 *
 * @example
 * const s = summarizeSegments(song.segments_timbre);          // population var, sample cov
 * const w = summarizeSegments(song.segments_timbre, segmentDurations(song.segments_start, song.duration));
 */
export function summarizeSegments(m: Matrix12, weights: Float64Array | null = null, opts: Omit<AudioSummaryOptions, 'weighted'> = {}): SegmentStats {
  const varDdof = opts.varianceDdof ?? 0,
    covDdof = opts.covarianceDdof ?? 1;
  const N = m.rows,
    C = 12,
    x = m.data;
  if (m.cols !== 12 || x.length !== N * C) {
    throw new RangeError(`summarizeSegments: matrix of ${x.length} values is not rows=${N} × cols=12`);
  }
  if (weights !== null && weights.length !== N) {
    throw new RangeError(`summarizeSegments: ${weights.length} weights for ${N} rows`);
  }
  let v1 = 0,
    v2 = 0; // Σw, Σw²
  if (weights === null) {
    v1 = N;
    v2 = N;
  } else {
    for (let k = 0; k < N; k++) {
      const w = weights[k];
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`summarizeSegments: weight ${k} is ${w} (must be finite and >= 0)`);
      v1 += w;
      v2 += w * w;
    }
  }
  if (!(v1 > 0)) throw new RangeError(`summarizeSegments: no segments (or all weights 0) among ${N} rows`);
  const mean = new Float64Array(C);
  for (let k = 0; k < N; k++) {
    const w = weights === null ? 1 : weights[k],
      row = k * C;
    for (let c = 0; c < C; c++) mean[c] += w * x[row + c];
  }
  for (let c = 0; c < C; c++) mean[c] /= v1;
  const varDen = v1 - (varDdof * v2) / v1,
    covDen = v1 - (covDdof * v2) / v1;
  if (!(varDen > 0) || !(covDen > 0)) {
    throw new RangeError(`summarizeSegments: ${N} segment(s) are too few for ddof ${Math.max(varDdof, covDdof)}`);
  }
  // Centred squares in float64. Each term is (w·dᵢ)·dᵢ, the diagonal term of the cross products below,
  // so the variances are bit-identical to the covariance triangle's diagonal.
  const variance = new Float64Array(C);
  for (let k = 0; k < N; k++) {
    const w = weights === null ? 1 : weights[k],
      row = k * C;
    for (let c = 0; c < C; c++) {
      const dc = x[row + c] - mean[c];
      variance[c] += w * dc * dc;
    }
  }
  for (let c = 0; c < C; c++) variance[c] /= varDen;
  // The 78 covariances cost 6x the rest; computed on first access only (extraction never reads them).
  let covariance: Float64Array | null = null;
  return {
    mean,
    variance,
    get covariance(): Float64Array {
      if (covariance === null) {
        const cross = new Float64Array(COV_SIZE),
          d = new Float64Array(C);
        for (let k = 0; k < N; k++) {
          const w = weights === null ? 1 : weights[k],
            row = k * C;
          for (let c = 0; c < C; c++) d[c] = x[row + c] - mean[c];
          let p = 0;
          for (let i = 0; i < C; i++) {
            const wdi = w * d[i];
            for (let j = i; j < C; j++) cross[p++] += wdi * d[j];
          }
        }
        for (let p = 0; p < COV_SIZE; p++) cross[p] /= covDen;
        covariance = cross;
      }
      return covariance;
    },
  };
}

/**
 * Timbre and pitch summaries of a song (means, variances, covariances; see the file header for
 * the ddof conventions).
 *
 * @example
 * const a = audioSummary(song, { weighted: true });
 * a.timbre.mean[0]; // duration-weighted mean loudness-like first timbre coefficient
 */
export function audioSummary(song: Song, opts: AudioSummaryOptions = {}): AudioSummary {
  const n = song.segments_timbre.rows;
  if (song.segments_pitches.rows !== n) {
    throw new RangeError(`audioSummary: ${song.track_id}: ${n} timbre rows but ${song.segments_pitches.rows} pitch rows`);
  }
  if (n === 0) throw new RangeError(`audioSummary: ${song.track_id}: no segments`);
  let weights: Float64Array | null = null;
  if (opts.weighted === true) {
    if (song.segments_start.length !== n) {
      throw new RangeError(`audioSummary: ${song.track_id}: ${song.segments_start.length} segment starts for ${n} segments`);
    }
    weights = segmentDurations(song.segments_start, song.duration);
  }
  try {
    return { segments: n, timbre: summarizeSegments(song.segments_timbre, weights, opts), pitches: summarizeSegments(song.segments_pitches, weights, opts) };
  } catch (e) {
    throw new RangeError(`audioSummary: ${song.track_id}: ${(e as Error).message}`);
  }
}

/** Column names of the summary features, 1-based like the MSD genre dataset: avg_timbre1 … var_pitch12, cov_timbre_1_1 …. */
export function audioFeatureNames(opts: { covariance?: boolean } = {}): string[] {
  const names: string[] = [];
  for (const kind of ['timbre', 'pitch']) {
    for (let c = 1; c <= 12; c++) names.push(`avg_${kind}${c}`);
    for (let c = 1; c <= 12; c++) names.push(`var_${kind}${c}`);
  }
  if (opts.covariance === true) {
    for (const kind of ['timbre', 'pitch']) for (const [i, j] of COV_PAIRS) names.push(`cov_${kind}_${i + 1}_${j + 1}`);
  }
  return names;
}

/** The values of {@link audioFeatureNames} for one summary, in the same order. */
export function audioFeatureValues(s: AudioSummary, opts: { covariance?: boolean } = {}): number[] {
  const out: number[] = [];
  for (const st of [s.timbre, s.pitches]) {
    for (let c = 0; c < 12; c++) out.push(st.mean[c]);
    for (let c = 0; c < 12; c++) out.push(st.variance[c]);
  }
  if (opts.covariance === true) for (const st of [s.timbre, s.pitches]) for (let p = 0; p < COV_SIZE; p++) out.push(st.covariance[p]);
  return out;
}
