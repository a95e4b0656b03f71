// The audio features the models are compared on, checked against the MSD genre dataset itself:
// every row of msd-genre-2class-subset whose .h5 file is in msd10k-h5 must have avg_timbre =
// mean and var_timbre = population variance (ddof 0) of the file's segments_timbre, and the
// covariance diagonal must be that variance × n/(n−1) (sample covariance, ddof 1).
import { basename, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readSongs } from '../src/index.js';
import { audioSummary, COV_PAIRS } from '../src/msd/audio.js';
import { readCsv } from '../src/io/csv.js';
import { DATA, H5_ROOT, listH5 } from './msd-helpers.js';

vi.setConfig({ testTimeout: 60_000 });

describe('audio summaries vs the MSD genre dataset (2-class slice)', () => {
  it('avg/var timbre of the rows whose .h5 files we have', async () => {
    const { rows } = await readCsv(join(DATA, 'msd-genre-2class-subset', 'msd_genre_dataset.txt'), 'test');
    const header = rows[0];
    const col = (n: string) => header.indexOf(n);
    const h5 = new Map(listH5(H5_ROOT).map((p) => [basename(p, '.h5'), p]));
    const bad: string[] = [];
    let compared = 0;
    for (const r of rows.slice(1)) {
      const path = h5.get(r[col('track_id')]);
      if (path === undefined || r.length !== header.length) continue;
      const a = audioSummary(readSongs(path)[0]);
      const n = a.segments;
      for (let c = 0; c < 12; c++) {
        const avg = Number(r[col(`avg_timbre${c + 1}`)]),
          v = Number(r[col(`var_timbre${c + 1}`)]);
        // the file prints ~12 significant digits
        if (Math.abs(a.timbre.mean[c] - avg) > 1e-8 * Math.max(1, Math.abs(avg))) bad.push(`${r[1]} avg_timbre${c + 1}: ${a.timbre.mean[c]} vs ${avg}`);
        if (Math.abs(a.timbre.variance[c] - v) > 1e-8 * Math.max(1, Math.abs(v))) bad.push(`${r[1]} var_timbre${c + 1}: ${a.timbre.variance[c]} vs ${v}`);
        const p = COV_PAIRS.findIndex(([i, j]) => i === c && j === c);
        if (n > 1 && Math.abs((a.timbre.covariance[p] * (n - 1)) / n - v) > 1e-8 * Math.max(1, Math.abs(v))) bad.push(`${r[1]} cov(${c},${c})`);
      }
      compared++;
    }
    expect(bad).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(5); // PROVENANCE.md names 5 such tracks
  });
});
