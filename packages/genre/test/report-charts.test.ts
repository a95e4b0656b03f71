// The report's charts read the way they should, checked on the SVG's own coordinates: legends clear
// of the curves, a value axis under the bars, a colour scale beside the heat map, the curves' caption
// naming their model, and the auto preset's candidates table and reliability diagram.
import { describe, expect, it } from 'vitest';
import { Rng } from '@timbre/tensor';
import { barChart, heatmap, lineChart } from '../src/report/svg.js';
import { curvesCaption, curveSourceOf, renderReport } from '../src/report/html.js';
import { autoReportInput, autoReportSections, candidatesTableHtml } from '../src/report/auto.js';
import { chooseModel, type ChooseResult } from '../src/ml/select.js';
import { evaluatePredictions } from '../src/ml/metrics.js';
import type { Dataset } from '../src/ml/types.js';

/** Attributes of every element `tag` whose opening tag matches `filter`. */
function elements(svg: string, tag: string, filter: RegExp = /.*/): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))) {
    if (!filter.test(m[1])) continue;
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    out.push(attrs);
  }
  return out;
}

/** Every vertex of every path, and points every 1 px along its segments. */
function pathPoints(svg: string): [number, number][] {
  const pts: [number, number][] = [];
  for (const p of elements(svg, 'path')) {
    const verts = [...p.d.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
    const moves = [...p.d.matchAll(/([ML])/g)].map((m) => m[1]);
    for (let i = 0; i < verts.length; i++) {
      pts.push(verts[i]);
      if (i === 0 || moves[i] === 'M') continue;
      const [x0, y0] = verts[i - 1],
        [x1, y1] = verts[i];
      const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0));
      for (let s = 1; s < steps; s++) pts.push([x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps]);
    }
  }
  return pts;
}

const texts = (svg: string): string[] => [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('line chart legend', () => {
  it('lies outside every curve, even when the curves fill the whole plot', () => {
    // A zigzag between the extremes every epoch covers the plot from corner to corner, so any legend
    // drawn inside the plot area would be crossed by it.
    const zigzag = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0 : 1));
    const rising = Array.from({ length: 40 }, (_, i) => i / 39);
    const svg = lineChart(
      [
        { name: 'train loss', values: zigzag },
        { name: 'a long validation series name', values: rising, dashed: true },
      ],
      { title: 'T', yMin: 0, yMax: 1 },
    );
    const [box] = elements(svg, 'rect', /class="legend-box"/);
    expect(box).toBeDefined();
    const x = Number(box.x),
      y = Number(box.y),
      w = Number(box.width),
      h = Number(box.height);
    expect(w).toBeGreaterThan(0);
    expect(h).toBeGreaterThan(0);
    const pts = pathPoints(svg);
    expect(pts.length).toBeGreaterThan(80);
    const inside = pts.filter(([px, py]) => px >= x && px <= x + w && py >= y && py <= y + h);
    expect(inside, `curve points inside the legend box ${x},${y} ${w}×${h}`).toEqual([]);
    // Both names are in the legend, and the legend fits in the picture.
    const legend = svg.slice(svg.indexOf('<g class="legend">'));
    expect(legend).toContain('>train loss</text>');
    expect(legend).toContain('>a long validation series name</text>');
    const [root] = elements(svg, 'svg');
    expect(x + w).toBeLessThanOrEqual(Number(root.width));
    expect(y).toBeGreaterThanOrEqual(0);
  });
});

describe('bar chart value axis', () => {
  it('has ticks 0 … 1 with labels and gridlines, and a bar of value v ends at v on that axis', () => {
    const svg = barChart(
      ['rock', 'jazz'],
      [
        { name: 'precision', values: [1, 0.25] },
        { name: 'recall', values: [0.5, 0.75] },
      ],
      { max: 1 },
    );
    const axis = svg.slice(svg.indexOf('<g class="value-axis">'), svg.indexOf('</g>', svg.indexOf('<g class="value-axis">')));
    const ticks = [...axis.matchAll(/<text class="tick" x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), label: m[2] }));
    expect(ticks.map((t) => t.label)).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    // one gridline per tick, spanning the bars
    const grid = elements(axis, 'line', /stroke="#e5e5e5"/);
    expect(grid.map((l) => Number(l.x1))).toEqual(ticks.map((t) => t.x));
    // evenly spaced ticks, and the bars measured against them
    const step = ticks[1].x - ticks[0].x;
    for (let k = 1; k < ticks.length; k++) expect(ticks[k].x - ticks[k - 1].x).toBeCloseTo(step, 0);
    const bars = elements(svg, 'rect').filter((r) => r.fill !== undefined && r.width !== undefined && r.x === String(ticks[0].x));
    const widths = bars.map((b) => Number(b.width));
    for (const [v, w] of [
      [1, widths[0]],
      [0.5, widths[1]],
      [0.25, widths[2]],
      [0.75, widths[3]],
    ]) {
      expect(Number(ticks[0].x) + w).toBeCloseTo(ticks[0].x + v * (ticks[5].x - ticks[0].x), 0);
    }
  });
});

