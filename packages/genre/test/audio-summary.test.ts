// Audio summaries vs independent numpy extractions of the same real files:
// timbre_pitch_summary_BD.csv (mean, population var of timbre; mean of pitches) and
// msd10k-timbre-avg-cov-year (np.cov, ddof 1, in that source's own column order).
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readSongs } from '../src/index.js';
import type { Song } from '../src/index.js';
import { audioSummary, audioFeatureNames, audioFeatureValues, COV_PAIRS, segmentDurations, summarizeSegments } from '../src/msd/audio.js';
import { DATA, H5_ROOT, listH5, loadCsv, readNpz } from './msd-helpers.js';

const songs: Song[] = [];
beforeAll(() => {
  for (const p of listH5(H5_ROOT)) songs.push(readSongs(p)[0]);
}, 120_000);

const close = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

describe('audio summaries of the real files', () => {
  it('means and population variances equal timbre_pitch_summary_BD.csv (279 songs)', { timeout: 60_000 }, async () => {
    const ref = await loadCsv(join(DATA, 'msd10k-h5', 'timbre_pitch_summary_BD.csv'));
    expect(ref.length).toBe(279);
    const byId = new Map(songs.map((s) => [s.track_id, s]));
    const bad: string[] = [];
    for (const r of ref) {
      const s = byId.get(r.track_id);
      expect(s, r.track_id).toBeDefined();
      const a = audioSummary(s!);
      expect(a.segments).toBe(Number(r.n_segments));
      for (let c = 0; c < 12; c++) {
        const checks: [string, number][] = [
          [`avg_timbre${c + 1}`, a.timbre.mean[c]],
          [`var_timbre${c + 1}`, a.timbre.variance[c]],
          [`avg_pitch${c + 1}`, a.pitches.mean[c]],
        ];
        for (const [col, ours] of checks) if (!close(ours, Number(r[col]), 1e-11)) bad.push(`${r.track_id}.${col}: ${ours} vs ${r[col]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('sample covariances equal np.cov in msd10k-timbre-avg-cov-year (its column order decoded)', { timeout: 60_000 }, () => {
    const npz = readNpz(join(DATA, 'msd10k-timbre-avg-cov-year', 'timbre_avg_cov_year.npz'));
    const ids = npz.track_id.data as string[];
    const avg = npz.timbre_avg.data as Float64Array,
      cov = npz.timbre_cov.data as Float64Array;
    const ci = npz.cov_index_i.data as number[],
      cj = npz.cov_index_j.data as number[];
    expect(cov.length).toBe(ids.length * 78);
    const row = new Map(ids.map((id, k) => [id, k]));
    const pairIndex = new Map(COV_PAIRS.map(([i, j], p) => [`${i},${j}`, p]));
    let compared = 0;
    const bad: string[] = [];
    for (const s of songs) {
      const k = row.get(s.track_id);
      if (k === undefined) continue;
      const a = audioSummary(s);
      for (let c = 0; c < 12; c++) if (!close(a.timbre.mean[c], avg[k * 12 + c], 1e-12)) bad.push(`${s.track_id} avg${c}`);
      for (let q = 0; q < 78; q++) {
        const i = Math.min(ci[q], cj[q]),
          j = Math.max(ci[q], cj[q]);
        const ours = a.timbre.covariance[pairIndex.get(`${i},${j}`)!];
        if (!close(ours, cov[k * 78 + q], 1e-10)) bad.push(`${s.track_id} cov(${ci[q]},${cj[q]}): ${ours} vs ${cov[k * 78 + q]}`);
      }
      compared++;
    }
    expect(bad).toEqual([]);
    expect(compared).toBeGreaterThan(100); // the provenance lists 137 overlapping tracks
  });

  it('covariance diagonal and variances agree up to the ddof factor', () => {
    for (const s of songs.slice(0, 40)) {
      const a = audioSummary(s);
      const n = a.segments;
      for (let c = 0; c < 12; c++) {
        const p = COV_PAIRS.findIndex(([i, j]) => i === c && j === c);
        expect(close((a.timbre.covariance[p] * (n - 1)) / n, a.timbre.variance[c], 1e-12)).toBe(true);
        expect(close((a.pitches.covariance[p] * (n - 1)) / n, a.pitches.variance[c], 1e-12)).toBe(true);
      }
    }
  });

  it('with equal ddofs the variances are exactly the covariance diagonal (weighted too); covariance is computed once, on access', () => {
    const s = songs[5],
      n = s.segments_timbre.rows;
    const diag = Array.from({ length: 12 }, (_, c) => COV_PAIRS.findIndex(([i, j]) => i === c && j === c));
    const w = new Float64Array(n);
    for (let k = 0; k < n; k++) w[k] = 0.5 + (k % 5) / 4;
    for (const weights of [null, w]) {
      for (const ddof of [0, 1]) {
        const st = summarizeSegments(s.segments_pitches, weights, { varianceDdof: ddof, covarianceDdof: ddof });
        const cov = st.covariance;
        expect(cov).toHaveLength(78);
        for (let c = 0; c < 12; c++) expect(st.variance[c]).toBe(cov[diag[c]]);
        expect(st.covariance).toBe(cov); // the same array on every access
      }
    }
    // too few segments for the covariance ddof is still an error when summarising, not on access
    const one = { rows: 1, cols: 12 as const, data: s.segments_timbre.data.slice(0, 12) };
    expect(() => summarizeSegments(one)).toThrow(/too few for ddof 1/);
  });

  it('duration weights: unit weights change nothing; integer weights equal repeated segments', () => {
    const s = songs[11];
    const m = s.segments_timbre,
      n = m.rows;
    const plain = summarizeSegments(m, null, { covarianceDdof: 0 });
    const unit = summarizeSegments(m, new Float64Array(n).fill(1), { covarianceDdof: 0 });
    for (let c = 0; c < 12; c++) expect(close(unit.variance[c], plain.variance[c], 1e-13)).toBe(true);
    const w = new Float64Array(n);
    for (let k = 0; k < n; k++) w[k] = 1 + (k % 3);
    const rows: number[] = [];
    for (let k = 0; k < n; k++) for (let r = 0; r < w[k]; r++) rows.push(...m.data.subarray(k * 12, k * 12 + 12));
    const repeated = summarizeSegments({ rows: rows.length / 12, cols: 12, data: Float64Array.from(rows) }, null, { covarianceDdof: 0 });
    const weighted = summarizeSegments(m, w, { covarianceDdof: 0 });
    for (let c = 0; c < 12; c++) {
      expect(close(weighted.mean[c], repeated.mean[c], 1e-12)).toBe(true);
      expect(close(weighted.variance[c], repeated.variance[c], 1e-11)).toBe(true);
    }
    for (let p = 0; p < 78; p++) expect(close(weighted.covariance[p], repeated.covariance[p], 1e-11)).toBe(true);
  });

  it('segment durations tile the song from the first segment to the end', () => {
    for (const s of songs.slice(0, 30)) {
      const d = segmentDurations(s.segments_start, s.duration);
      const total = d.reduce((a, b) => a + b, 0);
      expect(close(total, s.duration - s.segments_start[0], 1e-9)).toBe(true);
      const a = audioSummary(s, { weighted: true });
      const b = audioSummary(s);
      expect(a.timbre.mean[0]).not.toBe(b.timbre.mean[0]); // weighting really changes the result
    }
  });

  it('feature names and values line up; bad input is a clear error', () => {
    const a = audioSummary(songs[0]);
    expect(audioFeatureNames().length).toBe(48);
    expect(audioFeatureValues(a).length).toBe(48);
    expect(audioFeatureNames({ covariance: true }).length).toBe(48 + 156);
    expect(audioFeatureValues(a, { covariance: true })[48]).toBe(a.timbre.covariance[0]);
    const empty = {
      ...songs[0],
      segments_timbre: { rows: 0, cols: 12 as const, data: new Float64Array(0) },
      segments_pitches: { rows: 0, cols: 12 as const, data: new Float64Array(0) },
    };
    expect(() => audioSummary(empty)).toThrow(/no segments/);
    const one = { rows: 1, cols: 12 as const, data: new Float64Array(12) };
    expect(() => summarizeSegments(one)).toThrow(/too few for ddof 1/);
    expect(() => summarizeSegments(one, new Float64Array([-1]))).toThrow(/weight 0 is -1/);
  });
});