describe('heat map colour scale', () => {
  it('shows the range of the row-normalised shares, min and max, and one cell per entry', () => {
    const m = [
      [6, 2, 0],
      [1, 1, 2],
      [0, 3, 9],
    ];
    const shares = m.flatMap((row) => row.map((v) => v / row.reduce((a, b) => a + b, 0)));
    const lo = Math.min(...shares),
      hi = Math.max(...shares);
    const svg = heatmap(m, ['a', 'b', 'c'], { title: 'Confusion' });
    const [scale] = elements(svg, 'g', /class="colour-scale"/);
    expect(Number(scale['data-min'])).toBeCloseTo(lo, 12);
    expect(Number(scale['data-max'])).toBeCloseTo(hi, 12);
    const label = (cls: string) => svg.match(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`))![1];
    expect(label('scale-min')).toBe(`${(lo * 100).toFixed(1)}%`);
    expect(label('scale-max')).toBe(`${(hi * 100).toFixed(1)}%`);
    expect(svg).toMatch(/share of true class's row/);
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(9);
    // The cell holding the largest share is the darkest cell (lowest red channel).
    const cells = [...svg.matchAll(/<rect [^>]*fill="rgb\((\d+),\d+,\d+\)"[^>]*><title>/g)].map((c) => Number(c[1]));
    expect(cells.indexOf(Math.min(...cells))).toBe(shares.indexOf(hi));
  });
});

describe('training curves caption', () => {
  it('names the ensemble member and the run that made the curves', () => {
    const run = { seed: 3, members: [{ seed: 3 }, { seed: 1003 }, { seed: 2003 }, { seed: 3003 }, { seed: 4003 }] };
    const from = curveSourceOf(run, 'mlp');
    expect(from).toEqual({ seed: 3, member: 0, members: 5, memberSeed: 3, model: 'MLP' });
    const test = evaluatePredictions([0, 1, 1, 0], [0, 1, 0, 0], 2);
    const html = renderReport({
      title: 'T',
      classNames: ['a', 'b'],
      test,
      runs: [{ seed: 3, accuracy: 0.75, macroF1: 0.73, balancedAccuracy: 0.75 }],
      history: { trainLoss: [1, 0.5], validLoss: [1, 0.7], validMetric: [0.5, 0.6], from },
    });
    const caption = html.match(/<p class="sub caption curves-source">([^<]*)<\/p>/)![1];
    expect(caption).toContain('member 1 of 5 of the seed ensemble');
    expect(caption).toContain('with seed 3');
    expect(caption).toContain('run with seed 3');
    expect(curvesCaption(curveSourceOf({ seed: 2, members: [{ seed: 2 }] }))).toBe('Training curves of the MLP of the run with seed 2.');
    expect(curvesCaption(curveSourceOf({ seed: 4, members: [] }, 'gbdt'))).toBe('Training curves of the gbdt of the run with seed 4.');
  });
});

/** Three classes, rows grouped by artist, the class mostly given by the sign pattern of two features. */
function tinyData(): Dataset {
  const rng = new Rng(5),
    artists = 30,
    per = 4,
    F = 3,
    rows = artists * per;
  const x = new Float32Array(rows * F),
    y = new Int32Array(rows),
    groups: string[] = [];
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < F; f++) x[i * F + f] = rng.normal();
    y[i] = rng.uniform() < 0.2 ? Math.floor(rng.uniform() * 3) : x[i * F] > 0.4 ? 2 : x[i * F + 1] > 0 ? 1 : 0;
    groups.push(`artist-${Math.floor(i / per)}`);
  }
  return { x, y, rows, features: F, classes: 3, groups };
}

/** Bins of the top probability over `bins` equal-width bins (lo, hi], the first also taking 0. */
function referenceBins(proba: Float32Array, y: Int32Array, K: number, bins: number): { count: number; confidence: number; accuracy: number }[] {
  const acc = Array.from({ length: bins }, () => ({ n: 0, conf: 0, hit: 0 }));
  for (let r = 0; r < y.length; r++) {
    const row = Array.from(proba.subarray(r * K, r * K + K));
    const top = Math.max(...row),
      cls = row.indexOf(top);
    let b = 0;
    while (b < bins - 1 && top > (b + 1) / bins) b++;
    acc[b].n++;
    acc[b].conf += top;
    acc[b].hit += cls === y[r] ? 1 : 0;
  }
  return acc.map((a) => ({ count: a.n, confidence: a.conf / a.n, accuracy: a.hit / a.n }));
}

describe('auto preset in the report', () => {
  const ds = tinyData();
  const choice: ChooseResult = chooseModel(ds, {
    candidates: [
      { name: 'logreg', model: 'logreg', options: { tol: 1e-3, maxIter: 50 }, grid: [{ C: 0.1 }, { C: 1 }] },
      { name: 'rf', model: 'rf', options: { nTrees: 8 } },
    ],
    outerFolds: 2,
    innerFolds: 2,
    seed: 3,
  });

  it('the candidates table has one row per candidate with its scores, the chosen one marked', () => {
    const table = candidatesTableHtml(choice);
    const rows = [...table.matchAll(/<tr class="candidate( chosen)?" data-name="([^"]+)"[^>]*>(.*?)<\/tr>/g)];
    expect(rows.map((r) => r[2])).toEqual(choice.candidates.map((c) => c.name));
    expect(rows.length).toBe(choice.candidates.length);
    expect(rows.length).toBeGreaterThanOrEqual(3); // two candidates and their blend
    for (const [k, c] of choice.candidates.entries()) {
      const cells = [...rows[k][3].matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
      const ms = (v: { mean: number; std: number }) => `${(100 * v.mean).toFixed(1)} ± ${(100 * v.std).toFixed(1)}`;
      expect(cells[2]).toBe(ms(c.foldMacroF1!));
      expect(cells[3]).toBe(ms(c.foldAccuracy!));
      expect(cells[4]).toBe((100 * c.macroF1).toFixed(1));
      expect(cells[5]).toBe((100 * c.accuracy).toFixed(1));
    }
    const chosen = rows.filter((r) => r[1] === ' chosen');
    expect(chosen.map((r) => r[2])).toEqual([choice.chosen.name]);
    expect(chosen[0][3]).toContain('★');
    const best = Math.max(...choice.candidates.map((c) => c.macroF1));
    expect(choice.candidates.find((c) => c.name === choice.chosen.name)!.macroF1).toBe(best);
  });

  it('the reliability diagram shows the bins of the out-of-fold probabilities, before and after, and the ECE of those bins', () => {
    const [, calibration] = autoReportSections(choice, ds.y, 3);
    expect(calibration.title).toBe('Calibration');
    const outer = choice.outer!;
    for (const [series, proba] of [
      ['before', outer.proba],
      ['after', outer.calibratedProba],
    ] as const) {
      const ref = referenceBins(proba, ds.y, 3, 15);
      const dots = elements(calibration.html, 'circle', new RegExp(`data-series="${series}`));
      expect(dots.map((d) => Number(d['data-count']))).toEqual(ref.filter((b) => b.count > 0).map((b) => b.count));
      const nonEmpty = ref.filter((b) => b.count > 0);
      dots.forEach((d, i) => {
        expect(Number(d['data-confidence'])).toBeCloseTo(nonEmpty[i].confidence, 6);
        expect(Number(d['data-accuracy'])).toBeCloseTo(nonEmpty[i].accuracy, 12);
      });
      const ece = nonEmpty.reduce((s, b) => s + (b.count / ds.rows) * Math.abs(b.accuracy - b.confidence), 0);
      expect(calibration.html).toContain(`ECE ${(100 * ece).toFixed(1)} %`);
    }
  });

  it("the whole page: nested estimate in the cards beside each outer fold's majority class", () => {
    const html = renderReport(autoReportInput(choice, { y: ds.y, classNames: ['x', 'y', 'z'] }));
    const outer = choice.outer!;
    const cards = [...html.matchAll(/<div class="v">([^<]*)<\/div>/g)].map((m) => m[1]);
    expect(cards[0]).toBe((100 * outer.accuracy).toFixed(1));
    expect(cards[1]).toBe((100 * outer.macroF1).toFixed(1));
    const majority = html.match(/majority class: ([\d.]+)/)![1];
    expect(majority).toBe((100 * outer.majorityAccuracy).toFixed(1));
    expect(html).toContain('<h2>Model choice (auto preset)</h2>');
    expect(html).toContain('<h2>Calibration</h2>');
    expect(html).not.toMatch(/<script|<link|src=|href=|@import|url\(/i);
    expect(texts(html).length).toBeGreaterThan(10);
  });
});
